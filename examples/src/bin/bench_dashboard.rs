//! Dashboard response times on a large SQLite store: a sweep of `--runs N`
//! points (a 2-D cartesian grid, default 10^6) with one float per run, served by
//! `pet serve`'s server in this process; each request is timed over HTTP on
//! 127.0.0.1, the first time (cold) and again (warm), and printed as a table.
//! `cargo run --release -p pet-examples --bin bench_dashboard -- [--runs N]`
//! (`BENCH_DIR` keeps the store between runs).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use pet::prelude::*;

/// Writes the sweep straight through the store in batches of 1000 runs.
fn make(url: &str, side: usize) -> Result<()> {
    let store = pet::open_store(url)?;
    let mut t = Trajectory::create(store.clone(), "sweep", "bench_dashboard")?;
    t.add_parameter("a", 0i64, "first axis")?;
    t.add_parameter("b", 0i64, "second axis")?;
    t.explore_cartesian([("a", vals(0..side as i64)), ("b", vals(0..side as i64))])?;
    t.store()?;
    let mut batch = Vec::with_capacity(1000);
    for i in 0..t.len() {
        let mut run = t.run(i)?;
        let (a, b): (i64, i64) = (run.param("a")?, run.param("b")?);
        run.add_result("z", ((a as f64) * 0.01).sin() * (b as f64) * 0.01)?;
        batch.push(run.finish());
        if batch.len() == 1000 || i + 1 == t.len() {
            store.store_runs("sweep", &batch)?;
            batch.clear();
        }
    }
    store.close()?;
    Ok(())
}

/// One GET over HTTP/1.1; returns (status, body bytes, seconds).
fn get(addr: std::net::SocketAddr, path: &str) -> Result<(u16, usize, f64)> {
    let start = Instant::now();
    let mut s = TcpStream::connect(addr)?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let secs = start.elapsed().as_secs_f64();
    let head = String::from_utf8_lossy(&buf[..buf.len().min(64)]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .with_context(|| format!("no HTTP status in {head:?}"))?;
    let body = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |p| buf.len() - p - 4);
    Ok((status, body, secs))
}

fn main() -> Result<()> {
    let runs: usize = pet_examples::number_flag("--runs", 1_000_000)?;
    let side = (runs as f64).sqrt().round().max(1.0) as usize;
    let dir = match std::env::var("BENCH_DIR") {
        Ok(d) => std::path::PathBuf::from(d),
        Err(_) => std::env::temp_dir().join("pet-bench-dashboard"),
    };
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("dashboard-{}.db", side * side));
    let url = format!("sqlite://{}", file.display());
    if !file.exists() {
        eprintln!("writing {} runs to {} …", side * side, file.display());
        let t = Instant::now();
        make(&url, side)?;
        eprintln!("written in {:.1} s", t.elapsed().as_secs_f64());
    }
    let start = Instant::now();
    let store = pet_stores::open_read_only(&url)?;
    let server = pet_serve::Server::start(store, &url, "127.0.0.1:0".parse()?)?;
    let ready = start.elapsed().as_secs_f64();
    let addr = server.addr();
    let requests = [
        ("store and trajectories", "/api/store".to_string()),
        (
            "first page of runs (50)",
            "/api/traj/sweep/runs".to_string(),
        ),
        (
            "page 1000 of runs",
            "/api/traj/sweep/runs?offset=50000".to_string(),
        ),
        (
            "filtered page: a > 900 && z > 0.5",
            "/api/traj/sweep/runs?where=a%20%3E%20900%20%26%26%20z%20%3E%200.5".to_string(),
        ),
        (
            "sorted page: z descending",
            "/api/traj/sweep/runs?sort=z&order=desc".to_string(),
        ),
        (
            "filtered and sorted page",
            "/api/traj/sweep/runs?where=b%20%3C%2010&sort=z".to_string(),
        ),
        (
            "one run",
            format!("/api/traj/sweep/runs/{}", side * side / 2),
        ),
        (
            "line plot PNG: z against a",
            "/api/traj/sweep/plot.png?y=z&x=a".to_string(),
        ),
        (
            "heatmap PNG: z over a, b",
            "/api/traj/sweep/plot.png?y=z&x=a&y2=b".to_string(),
        ),
        (
            "filtered heatmap PNG (b < 100)",
            "/api/traj/sweep/plot.png?y=z&x=a&y2=b&where=b%20%3C%20100".to_string(),
        ),
    ];
    println!(
        "pet serve on {} runs (SQLite, {}), server ready in {ready:.2} s",
        side * side,
        file.display()
    );
    println!();
    println!("| request | status | bytes | first: ms | again: ms |");
    println!("|---|---|---|---|---|");
    for (what, path) in &requests {
        let (status, bytes, first) = get(addr, path)?;
        let (_, _, again) = get(addr, path)?;
        if status != 200 {
            bail!("{path} answered {status}");
        }
        println!(
            "| {what} | {status} | {bytes} | {:.1} | {:.1} |",
            first * 1e3,
            again * 1e3
        );
    }
    drop(server);
    Ok(())
}
