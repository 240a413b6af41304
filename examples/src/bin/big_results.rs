//! A sweep whose runs produce large arrays faster than the store can write
//! them, to show that memory stays bounded (back-pressure): workers wait while
//! the writer is behind, and batches are capped by bytes.
//!
//! `big_results STORE_URL [--runs N] [--mb MB] [--threads K] [--unbounded]`
//! (defaults: 2000 runs of 4 MB on 2 threads). `--unbounded` lifts the bounds,
//! as pet did before, for comparison. Measure with `/usr/bin/time -v`.

use pet::prelude::*;
use pet::EnvOptions;

fn flag(args: &[String], name: &str, default: usize) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("{name} needs a number")),
        None => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = pet_examples::store_url("hdf5://results/big.h5")?;
    let runs = flag(&args, "--runs", 2000)?;
    let mb = flag(&args, "--mb", 4)?;
    let threads = flag(&args, "--threads", 2)?;
    let mut opts = EnvOptions {
        mode: Mode::Threads(threads),
        progress: false,
        git: GitPolicy::Off,
        log_dir: None,
        ..EnvOptions::default()
    };
    if args.iter().any(|a| a == "--unbounded") {
        opts.max_waiting_runs = usize::MAX;
        opts.max_waiting_bytes = usize::MAX;
        opts.batch_bytes = usize::MAX;
    }
    let mut env = Environment::open(&url)?.options(opts);
    let mut traj = env.trajectory("big", "large results", |t| {
        t.add_parameter("i", 0i64, "run number")?;
        t.explore([("i", vals((0..runs as i64).collect::<Vec<_>>()))])
    })?;
    let n = mb * (1 << 20) / 8;
    let started = std::time::Instant::now();
    let report = env.run(&mut traj, |run| {
        let i: i64 = run.param("i")?;
        let a = ndarray::Array1::from_shape_fn(n, |k| ((k as i64 + i) % 1000) as f64 * 0.001);
        run.add_result("trace", a)?;
        Ok(())
    })?;
    println!(
        "stored {} runs of {mb} MB in {:.1} s",
        report.results.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
