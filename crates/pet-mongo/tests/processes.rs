//! Four processes store runs into one trajectory at once with no lost run, and a
//! writer killed with SIGKILL leaves no half-stored run (nor half-visible payload).
//! Child processes are this test binary re-run with `PET_MONGO_CHILD` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use pet_core::testkit::sweep::create_int_sweep;
use pet_core::testkit::{claiming, crash};
use pet_core::{LoadSpec, Store, Trajectory};
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
    let uri = common::server_uri();
    let envs = [
        (common::URI_VAR, uri.as_str()),
        ("PET_DB", db),
        ("PET_ARGS", args),
    ];
    crash::child_command(CHILD, role, envs)
        .spawn()
        .expect("spawn child")
}

fn sweep(db: &str, n: usize) {
    create_int_sweep(Arc::new(common::open_db(db)), "sweep", n);
}

/// Entry point of child processes; does nothing in a normal test run.
#[test]
fn child_entry() {
    let Some((role, db, args)) = crash::child_db_args(CHILD) else {
        return;
    };
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
        "crash" => crash::store_runs_reporting(&t, &store, "sweep", 2000),
        // args: process index, batch: claims until no run is left.
        "claimer" => claiming::claim_until_done(&t, &store, "sweep", args[0] as i64, args[1]),
        // args: process index: stores every run, as every other process does.
        "twice" => claiming::store_every_run(&t, &store, "sweep", args[0] as i64),
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
    crash::check_all_stored(&mut t, n, 2, 1);
}

fn crash_after(reports: usize) {
    let fx = common::FreshDb::with(crash_opts("unused"));
    let n = 1_000;
    sweep(&fx.db, n);
    let mut child = spawn_child("crash", &fx.db, "0");
    let reported = crash::kill_after_reports(&mut child, reports);
    let store = Arc::new(MongoStore::open_with(&common::server_uri(), crash_opts(&fx.db)).unwrap());
    let dyn_store: Arc<dyn Store> = store.clone();
    let check = |t: &mut Trajectory| crash::check_after_crash(t, n, &reported, 2000, "");
    let mut t = Trajectory::load(dyn_store.clone(), "sweep", LoadSpec::default()).unwrap();
    let completed = check(&mut t);
    // Leftovers of the interrupted run go; what is visible stays the same.
    store.cleanup_orphans("sweep", Duration::ZERO).unwrap();
    let mut t = Trajectory::load(dyn_store.clone(), "sweep", LoadSpec::default()).unwrap();
    assert_eq!(check(&mut t), completed);
    // The store takes new runs after the crash, including the interrupted one.
    let next = completed.len();
    crash::store_after_crash(&t, &dyn_store, "sweep", next);
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

/// Four processes claiming at once never get the same run, and get them all.
#[test]
fn processes_claiming_at_once_never_share_a_run() {
    let fx = common::FreshDb::new();
    let n = 200;
    sweep(&fx.db, n);
    let children: Vec<_> = (0..4)
        .map(|k| spawn_child("claimer", &fx.db, &format!("{k},7")))
        .collect();
    let owner = claiming::one_owner_each(&claiming::reports(children, "claimed"), n);
    let store: Arc<dyn Store> = Arc::new(fx.store());
    let mut t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    claiming::check_copies(&mut t, &owner);
}

/// Four processes storing the same runs at once: one copy of each run, whole.
#[test]
fn processes_storing_the_same_runs_keep_one_copy_each() {
    let fx = common::FreshDb::new();
    let n = 80;
    sweep(&fx.db, n);
    let children: Vec<_> = (0..4)
        .map(|k| spawn_child("twice", &fx.db, &format!("{k}")))
        .collect();
    let owner = claiming::one_owner_each(&claiming::reports(children, "won"), n);
    let store: Arc<dyn Store> = Arc::new(fx.store());
    let mut t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    claiming::check_copies(&mut t, &owner);
}
