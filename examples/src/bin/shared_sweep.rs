//! A sweep shared by any number of copies of this program on one store, on one
//! machine or many: the first copy creates trajectory `shared`, the others join
//! it; each copy claims batches of pending runs, runs them in its own mode and
//! stores them, and stops when no run is left. A copy that dies loses its
//! claimed runs only until their lease ends (`PET_LEASE_SECS`, default 60 s);
//! then another copy runs them.
//!
//! `shared_sweep STORE_URL N [--sleep-ms MS] [--mode seq|threads=K|processes=K] [--exclusive]`
//!
//! `--exclusive` turns claiming off: the copy runs every pending run itself
//! (what every copy did before pet shared sweeps; the sharing bench's baseline).
//!
//! Int parameter `i` over `0..N`; each run sleeps MS ms (default 20) and
//! stores `sq = i*i`. At the end the copy prints one line, `ran K runs`, with
//! K the runs this copy ran and stored.

use pet::prelude::*;

fn square(run: &mut Run) -> RunResult<i64> {
    std::thread::sleep(pet_examples::sleep_flag(20));
    let i: i64 = run.param("i")?;
    run.add_result_commented("sq", i * i, "i squared")?;
    Ok(i * i)
}

fn main() -> anyhow::Result<()> {
    pet::serve_if_worker(square)?;
    let args: Vec<String> = std::env::args().collect();
    let usage =
        "usage: shared_sweep STORE_URL N [--sleep-ms MS] [--mode seq|threads=K|processes=K]";
    let url = args
        .get(1)
        .filter(|a| !a.starts_with('-'))
        .ok_or_else(|| anyhow::anyhow!(usage))?;
    let n: i64 = args
        .get(2)
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| anyhow::anyhow!("{usage}\nN is the number of points, above 0"))?;
    pet_examples::number_flag("--sleep-ms", 20u64)?;
    let mode = pet_examples::mode(Mode::Sequential)?;
    let exclusive = args.iter().any(|a| a == "--exclusive");
    let mut env = Environment::open(url)?
        .mode(mode)
        .git(GitPolicy::Off)
        .share(!exclusive);
    let mut traj = env.trajectory("shared", "a sweep shared by copies of shared_sweep", |t| {
        t.add_parameter("i", 0i64, "the point")?;
        t.explore([("i", vals(0..n))])
    })?;
    let report = env.run(&mut traj, square)?;
    println!("ran {} runs", report.results.len());
    Ok(())
}
