//! The cost of sharing a sweep: runs per second when 1, 2 and 4 copies of
//! `shared_sweep` share one store, beside the same sweep run by one copy that
//! claims nothing (`--exclusive`), on SQLite and (built with `--features
//! mongo`) MongoDB: 0-ms runs (the cost of claiming and storing) and 400 runs
//! of 10 ms (the speed-up). Wall time from starting the copies to the last
//! one's exit, trajectory creation included.
//!
//! `cargo build --release -p pet-examples --features mongo --bins &&
//!  target/release/bench_sharing [--runs N] [--mongo-runs N] [--copies 1,2,4] [--backends sqlite,mongo]`
//!
//! MongoDB: `PET_MONGODB_URI`, else the test server of scripts/mongo-test-server.sh.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// `shared_sweep`, built beside this program.
fn sweep_exe() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    let exe = me.with_file_name("shared_sweep");
    if !exe.exists() {
        bail!(
            "{} is missing: build every example first (cargo build --release -p pet-examples --bins)",
            exe.display()
        );
    }
    Ok(exe)
}

/// Runs `copies` copies at once on `url`; returns the wall time in seconds.
fn sweep(
    exe: &Path,
    dir: &Path,
    url: &str,
    (runs, sleep_ms): (usize, u64),
    copies: usize,
    exclusive: bool,
) -> Result<f64> {
    let start = Instant::now();
    let mut children = Vec::new();
    for _ in 0..copies {
        let mut cmd = Command::new(exe);
        let (runs, sleep) = (runs.to_string(), sleep_ms.to_string());
        cmd.args([
            url,
            runs.as_str(),
            "--sleep-ms",
            sleep.as_str(),
            "--mode",
            "seq",
        ])
        .current_dir(dir)
        .env("PET_PROGRESS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        if exclusive {
            cmd.arg("--exclusive");
        }
        children.push(cmd.spawn()?);
    }
    for c in children {
        let out = c.wait_with_output()?;
        if !out.status.success() {
            bail!("a copy failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(start.elapsed().as_secs_f64())
}

/// A MongoDB server URI: `PET_MONGODB_URI`, else a test server started now.
fn mongo_uri() -> Result<String> {
    if let Ok(u) = std::env::var("PET_MONGODB_URI") {
        if !u.is_empty() {
            return Ok(u);
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/mongo-test-server.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--watch")
        .arg(std::process::id().to_string())
        .output()
        .context("cannot run scripts/mongo-test-server.sh")?;
    if !out.status.success() {
        bail!(
            "the MongoDB test server did not start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = String::from_utf8(out.stdout)?;
    Ok(line
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string())
}

/// A fresh store URL for one measurement.
fn store(backend: &str, dir: &Path, tag: &str, mongo: &mut Option<String>) -> Result<String> {
    Ok(match backend {
        "sqlite" => format!("sqlite://{}", dir.join(format!("{tag}.db")).display()),
        "mongo" => {
            if mongo.is_none() {
                *mongo = Some(mongo_uri()?);
            }
            let uri = mongo.clone().unwrap_or_default();
            let db = format!("bench_{tag}_{}", std::process::id());
            match uri.split_once("/?") {
                Some((base, q)) => format!("{base}/{db}?{q}"),
                None => format!("{}/{db}", uri.trim_end_matches('/')),
            }
        }
        other => bail!("unknown backend {other}: use sqlite or mongo"),
    })
}

fn main() -> Result<()> {
    let sqlite_runs: usize = pet_examples::number_flag("--runs", 4000)?;
    // The MongoDB test server (SecantusDB, in Python) is far slower than a real mongod.
    let mongo_runs: usize = pet_examples::number_flag("--mongo-runs", 400)?;
    let copies: Vec<usize> = pet_examples::flag("--copies")?
        .unwrap_or_else(|| "1,2,4".into())
        .split(',')
        .map(|c| {
            c.trim()
                .parse()
                .context("--copies takes numbers like 1,2,4")
        })
        .collect::<Result<_>>()?;
    let default_backends = if cfg!(feature = "mongo") {
        "sqlite,mongo"
    } else {
        "sqlite"
    };
    let backends: Vec<String> = pet_examples::flag("--backends")?
        .unwrap_or_else(|| default_backends.into())
        .split(',')
        .map(str::to_string)
        .collect();
    let exe = sweep_exe()?;
    let dir = tempfile_dir()?;
    let mut mongo = None;
    println!("| backend | run | runs | copies | claims | wall s | runs/s | vs. one copy without claims |");
    println!("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
    for backend in &backends {
        let zero = if backend == "mongo" {
            mongo_runs
        } else {
            sqlite_runs
        };
        // 0-ms runs measure the cost of claiming and storing; 10-ms runs
        // (sleeping, so copies overlap even on few cores) the speed-up.
        for (sleep, runs) in [(0u64, zero), (10, 400)] {
            let tag = format!("{backend}_{sleep}");
            let url = store(backend, &dir, &format!("{tag}_excl"), &mut mongo)?;
            let base = sweep(&exe, &dir, &url, (runs, sleep), 1, true)?;
            println!(
                "| {backend} | {sleep} ms | {runs} | 1 | none | {base:.2} | {:.0} | 1.00 |",
                runs as f64 / base
            );
            for &k in &copies {
                let url = store(backend, &dir, &format!("{tag}_{k}"), &mut mongo)?;
                let t = sweep(&exe, &dir, &url, (runs, sleep), k, false)?;
                println!(
                    "| {backend} | {sleep} ms | {runs} | {k} | claims | {t:.2} | {:.0} | {:.2} |",
                    runs as f64 / t,
                    base / t
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A scratch directory for the stores and logs.
fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pet-bench-sharing-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
