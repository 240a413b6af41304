//! Many writers at once (threads × processes) and crash safety under SIGKILL.
//! Child processes are this test binary re-run with `PET_SQLITE_CHILD` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::sweep::create_int_sweep;
use pet_core::testkit::{claiming, crash};
use pet_core::{LoadSpec, Store, Trajectory};
use pet_sqlite::SqliteStore;

const CHILD: &str = "PET_SQLITE_CHILD";

fn spawn_child(role: &str, db: &Path, args: &str) -> std::process::Child {
    let envs = [("PET_DB", db.as_os_str()), ("PET_ARGS", OsStr::new(args))];
    crash::child_command(CHILD, role, envs)
        .spawn()
        .expect("spawn child")
}

fn open(db: impl AsRef<Path>) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(db.as_ref()).unwrap())
}

/// Entry point of child processes; does nothing in a normal test run.
#[test]
fn child_entry() {
    let Some((role, db, args)) = crash::child_db_args(CHILD) else {
        return;
    };
    let store = open(&db);
    let t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    match role.as_str() {
        // args: process index, processes, threads
        "writer" => {
            let (p, procs, threads) = (args[0], args[1], args[2]);
            let lanes = procs * threads;
            std::thread::scope(|s| {
                for k in 0..threads {
                    let (t, store) = (&t, store.clone());
                    s.spawn(move || {
                        for i in (p * threads + k..t.len()).step_by(lanes) {
                            let mut run = t.run(i).unwrap();
                            let v: i64 = run.param("i").unwrap();
                            run.add_result("v", v * 3).unwrap();
                            store.store_run("sweep", &run.finish()).unwrap();
                        }
                    });
                }
            });
        }
        // Stores runs one by one and reports each one stored, until killed.
        "crash" => crash::store_runs_reporting(&t, &store, "sweep", 2000),
        // args: process index, batch: claims until no run is left.
        "claimer" => claiming::claim_until_done(&t, &store, "sweep", args[0] as i64, args[1]),
        // args: process index: stores every run, as every other process does.
        "twice" => claiming::store_every_run(&t, &store, "sweep", args[0] as i64),
        other => panic!("unknown child role {other}"),
    }
}

#[test]
fn two_processes_two_threads_thousand_runs_each_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let (procs, threads, per_lane) = (2, 2, 1000);
    let n = procs * threads * per_lane;
    create_int_sweep(open(&db), "sweep", n);
    let children: Vec<_> = (0..procs)
        .map(|p| spawn_child("writer", &db, &format!("{p},{procs},{threads}")))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "writer failed: {out:?}");
    }
    let mut t = Trajectory::load(open(&db), "sweep", LoadSpec::default()).unwrap();
    crash::check_all_stored(&mut t, n, 1, 37);
}

fn crash_after(reports: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let n = 100_000;
    create_int_sweep(open(&db), "sweep", n);
    let mut child = spawn_child("crash", &db, "0");
    let reported = crash::kill_after_reports(&mut child, reports);
    let store = open(&db);
    let mut t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    let completed = crash::check_after_crash(&mut t, n, &reported, 2000, "");
    // The file takes new runs after the crash.
    crash::store_after_crash(&t, &store, "sweep", completed.len());
}

#[test]
fn sigkill_while_storing_loses_no_reported_run_and_leaves_no_half_run() {
    for reports in [1, 150, 700] {
        crash_after(reports);
    }
}

/// Four processes claiming at once never get the same run, and get them all.
#[test]
fn processes_claiming_at_once_never_share_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("claims.db");
    let n = 400;
    create_int_sweep(open(&db), "sweep", n);
    let children: Vec<_> = (0..4)
        .map(|k| spawn_child("claimer", &db, &format!("{k},7")))
        .collect();
    let owner = claiming::one_owner_each(&claiming::reports(children, "claimed"), n);
    let mut t = Trajectory::load(open(&db), "sweep", LoadSpec::default()).unwrap();
    claiming::check_copies(&mut t, &owner);
}

/// Four processes storing the same runs at once: one copy of each run, whole.
#[test]
fn processes_storing_the_same_runs_keep_one_copy_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("twice.db");
    let n = 150;
    create_int_sweep(open(&db), "sweep", n);
    let children: Vec<_> = (0..4)
        .map(|k| spawn_child("twice", &db, &format!("{k}")))
        .collect();
    let owner = claiming::one_owner_each(&claiming::reports(children, "won"), n);
    let mut t = Trajectory::load(open(&db), "sweep", LoadSpec::default()).unwrap();
    claiming::check_copies(&mut t, &owner);
}
