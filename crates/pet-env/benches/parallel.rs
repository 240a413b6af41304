//! Parallel efficiency: CPU-bound runs of about 10 ms on 1 and 2 workers, as
//! threads and as worker processes; prints a table with the speed-up ratios.
//! `cargo bench -p pet-env --bench parallel`

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use pet_core::{vals, Run};
use pet_env::{Environment, GitPolicy, Mode, RunResult};

/// About `iters` units of floating-point work.
fn burn(iters: u64, seed: f64) -> f64 {
    let mut x = seed;
    for i in 0..iters {
        x = (x * 1.000_000_1 + (i as f64).sqrt()).sin();
    }
    x
}

fn work(run: &mut Run) -> RunResult<f64> {
    let iters: u64 = run.param("iters")?;
    let v = burn(iters, run.param::<f64>("seed")?);
    run.add_result("v", v)?;
    Ok(v)
}

fn main() {
    // Worker processes of the process modes enter here and never return.
    pet_env::serve_if_worker(work).expect("worker");
    let runs = 40usize;
    // Calibrate ~10 ms per run (the value travels to workers as a parameter).
    let probe = 200_000u64;
    let t = Instant::now();
    std::hint::black_box(burn(probe, 0.5));
    let iters = (probe as f64 * 0.010 / t.elapsed().as_secs_f64()) as u64;

    let dir = tempfile::tempdir().expect("tempdir");
    let modes = [
        ("sequential", Mode::Sequential),
        ("threads, 1 worker", Mode::Threads(1)),
        ("threads, 2 workers", Mode::Threads(2)),
        ("processes, 1 worker", Mode::Processes(1)),
        ("processes, 2 workers", Mode::Processes(2)),
    ];
    let mut rows = Vec::new();
    for (k, (label, mode)) in modes.iter().enumerate() {
        let url = format!("sqlite://{}", dir.path().join(format!("p{k}.db")).display());
        let mut env = Environment::open(&url)
            .expect("open")
            .mode(mode.clone())
            .progress(false)
            .log_dir(None)
            .git(GitPolicy::Off);
        let mut traj = env
            .trajectory("bench", "", |t| {
                t.add_parameter("iters", iters, "work per run")?;
                t.add_parameter("seed", 0.0, "")?;
                t.explore([("seed", vals((0..runs).map(|i| i as f64 / runs as f64)))])
            })
            .expect("trajectory");
        let start = Instant::now();
        let report = env.run(&mut traj, work).expect("run");
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(report.results.len(), runs);
        rows.push((*label, secs));
    }
    let get = |l: &str| {
        rows.iter()
            .find(|(m, _)| *m == l)
            .map(|r| r.1)
            .unwrap_or(f64::NAN)
    };
    println!(
        "\n{runs} runs of ~10 ms each ({iters} iterations), {} CPUs\n",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("| mode | seconds | ms per run |\n|---|---:|---:|");
    for (label, secs) in &rows {
        println!(
            "| {label} | {secs:.3} | {:.2} |",
            secs * 1000.0 / runs as f64
        );
    }
    let t1 = get("threads, 1 worker") / get("threads, 2 workers");
    let p1 = get("processes, 1 worker") / get("processes, 2 workers");
    println!("\n| workers 1 → 2 | speed-up | parallel efficiency |\n|---|---:|---:|");
    println!("| threads | {t1:.2}x | {:.0}% |", t1 / 2.0 * 100.0);
    println!("| processes | {p1:.2}x | {:.0}% |", p1 / 2.0 * 100.0);
}
