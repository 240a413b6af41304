//! Many writers at once (threads × processes) and crash safety under SIGKILL.
//! Child processes are this test binary re-run with `PET_SQLITE_CHILD` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use pet_core::{vals, LoadLevel, LoadSpec, Store, Trajectory};
use pet_sqlite::SqliteStore;

const CHILD: &str = "PET_SQLITE_CHILD";

fn spawn_child(role: &str, db: &Path, args: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "child_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD, role)
        .env("PET_DB", db)
        .env("PET_ARGS", args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child")
}

fn sweep(db: &Path, name: &str, n: usize) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).unwrap());
    let mut t = Trajectory::create(store, name, "").unwrap();
    t.add_parameter("i", 0i64, "").unwrap();
    t.explore([("i", vals(0..n as i64))]).unwrap();
    t.store().unwrap();
}

/// Entry point of child processes; does nothing in a normal test run.
#[test]
fn child_entry() {
    let Ok(role) = std::env::var(CHILD) else {
        return;
    };
    let db = std::env::var("PET_DB").unwrap();
    let args: Vec<usize> = std::env::var("PET_ARGS")
        .unwrap()
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
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
        "crash" => {
            let out = std::io::stdout();
            for i in 0..t.len() {
                let mut run = t.run(i).unwrap();
                let v: i64 = run.param("i").unwrap();
                run.add_result("a", v).unwrap();
                run.add_result("b", ndarray::Array1::from_elem(2000, v as f64))
                    .unwrap();
                run.add_result_items("c", [("x", (v * 2).into()), ("y", "done".into())], "")
                    .unwrap();
                store.store_run("sweep", &run.finish()).unwrap();
                let mut lock = out.lock();
                writeln!(lock, "stored {i}").unwrap();
                lock.flush().unwrap();
            }
        }
        other => panic!("unknown child role {other}"),
    }
}

#[test]
fn two_processes_two_threads_thousand_runs_each_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let (procs, threads, per_lane) = (2, 2, 1000);
    let n = procs * threads * per_lane;
    sweep(&db, "sweep", n);
    let children: Vec<_> = (0..procs)
        .map(|p| spawn_child("writer", &db, &format!("{p},{procs},{threads}")))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "writer failed: {out:?}");
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
    let mut t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), n);
    assert!(
        t.pending_runs().is_empty(),
        "lost {} runs",
        t.pending_runs().len()
    );
    t.load_branch("results.runs", LoadLevel::Data).unwrap();
    assert_eq!(t.leaves("results.runs").len(), n);
    for i in (0..n).step_by(37) {
        assert_eq!(
            t.get_as::<i64>(&format!("results.runs.run_{i:08}.v"))
                .unwrap(),
            3 * i as i64
        );
    }
}

fn crash_after(reports: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let n = 100_000;
    sweep(&db, "sweep", n);
    let mut child = spawn_child("crash", &db, "0");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut reported = Vec::new();
    while reported.len() < reports {
        let line = lines.next().expect("child ended early").unwrap();
        if let Some(i) = line.strip_prefix("stored ") {
            reported.push(i.parse::<usize>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for line in lines.map_while(Result::ok) {
        if let Some(i) = line
            .strip_prefix("stored ")
            .and_then(|i| i.parse::<usize>().ok())
        {
            reported.push(i);
        }
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
    let mut t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    let completed: Vec<usize> = (0..n)
        .filter(|&i| t.run_info(i).unwrap().completed)
        .collect();
    for &i in &reported {
        assert!(
            t.run_info(i).unwrap().completed,
            "run {i} was reported stored but is not complete"
        );
    }
    assert!(completed.len() >= reported.len());
    assert!(
        completed.len() < n,
        "the child should have been killed mid-way"
    );
    t.load_branch("results.runs", LoadLevel::Data).unwrap();
    for &i in &completed {
        let base = format!("results.runs.run_{i:08}");
        assert_eq!(t.get_as::<i64>(&format!("{base}.a")).unwrap(), i as i64);
        let b: ndarray::ArrayD<f64> = t.get_as(&format!("{base}.b")).unwrap();
        assert_eq!(b.len(), 2000);
        assert!(b.iter().all(|&x| x == i as f64));
        assert_eq!(
            t.get_item(&format!("{base}.c"), "y").unwrap(),
            "done".into()
        );
    }
    // Nothing half-stored: every stored leaf belongs to a completed run.
    let leaves = t.leaves("results.runs");
    assert_eq!(leaves.len(), 3 * completed.len(), "half-stored runs found");
    // The file takes new runs after the crash.
    let mut run = t.run(completed.len()).unwrap();
    run.add_result("a", -1i64).unwrap();
    store.store_run("sweep", &run.finish()).unwrap();
}

#[test]
fn sigkill_while_storing_loses_no_reported_run_and_leaves_no_half_run() {
    for reports in [1, 150, 700] {
        crash_after(reports);
    }
}
