//! Log levels and the sequential entry with mutable state: by default a log
//! file holds each sweep's start and summary (no line per run); at debug it
//! holds one line per run; `run_mut` takes an `FnMut` in sequential mode and
//! is refused, with the reason, where runs run at once.
#![allow(clippy::unwrap_used)]

mod common;

use common::{env, grid, multiply};
use pet_env::{EnvError, LogLevel, Mode};

fn log_lines(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("logs").join("levels.log"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn per_run_lines_are_at_debug_level() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = env(dir.path(), Mode::Sequential);
    let mut traj = e.trajectory("levels", "", grid).unwrap();
    e.run(&mut traj, multiply).unwrap();
    let lines = log_lines(dir.path());
    assert!(
        lines.iter().any(|l| l.contains("12 runs done")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("finished in")),
        "{lines:#?}"
    );
    assert!(lines.iter().all(|l| l.contains(" INFO ")), "{lines:#?}");

    let dir = tempfile::tempdir().unwrap();
    let mut e = env(dir.path(), Mode::Sequential).log_level(LogLevel::Debug);
    let mut traj = e.trajectory("levels", "", grid).unwrap();
    e.run(&mut traj, multiply).unwrap();
    let lines = log_lines(dir.path());
    let per_run = lines
        .iter()
        .filter(|l| l.contains(" DEBUG run_") && l.contains("finished in"))
        .count();
    assert_eq!(per_run, 12, "{lines:#?}");

    let dir = tempfile::tempdir().unwrap();
    let mut e = env(dir.path(), Mode::Sequential).log_level(LogLevel::Error);
    let mut traj = e.trajectory("levels", "", grid).unwrap();
    e.run(&mut traj, multiply).unwrap();
    assert!(log_lines(dir.path()).is_empty());
    assert_eq!("DEBUG".parse::<LogLevel>().unwrap(), LogLevel::Debug);
    let bad = "loud".parse::<LogLevel>().unwrap_err().to_string();
    assert!(bad.contains("error, warn, info, debug or trace"), "{bad}");
}

#[test]
fn run_mut_keeps_state_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut e = env(dir.path(), Mode::Sequential);
    let mut traj = e.trajectory("levels", "", grid).unwrap();
    let mut seen = Vec::new();
    let mut state: u64 = 7;
    let report = e
        .run_mut(&mut traj, |run| {
            // A tiny seeded generator: its state moves on with every run.
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            seen.push(run.index());
            run.add_result("draw", (state >> 33) as i64)?;
            multiply(run)
        })
        .unwrap();
    assert_eq!(report.results.len(), 12);
    assert_eq!(seen, (0..12).collect::<Vec<_>>());
    let draws = traj.column::<i64>("draw").unwrap();
    assert_eq!(draws.count(), 12);
    let distinct: std::collections::BTreeSet<i64> = draws.iter().map(|(_, v)| *v).collect();
    assert_eq!(distinct.len(), 12);

    let dir = tempfile::tempdir().unwrap();
    let mut e = env(dir.path(), Mode::Threads(2));
    let mut traj = e.trajectory("levels", "", grid).unwrap();
    match e.run_mut(&mut traj, multiply) {
        Err(EnvError::Config(m)) => assert!(m.contains("Fn + Sync"), "{m}"),
        other => panic!(
            "run_mut in Threads mode gave {:?}",
            other.map(|r| r.results.len())
        ),
    }
    assert_eq!(traj.pending_runs().len(), 12);
}
