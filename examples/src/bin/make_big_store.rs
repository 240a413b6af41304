//! Writes a large trajectory for migration and memory tests: RUNS runs with one
//! MB-sized f64 array each. `cargo run --release -p pet-examples --bin make_big_store -- URL RUNS MB`

use pet::prelude::*;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "sqlite://results/big.db".into());
    let runs: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let mb: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let mut env = Environment::open(&url)?
        .mode(Mode::Threads(2))
        .log_dir(None);
    let mut traj = env.trajectory("big", "large trajectory for migration tests", |t| {
        t.add_parameter("i", 0i64, "run number")?;
        t.explore([("i", vals(0..runs as i64))])
    })?;
    let report = env.run(&mut traj, |run| {
        let i: i64 = run.param("i")?;
        let n = mb * 131_072;
        let data = ndarray::Array1::from_shape_fn(n, |k| ((k as i64 + i) as f64).sin());
        run.add_result_commented("trace", data, "one large array")?;
        run.add_result("checksum", i as f64)?;
        Ok(())
    })?;
    println!("{} runs of {mb} MB stored in {url}", report.results.len());
    Ok(())
}
