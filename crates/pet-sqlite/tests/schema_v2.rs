//! Schema version 2 as it lies in the file: a new trajectory writes its
//! points in chunks and its runs that have not started as chunks of
//! summaries (no row per point or run); storing runs moves the frontier of
//! run rows; a version-1 store (a file written by pet 0.1.0, in
//! `tests/fixtures`) is read as it is read-only and upgraded at its first
//! writable open; forged chunks give clear errors.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::claiming::run_by;
use pet_core::{vals, LoadSpec, Store, Trajectory};
use pet_sqlite::{SqliteStore, SCHEMA_VERSION};

fn count(path: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn sql(path: &Path, statement: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(statement).unwrap();
}

/// A stored trajectory `t` of `n` points of `x` (and nothing run).
fn sweep(path: &Path, n: usize) -> (Arc<dyn Store>, Trajectory) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(path).unwrap());
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("x", 0i64, "").unwrap();
    t.add_parameter("y", 0.0, "").unwrap();
    t.explore([
        ("x", vals(0..n as i64)),
        ("y", vals((0..n).map(|i| i as f64 / 3.0))),
    ])
    .unwrap();
    t.store().unwrap();
    (store, t)
}

#[test]
fn a_new_sweep_writes_chunks_not_a_row_per_point_or_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v2.db");
    let n = 10_000;
    let (store, t) = sweep(&p, n);
    assert_eq!(count(&p, "SELECT count(*) FROM items WHERE point >= 0"), 0);
    assert_eq!(count(&p, "SELECT count(*) FROM runs"), 0);
    // 10^4 points of two parameters in chunks of 8192; 10^4 runs in chunks of 4096.
    assert_eq!(count(&p, "SELECT count(*) FROM points"), 4);
    assert_eq!(count(&p, "SELECT count(*) FROM pending_runs"), 3);
    assert_eq!(
        count(
            &p,
            "SELECT CAST(value AS INTEGER) FROM pet_meta WHERE key = 'schema_version'"
        )
        .to_string(),
        SCHEMA_VERSION.to_string()
    );
    // Python users read the points through the view as before.
    assert_eq!(
        count(
            &p,
            "SELECT count(*) FROM explored_points WHERE parameter = 'parameters.x'"
        ),
        n as i64
    );
    let c = rusqlite::Connection::open(&p).unwrap();
    let (run, value): (i64, f64) = c
        .query_row(
            "SELECT run, value FROM explored_points WHERE parameter = 'parameters.y' AND run = 9000",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((run, value), (9000, 3000.0));
    // Runs stored in order: rows up to the last, chunks wholly below it dropped.
    for batch in (0..5000).collect::<Vec<_>>().chunks(1000) {
        let records: Vec<_> = batch.iter().map(|&i| run_by(&t, i, 1)).collect();
        store.store_runs("t", &records).unwrap();
    }
    assert_eq!(count(&p, "SELECT count(*) FROM runs"), 5000);
    assert_eq!(count(&p, "SELECT count(*) FROM pending_runs"), 2);
    // One far ahead: the runs it skips get rows, pending.
    store.store_run("t", &run_by(&t, 9000, 1)).unwrap();
    assert_eq!(count(&p, "SELECT count(*) FROM runs"), 9001);
    assert_eq!(
        count(&p, "SELECT count(*) FROM runs WHERE completed = 0"),
        4000
    );
    let counts = store.run_counts("t").unwrap();
    assert_eq!((counts.runs, counts.completed), (n, 5001));
    // The view of every run counts the rows and the chunks past them.
    assert_eq!(count(&p, "SELECT count(*) FROM all_runs"), n as i64);
    assert_eq!(count(&p, "SELECT sum(completed) FROM all_runs"), 5001);
    let (name, summary): (String, String) = c
        .query_row(
            "SELECT name, summary FROM all_runs WHERE run = 9500",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(name, "run_00009500");
    assert_eq!(summary, t.run_info(9500).unwrap().summary);
    let back = Trajectory::load(store.clone(), "t", LoadSpec::default()).unwrap();
    for i in [0, 4999, 5000, 8999, 9000, 9001, n - 1] {
        assert_eq!(
            back.run_info(i).unwrap().summary,
            t.run_info(i).unwrap().summary,
            "run {i}"
        );
    }
    assert_eq!(back.pending_runs().len(), n - 5001);
}

/// The version-1 fixture, copied: 10 points of `x` (i64), `y` (f64) and
/// `name` (str); runs 0, 1, 2 and 5 completed with result `z`.
fn v1_copy(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("v1.db");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema-v1.db"),
        &p,
    )
    .unwrap();
    p
}

fn check_v1_contents(store: Arc<dyn Store>) -> Trajectory {
    let mut t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    t.load_parameters().unwrap();
    assert_eq!(t.len(), 10);
    let done: Vec<usize> = (0..10)
        .filter(|&i| t.run_info(i).unwrap().completed)
        .collect();
    assert_eq!(done, vec![0, 1, 2, 5]);
    assert_eq!(t.pending_runs(), vec![3, 4, 6, 7, 8, 9]);
    assert_eq!(t.run_info(7).unwrap().summary, "name=\"n7\", x=7, y=2.5");
    let run = t.run(7).unwrap();
    assert_eq!(run.param::<i64>("x").unwrap(), 7);
    assert_eq!(run.param::<f64>("y").unwrap(), 2.5);
    assert_eq!(run.param::<String>("name").unwrap(), "n7");
    assert_eq!(
        t.get_as::<f64>("results.runs.run_00000005.z").unwrap(),
        10.0
    );
    t
}

