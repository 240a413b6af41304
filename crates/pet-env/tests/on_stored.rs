//! `Environment::on_stored` on real SQLite files: the hook sees every run
//! exactly once, after it is in the store, in sequential, threads and
//! processes mode; runs another copy stored first are not reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{grid, multiply, url};
use pet_core::{LoadSpec, Store, Trajectory};
use pet_env::{Environment, Mode};

/// An Environment on `dir`'s store whose hook appends to `seen` and checks
/// that every reported run is already completed in the store.
fn env(dir: &Path, mode: Mode, seen: &Arc<Mutex<Vec<usize>>>) -> Environment {
    let seen = seen.clone();
    let check: Arc<dyn Store> = pet_env::open_store(&url(dir)).unwrap();
    common::env(dir, mode).on_stored(move |runs| {
        let stored = check.read_runs("mult").unwrap();
        for &i in runs {
            assert!(stored[i].completed, "run {i} reported before it was stored");
        }
        seen.lock().unwrap().extend_from_slice(runs);
    })
}

/// Runs the 12-point grid in `mode` and checks the hook saw each run once;
/// running again stores nothing and reports nothing.
fn every_run_once(mode: Mode, worker_args: Option<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut e = env(dir.path(), mode.clone(), &seen);
    if let Some(args) = worker_args.clone() {
        e = e.worker_args(args);
    }
    let mut traj = e.trajectory("mult", "", grid).unwrap();
    let report = e.run(&mut traj, multiply).unwrap();
    assert_eq!(report.results.len(), 12);
    let mut got = seen.lock().unwrap().clone();
    got.sort_unstable();
    assert_eq!(got, (0..12).collect::<Vec<_>>(), "{mode:?}");
    drop(e);
    let again = Arc::new(Mutex::new(Vec::new()));
    let mut e = env(dir.path(), mode.clone(), &again);
    if let Some(args) = worker_args {
        e = e.worker_args(args);
    }
    let mut traj = e.trajectory("mult", "", grid).unwrap();
    e.run(&mut traj, multiply).unwrap();
    assert!(again.lock().unwrap().is_empty(), "{mode:?}");
}

#[test]
fn the_hook_sees_every_run_once_in_sequential_and_threads_mode() {
    every_run_once(Mode::Sequential, None);
    every_run_once(Mode::Threads(3), None);
}

/// Also the body of the worker processes this test starts.
#[test]
fn the_hook_sees_every_run_once_in_processes_mode() {
    pet_env::serve_if_worker(multiply).unwrap();
    let args = common::rerun_test("the_hook_sees_every_run_once_in_processes_mode");
    every_run_once(Mode::Processes(2), Some(args));
}

/// A copy whose view of the trajectory is stale runs every point again; the
/// runs the store already held (stored by another copy) are not reported.
#[test]
fn runs_another_copy_stored_first_are_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut first = env(dir.path(), Mode::Sequential, &seen).share(false);
    let mut stale = first.trajectory("mult", "", grid).unwrap();
    // Another copy stores runs 0..12 except 3 and 7 (they fail there).
    let other_seen = Arc::new(Mutex::new(Vec::new()));
    let mut other = env(dir.path(), Mode::Sequential, &other_seen);
    let mut traj = other.trajectory("mult", "", grid).unwrap();
    other
        .run(&mut traj, |run| {
            if run.index() == 3 || run.index() == 7 {
                return Err("not here".into());
            }
            multiply(run)
        })
        .unwrap();
    assert_eq!(other_seen.lock().unwrap().len(), 10);
    let report = first.run(&mut stale, multiply).unwrap();
    assert_eq!(report.duplicates, 10);
    let mut got = seen.lock().unwrap().clone();
    got.sort_unstable();
    assert_eq!(got, vec![3, 7]);
    let t = Trajectory::load(
        pet_env::open_store(&url(dir.path())).unwrap(),
        "mult",
        LoadSpec::default(),
    )
    .unwrap();
    assert!(t.pending_runs().is_empty());
}

/// Short sequential runs are stored in batches (one store call for many
/// runs), each batch reported once it is stored, a slow run among them too.
#[test]
fn short_sequential_runs_are_stored_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let calls = Arc::new(Mutex::new(Vec::<usize>::new()));
    let seen = calls.clone();
    let mut e = common::env(dir.path(), Mode::Sequential).on_stored(move |runs| {
        seen.lock().unwrap().push(runs.len());
    });
    let mut traj = e
        .trajectory("batches", "", |t| {
            t.add_parameter("x", 0i64, "")?;
            t.explore([("x", pet_core::vals(0..2000i64))])
        })
        .unwrap();
    e.run(&mut traj, |run| {
        let x: i64 = run.param("x")?;
        if x == 1000 {
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        run.add_result("z", x)?;
        Ok(())
    })
    .unwrap();
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.iter().sum::<usize>(), 2000);
    assert!(
        calls.len() < 200,
        "2000 0-ms runs took {} store calls",
        calls.len()
    );
    let back = Trajectory::load(
        pet_env::open_store(&url(dir.path())).unwrap(),
        "batches",
        LoadSpec::default(),
    )
    .unwrap();
    assert!(back.pending_runs().is_empty());
}
