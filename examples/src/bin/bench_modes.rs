//! Execution modes side by side: 40 CPU-bound runs of about 10 ms on 1 and 2
//! workers in threads, worker processes and MPI ranks (speed-up and
//! efficiency), and the per-run cost of dispatch with 2000 runs of 0 ms, each
//! sweep into a fresh SQLite file. The MPI rows run this program under
//! `mpirun -n K+1` (rank 0 coordinates, K ranks run).
//!
//! `cargo build --release -p pet-examples --features mpi --bins && target/release/bench_modes`

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use pet::prelude::*;

/// The `--work-ms` of this process: each run spins the CPU this long.
fn work() -> Duration {
    static WORK: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    Duration::from_millis(
        *WORK.get_or_init(|| pet_examples::number_flag("--work-ms", 10).unwrap_or(10)),
    )
}

/// A CPU-bound run: spins for `--work-ms`.
fn spin(run: &mut Run) -> RunResult<u64> {
    let until = Instant::now() + work();
    let mut x: u64 = run.param::<i64>("i")?.unsigned_abs();
    while Instant::now() < until {
        for _ in 0..1000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
        }
    }
    run.add_result("x", x)?;
    Ok(x)
}

/// Child: one sweep in `--mode`, prints the seconds `Environment::run` took.
fn child(url: &str) -> Result<()> {
    let runs: i64 = pet_examples::number_flag("--runs", 40)?;
    let mode = pet_examples::mode(Mode::Sequential)?;
    let mut env = Environment::open(url)?
        .mode(mode)
        .git(GitPolicy::Off)
        .log_dir(None)
        .progress(false);
    let mut traj = env.trajectory("bench", "", |t| {
        t.add_parameter("i", 0i64, "")?;
        t.explore([("i", vals(0..runs))])
    })?;
    let start = Instant::now();
    env.run(&mut traj, spin)?;
    println!("seconds {}", start.elapsed().as_secs_f64());
    Ok(())
}

/// Runs one sweep in a child process (under mpirun for MPI); its seconds.
fn measure(mode: &str, workers: usize, runs: usize, work_ms: u64, n: usize) -> Result<f64> {
    let exe = std::env::current_exe()?;
    let dir = std::env::temp_dir().join(format!("pet-bench-modes-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!(
        "sqlite://{}",
        dir.join(format!("{mode}_{workers}_{work_ms}_{n}.db"))
            .display()
    );
    let mode_arg = match mode {
        "threads" | "processes" => format!("{mode}={workers}"),
        _ => "mpi".to_string(),
    };
    let args = [
        "--child".to_string(),
        url,
        "--mode".into(),
        mode_arg,
        "--runs".into(),
        runs.to_string(),
        "--work-ms".into(),
        work_ms.to_string(),
    ];
    let mut cmd = if mode == "mpi" {
        let mut c = Command::new("mpirun");
        c.args([
            "--allow-run-as-root",
            "--oversubscribe",
            "-n",
            &(workers + 1).to_string(),
        ])
        .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = cmd
        .args(&args)
        .env("PET_PROGRESS", "0")
        .output()
        .context("cannot start a sweep")?;
    if !out.status.success() {
        bail!(
            "{mode} x{workers} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let secs = text
        .lines()
        .find_map(|l| l.strip_prefix("seconds ")?.trim().parse::<f64>().ok())
        .with_context(|| format!("no timing in {text:?}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(secs)
}

fn main() -> Result<()> {
    pet::serve_if_worker(spin)?;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let url = args.get(i + 1).context("--child needs a store URL")?;
        return child(url);
    }
    let modes: Vec<&str> = if cfg!(feature = "mpi") {
        vec!["threads", "processes", "mpi"]
    } else {
        vec!["threads", "processes"]
    };
    println!("40 CPU-bound runs of ~10 ms, SQLite store:");
    println!();
    println!("| mode | ms per run, 1 worker | ms per run, 2 workers | speed-up | efficiency |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (k, mode) in modes.iter().enumerate() {
        let one = measure(mode, 1, 40, 10, k)? * 1000.0 / 40.0;
        let two = measure(mode, 2, 40, 10, k)? * 1000.0 / 40.0;
        println!(
            "| {mode} | {one:.2} | {two:.2} | {:.2}x | {:.0}% |",
            one / two,
            one / two / 2.0 * 100.0
        );
    }
    println!();
    println!("Dispatch: 2000 runs of 0 ms on 2 workers:");
    println!();
    println!("| mode | µs per run |");
    println!("| --- | ---: |");
    for (k, mode) in modes.iter().enumerate() {
        let secs = measure(mode, 2, 2000, 0, 10 + k)?;
        println!("| {mode} | {:.0} |", secs * 1e6 / 2000.0);
    }
    Ok(())
}
