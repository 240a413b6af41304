//! Analysis at scale, side by side on SQLite and HDF5: a trajectory of N runs
//! with one float each (`z = 2x`), then, each in a fresh process so its peak
//! resident memory is its own: a full load with all data, a lazy iteration
//! over every run (`traj.runs()`, each result read and dropped), and one
//! column (`traj.column::<f64>("z")`). Beside them: the store's own cost per
//! run (`store_runs` in batches of 1000), the same loop written by hand (each
//! run built, finished and batched, then stored) and the Environment's (the same runs
//! through `Environment::run`, sequential, 0-ms runs), and how long the
//! Environment takes to set up the N points before the first run starts.
//!
//! `cargo run --release -p pet-examples --features hdf5 --bin bench_analysis -- --runs 1000000`
//! (`--keep` keeps the stores for `--child open|load|iterate|column URL`;
//! `--child direct|env URL --runs N` runs one writer alone).

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use pet::prelude::*;

/// Peak resident memory of this process so far, in MiB (`VmHWM`).
fn peak_rss_mib() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmHWM in /proc/self/status")?;
    Ok(kb / 1024.0)
}

/// Writes trajectory `name` of `runs` runs straight through the store;
/// returns seconds per run of the `store_runs` calls and of the whole loop
/// (each run built by hand, `t.run(i)` … `finish()`, and stored in batches).
fn write_direct(url: &str, name: &str, runs: usize) -> Result<(f64, f64)> {
    let store = pet::open_store(url)?;
    let mut t = Trajectory::create(store.clone(), name, "bench_analysis")?;
    t.add_parameter("x", 0i64, "")?;
    t.explore([("x", vals(0..runs as i64))])?;
    t.store()?;
    let mut storing = 0.0;
    let looping = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..runs {
        let mut run = t.run(i)?;
        let x: i64 = run.param("x")?;
        run.add_result("z", 2.0 * x as f64)?;
        batch.push(run.finish());
        if batch.len() == 1000 || i + 1 == runs {
            let start = Instant::now();
            store.store_runs(name, &batch)?;
            storing += start.elapsed().as_secs_f64();
            batch.clear();
        }
    }
    let by_hand = looping.elapsed().as_secs_f64();
    store.close()?;
    Ok((storing / runs as f64, by_hand / runs as f64))
}

/// The same runs through the Environment; returns (setup seconds before
/// the first run, seconds per run after it).
fn write_env(url: &str, name: &str, runs: usize) -> Result<(f64, f64)> {
    let start = Instant::now();
    let mut env = Environment::open(url)?
        .git(GitPolicy::Off)
        .log_dir(None)
        .progress(false);
    let mut traj = env.trajectory(name, "bench_analysis", |t| {
        t.add_parameter("x", 0i64, "")?;
        t.explore([("x", vals(0..runs as i64))])
    })?;
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        eprintln!(
            "trajectory set up and stored in {:.2} s",
            start.elapsed().as_secs_f64()
        );
    }
    let first = std::sync::OnceLock::new();
    env.run(&mut traj, |run| {
        first.get_or_init(Instant::now);
        let x: i64 = run.param("x")?;
        run.add_result("z", 2.0 * x as f64)?;
        Ok(())
    })?;
    let end = Instant::now();
    let first = first.get().copied().unwrap_or(end);
    Ok((
        (first - start).as_secs_f64(),
        (end - first).as_secs_f64() / runs as f64,
    ))
}