#[test]
fn a_version_1_store_is_read_as_it_is_when_opened_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = v1_copy(dir.path());
    let before = std::fs::read(&p).unwrap();
    let url = format!("sqlite://{}?mode=ro", p.display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::from_url(&url).unwrap());
    check_v1_contents(store.clone());
    assert_eq!(store.read_runs("sweep").unwrap().len(), 10);
    drop(store);
    assert!(
        std::fs::read(&p).unwrap() == before,
        "reading changed the file"
    );
    assert_eq!(
        count(
            &p,
            "SELECT CAST(value AS INTEGER) FROM pet_meta WHERE key = 'schema_version'"
        ),
        1
    );
}

#[test]
fn a_version_1_store_is_upgraded_at_its_first_writable_open_and_sweeps_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = v1_copy(dir.path());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&p).unwrap());
    assert_eq!(
        count(
            &p,
            "SELECT CAST(value AS INTEGER) FROM pet_meta WHERE key = 'schema_version'"
        ),
        SCHEMA_VERSION
    );
    let mut t = check_v1_contents(store.clone());
    // Its points stay rows; new points go in chunks after them.
    assert_eq!(count(&p, "SELECT count(*) FROM items WHERE point >= 0"), 30);
    t.expand([
        ("x", vals([10i64, 11])),
        ("y", vals([5.0, 5.5])),
        ("name", vals(["n10", "n11"])),
    ])
    .unwrap();
    t.store().unwrap();
    assert_eq!(count(&p, "SELECT count(*) FROM points"), 3);
    assert_eq!(
        count(
            &p,
            "SELECT count(*) FROM explored_points WHERE parameter = 'parameters.x'"
        ),
        12
    );
    for i in t.pending_runs() {
        let mut run = t.run(i).unwrap();
        let x: i64 = run.param("x").unwrap();
        run.add_result("z", 2.0 * x as f64).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    drop(t);
    let mut back = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    back.load_parameters().unwrap();
    assert_eq!(back.len(), 12);
    assert!(back.pending_runs().is_empty());
    assert_eq!(
        back.run(11).unwrap().param::<String>("name").unwrap(),
        "n11"
    );
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000011.z").unwrap(),
        22.0
    );
    assert_eq!(
        back.run_info(10).unwrap().summary,
        "name=\"n10\", x=10, y=5"
    );
}

fn open_err(p: &Path) -> String {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(p).unwrap());
    match Trajectory::load(store, "t", LoadSpec::default()).and_then(|mut t| {
        t.load_parameters()?;
        Ok(t)
    }) {
        Ok(_) => panic!("a forged table was read without an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn forged_chunks_are_clear_errors_and_nothing_is_allocated_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "UPDATE pending_runs SET count = 7 WHERE first = 0",
            "says 7 runs and holds 4096",
        ),
        (
            "UPDATE pending_runs SET first = 4000000000 WHERE first = 8192",
            "no chunk holds run 8192",
        ),
        (
            "UPDATE pending_runs SET summaries = '[1, 2' WHERE first = 0",
            "not a JSON array",
        ),
        (
            "UPDATE points SET json = '[1, 2' WHERE path = 'parameters.x' AND first = 0",
            "not a JSON array",
        ),
        (
            "UPDATE points SET count = 9 WHERE path = 'parameters.x' AND first = 8192",
            "says 9 points but holds 1808",
        ),
        (
            "UPDATE points SET first = 9000 WHERE path = 'parameters.x' AND first = 8192",
            "starts at point 9000, after 8192 points",
        ),
        (
            "UPDATE points SET json = NULL WHERE path = 'parameters.y' AND first = 0",
            "neither JSON nor CBOR",
        ),
        (
            "UPDATE points SET dtype = 'i8' WHERE path = 'parameters.x' AND first = 8192",
            "out of range",
        ),
    ];
    for (k, (forge, says)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("forged-{k}.db"));
        drop(sweep(&p, 10_000));
        sql(&p, forge);
        let e = open_err(&p);
        assert!(e.contains(says), "{forge}: {e}");
    }
}

/// Many handles opening one new file at the same moment all get the store one
/// of them created: none takes the tables another just created for a foreign
/// database (two statements of a check once saw the file before and after
/// another process's creation).
#[test]
fn handles_opening_a_new_file_at_once_all_get_the_store() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..200 {
        let p = dir.path().join(format!("new-{round}.db"));
        let start = std::sync::Barrier::new(6);
        let outcomes: Vec<Result<(), String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..6)
                .map(|_| {
                    s.spawn(|| {
                        start.wait();
                        SqliteStore::open(&p).map(drop).map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for o in outcomes {
            assert!(o.is_ok(), "round {round}: {o:?}");
        }
    }
}
