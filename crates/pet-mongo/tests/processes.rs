//! Four processes store runs into one trajectory at once with no lost run, and a
//! writer killed with SIGKILL leaves no half-stored run (nor half-visible payload).
//! Child processes are this test binary re-run with `PET_MONGO_CHILD` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use pet_core::{vals, LoadLevel, LoadSpec, Store, Trajectory};
use pet_mongo::{MongoOptions, MongoStore};

const CHILD: &str = "PET_MONGO_CHILD";

/// Options of the crash test: small payload limit so every run also writes GridFS chunks.
fn crash_opts(db: &str) -> MongoOptions {
    MongoOptions {
        database: Some(db.to_string()),
        inline_max: 4096,
        ..MongoOptions::default()
    }
}

fn spawn_child(role: &str, db: &str, args: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "child_entry",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(CHILD, role)
        .env(common::URI_VAR, common::server_uri())
        .env("PET_DB", db)
        .env("PET_ARGS", args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child")
}

fn sweep(db: &str, n: usize) {
    let store: Arc<dyn Store> = Arc::new(common::open_db(db));
    let mut t = Trajectory::create(store, "sweep", "").unwrap();
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
    let opts = if role == "crash" {
        crash_opts(&db)
    } else {
        MongoOptions {
            database: Some(db.clone()),
            ..MongoOptions::default()
        }
    };
    let store: Arc<dyn Store> =
        Arc::new(MongoStore::open_with(&common::server_uri(), opts).unwrap());
    let t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    match role.as_str() {
        // args: process index, processes
        "writer" => {
            let (p, procs) = (args[0], args[1]);
            for i in (p..t.len()).step_by(procs) {
                let mut run = t.run(i).unwrap();
                let v: i64 = run.param("i").unwrap();
                run.add_result("v", v * 3).unwrap();
                run.add_result("arr", ndarray::Array1::from_elem(64, v as f64))
                    .unwrap();
                store.store_run("sweep", &run.finish()).unwrap();
            }
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
fn four_processes_store_runs_at_once_and_lose_none() {
    let fx = common::FreshDb::new();
    let (procs, n) = (4, 400);
    sweep(&fx.db, n);
    let children: Vec<_> = (0..procs)
        .map(|p| spawn_child("writer", &fx.db, &format!("{p},{procs}")))
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "writer failed: {out:?}");
    }
    let store: Arc<dyn Store> = Arc::new(fx.store());
    let mut t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), n);
    assert!(
        t.pending_runs().is_empty(),
        "lost {} runs: {:?}",
        t.pending_runs().len(),
        t.pending_runs()
    );
    t.load_branch("results.runs", LoadLevel::Data).unwrap();
    assert_eq!(t.leaves("results.runs").len(), 2 * n);
    for i in 0..n {
        assert_eq!(
            t.get_as::<i64>(&format!("results.runs.run_{i:08}.v"))
                .unwrap(),
            3 * i as i64
        );
    }
}

fn crash_after(reports: usize) {
    let fx = common::FreshDb::with(crash_opts("unused"));
    let n = 1_000;
    sweep(&fx.db, n);
    let mut child = spawn_child("crash", &fx.db, "0");
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
    let store = Arc::new(MongoStore::open_with(&common::server_uri(), crash_opts(&fx.db)).unwrap());
    let dyn_store: Arc<dyn Store> = store.clone();
    let check = |t: &mut Trajectory| -> Vec<usize> {
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
        // Nothing half-stored: every visible leaf belongs to a completed run.
        assert_eq!(
            t.leaves("results.runs").len(),
            3 * completed.len(),
            "half-stored runs found"
        );
        completed
    };
    let mut t = Trajectory::load(dyn_store.clone(), "sweep", LoadSpec::default()).unwrap();
    let completed = check(&mut t);
    // Leftovers of the interrupted run go; what is visible stays the same.
    store.cleanup_orphans("sweep", Duration::ZERO).unwrap();
    let mut t = Trajectory::load(dyn_store.clone(), "sweep", LoadSpec::default()).unwrap();
    assert_eq!(check(&mut t), completed);
    // The store takes new runs after the crash, including the interrupted one.
    let next = completed.len();
    let mut run = t.run(next).unwrap();
    run.add_result("a", -1i64).unwrap();
    dyn_store.store_run("sweep", &run.finish()).unwrap();
    let mut back = Trajectory::load(dyn_store, "sweep", LoadSpec::default()).unwrap();
    assert_eq!(
        back.get_as::<i64>(&format!("results.runs.run_{next:08}.a"))
            .unwrap(),
        -1
    );
}

#[test]
fn sigkill_while_storing_loses_no_reported_run_and_leaves_no_half_run() {
    for reports in [1, 25, 60] {
        crash_after(reports);
    }
}