/// Child: one measurement on trajectory `direct` of `url`; prints `seconds
/// peak_MiB check`. Iteration and column are timed after opening the
/// trajectory (the default load: parameters and run table), which "open"
/// times alone.
fn child(what: &str, url: &str) -> Result<()> {
    let store: Arc<dyn Store> = pet::open_store(url)?;
    let open = || Trajectory::load(store.clone(), "direct", LoadSpec::default());
    let (start, check) = match what {
        "load" => {
            let start = Instant::now();
            let mut t = Trajectory::load(store.clone(), "direct", LoadSpec::all())?;
            let last = pet::name::run_name(t.len() - 1);
            let z = t.get_as::<f64>(&format!("results.runs.{last}.z"))?;
            (start, t.node_count() as f64 + z)
        }
        "open" => {
            let start = Instant::now();
            (start, open()?.len() as f64)
        }
        "iterate" => {
            let t = open()?;
            let start = Instant::now();
            let mut sum = 0.0;
            for run in t.runs() {
                sum += run.result::<f64>("z")?;
            }
            (start, sum)
        }
        "column" => {
            let t = open()?;
            let start = Instant::now();
            let z = t.column::<f64>("z")?;
            (start, z.iter().map(|(_, v)| v).sum())
        }
        other => bail!("no measurement '{other}'"),
    };
    println!(
        "{:.3} {:.1} {check}",
        start.elapsed().as_secs_f64(),
        peak_rss_mib()?
    );
    Ok(())
}

/// Runs a child measurement; returns (seconds, peak MiB).
fn measure(what: &str, url: &str) -> Result<(f64, f64)> {
    let out = Command::new(std::env::current_exe()?)
        .args(["--child", what, url])
        .output()?;
    if !out.status.success() {
        bail!(
            "{what} on {url} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8(out.stdout)?;
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next().context("no seconds")?.parse()?;
    let mib: f64 = parts.next().context("no memory")?.parse()?;
    Ok((secs, mib))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let (Some(what), Some(url)) = (args.get(2), args.get(3)) else {
            bail!("--child WHAT URL");
        };
        if what == "direct" {
            // The loop by hand alone (for a profiler): --child direct URL --runs N.
            let runs: usize = pet_examples::number_flag("--runs", 100_000)?;
            let (store, by_hand) = write_direct(url, "direct", runs)?;
            println!(
                "store_runs {:.1} µs/run, by hand {:.1} µs/run",
                store * 1e6,
                by_hand * 1e6
            );
            return Ok(());
        }
        if what == "env" {
            // The Environment's part alone (for a profiler): --child env URL --runs N.
            let runs: usize = pet_examples::number_flag("--runs", 100_000)?;
            let (setup, per_run) = write_env(url, "env", runs)?;
            println!("setup {setup:.2} s, {:.1} µs/run", per_run * 1e6);
            return Ok(());
        }
        return child(what, url);
    }
    let runs: usize = pet_examples::number_flag("--runs", 100_000)?;
    let dir = tempfile_dir()?;
    let mut backends = vec![("SQLite", format!("sqlite://{}/a.db", dir.display()))];
    if cfg!(feature = "hdf5") {
        backends.push(("HDF5", format!("hdf5://{}/a.h5", dir.display())));
    }
    println!("{runs} runs, one f64 result each (z = 2x); memory is the peak resident set of a fresh process\n");
    println!(
        "| store | full load: s | full load: MiB | open: s | open: MiB | lazy iteration: s | lazy iteration: MiB | column: s | column: MiB | store_runs: µs/run | by hand: µs/run | Environment: µs/run | Environment setup: s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (label, url) in &backends {
        let (store_cost, hand_cost) = write_direct(url, "direct", runs)?;
        // A store of its own, as fresh as the one `write_direct` started with.
        let env_url = url.replacen("/a.", "/env.", 1);
        let (setup, env_cost) = write_env(&env_url, "env", runs)?;
        let (load_s, load_m) = measure("load", url)?;
        let (open_s, open_m) = measure("open", url)?;
        let (iter_s, iter_m) = measure("iterate", url)?;
        let (col_s, col_m) = measure("column", url)?;
        println!(
            "| {label} | {load_s:.2} | {load_m:.0} | {open_s:.2} | {open_m:.0} | {iter_s:.2} | {iter_m:.0} | {col_s:.3} | {col_m:.0} | {:.1} | {:.1} | {:.1} | {setup:.2} |",
            store_cost * 1e6,
            hand_cost * 1e6,
            env_cost * 1e6
        );
    }
    if args.iter().any(|a| a == "--keep") {
        // For a profiler: `--child open|load|iterate|column URL` on these stores.
        eprintln!("stores kept in {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(())
}

/// A fresh directory for the stores (`$BENCH_DIR` or the system's temporary directory).
fn tempfile_dir() -> Result<std::path::PathBuf> {
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("pet-bench-analysis-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
