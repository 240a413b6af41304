//! Adaptive sweeps at scale: 10 000 expansions of 10 points each (100 000 runs
//! of an empty function) through `Environment::run_with`, on SQLite, with the
//! stores' appends (today) beside the full rewrite of every explored list and
//! of the run table per expansion (before); prints the mean cost per
//! expansion, with its 10 runs, for the first, middle and last thousand.
//! `cargo bench -p pet-env --bench expansion` (`PET_BENCH_QUICK=1`: 2000 expansions).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use pet_core::vals;
use pet_env::{Environment, GitPolicy, Mode};

const POINTS: usize = 10;

/// Seconds at the end of every thousandth expansion.
fn sweep(url: &str, expansions: usize, append_only: bool) -> Vec<f64> {
    let mut env = Environment::open(url)
        .unwrap()
        .mode(Mode::Sequential)
        .progress(false)
        .log_dir(None)
        .git(GitPolicy::Off);
    let mut traj = env
        .trajectory("adaptive", "", |t| {
            t.add_parameter("x", 0.0, "")?;
            t.explore([("x", vals((0..POINTS).map(|i| i as f64)))])
        })
        .unwrap();
    traj.set_append_only(append_only);
    let start = Instant::now();
    let mut marks = Vec::new();
    let mut done = 0usize;
    env.run_with(
        &mut traj,
        |_| Ok(()),
        |t, batch| {
            done += batch.len();
            if done == t.len() && t.len() < (expansions + 1) * POINTS {
                let base = t.len() as f64;
                t.expand([("x", vals((0..POINTS).map(|i| base + i as f64)))])?;
                let n = t.len() / POINTS - 1;
                if n.is_multiple_of(1000) {
                    marks.push(start.elapsed().as_secs_f64());
                }
            }
            Ok(())
        },
    )
    .unwrap();
    marks
}

fn main() {
    let quick = std::env::var("PET_BENCH_QUICK").is_ok_and(|v| v == "1");
    let expansions = if quick { 2000 } else { 10_000 };
    let dir = tempfile::tempdir().unwrap();
    println!(
        "{expansions} expansions of {POINTS} points (each with its {POINTS} runs), SQLite, sequential; ms per expansion\n"
    );
    println!("| path | expansions | first 1000 | middle 1000 | last 1000 | last / first |");
    println!("|---|---:|---:|---:|---:|---:|");
    // The old path grows with every point: 3000 expansions show it.
    for (label, append, n) in [
        ("appends (now)", true, expansions),
        ("full rewrite (before)", false, expansions.min(3000)),
    ] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("{append}.db")).display()
        );
        let marks = sweep(&url, n, append);
        // Seconds per thousand expansions = milliseconds per expansion.
        let per = |k: usize| marks[k] - if k == 0 { 0.0 } else { marks[k - 1] };
        let (first, mid, last) = (per(0), per(marks.len() / 2), per(marks.len() - 1));
        println!(
            "| {label} | {n} | {first:.2} | {mid:.2} | {last:.2} | {:.2}× |",
            last / first
        );
    }
}
