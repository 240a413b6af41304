//! Stores changed by someone else (an attacker, a careless script): forged
//! sizes, out-of-range indices and triggers give clear errors, never a panic,
//! and reading never changes the file.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::{vals, LoadSpec, PetError, Store, Trajectory};
use pet_sqlite::SqliteStore;

fn swept_store(path: &Path) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(path).unwrap());
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    for i in 0..2 {
        let mut run = t.run(i).unwrap();
        run.add_result("pattern", ndarray::Array1::from_elem(4, i as f64))
            .unwrap();
        let rec = run.finish();
        t.store_run(&rec).unwrap();
    }
}

fn sql(path: &Path, statement: &str) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(statement).unwrap();
}

#[test]
fn forged_array_shape_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("forged.db");
    swept_store(&p);
    sql(
        &p,
        "UPDATE items SET shape = '[2305843009213693952]', data = x'' WHERE path = 'results.runs.run_00000000.pattern'",
    );
    let before = std::fs::read(&p).unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::from_url(&format!("sqlite://{}?mode=ro", p.display())).unwrap());
    let mut t = Trajectory::load(store, "t", LoadSpec::default()).unwrap();
    let e = t
        .get("results.runs.run_00000000.pattern")
        .unwrap_err()
        .to_string();
    assert!(e.contains("larger than this machine"), "{e}");
    assert!(
        e.contains("forged.db") && e.contains("results.runs.run_00000000.pattern"),
        "the error names the file and the path: {e}"
    );
    // The other run is intact, and reading changed nothing.
    assert!(t.get("results.runs.run_00000001.pattern").is_ok());
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

#[test]
fn negative_run_index_is_an_error_naming_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("idx.db");
    swept_store(&p);
    sql(&p, "UPDATE runs SET idx = -1 WHERE idx = 1");
    let store = SqliteStore::open(&p).unwrap();
    let e = store.read_runs("t").unwrap_err();
    assert!(matches!(e, PetError::Format { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("run index -1") && msg.contains("runs"),
        "{msg}"
    );
    sql(
        &p,
        "UPDATE runs SET idx = 9223372036854775807 WHERE idx = -1",
    );
    assert!(store.read_runs("t").is_err());
}

#[test]
fn triggers_of_another_program_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("trig.db");
    swept_store(&p);
    sql(
        &p,
        "CREATE TABLE evidence(n INTEGER);
         CREATE TRIGGER wipe AFTER INSERT ON items BEGIN DELETE FROM runs; INSERT INTO evidence VALUES (1); END;",
    );
    let e = SqliteStore::open(&p).err().unwrap().to_string();
    assert!(
        e.contains("triggers (wipe)") && e.contains("mode=ro"),
        "{e}"
    );
    // Read-only it opens and reads (triggers fire only on writes).
    let ro: Arc<dyn Store> =
        Arc::new(SqliteStore::from_url(&format!("sqlite://{}?mode=ro", p.display())).unwrap());
    assert_eq!(ro.read_runs("t").unwrap().len(), 2);
    let c = rusqlite::Connection::open(&p).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM evidence", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn a_view_in_place_of_a_table_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("view.db");
    swept_store(&p);
    sql(
        &p,
        "ALTER TABLE runs RENAME TO runs_real; CREATE VIEW runs AS SELECT * FROM runs_real;",
    );
    let e = SqliteStore::open(&p).err().unwrap().to_string();
    assert!(e.contains("'runs' table is missing or not a table"), "{e}");
}

/// Reads of one node see one snapshot: while another connection deletes and
/// re-adds a result over and over, every read sees it whole or not at all.
#[test]
fn reads_are_consistent_under_concurrent_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("race.db");
    swept_store(&p);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let p = p.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&p).unwrap());
            let mut t = Trajectory::load(store.clone(), "t", LoadSpec::all()).unwrap();
            let mut rounds = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || rounds < 50 {
                t.add_result("churn", ndarray::Array1::from_elem(64, 1.0), "")
                    .unwrap();
                t.store().unwrap();
                store.delete("t", "results.churn").unwrap();
                t.remove("results.churn").unwrap();
                rounds += 1;
            }
            rounds
        })
    };
    let reader: Arc<dyn Store> = Arc::new(SqliteStore::open(&p).unwrap());
    let start = std::time::Instant::now();
    let mut reads = 0;
    while start.elapsed() < std::time::Duration::from_millis(1500) {
        for n in reader
            .read_nodes("t", "results", pet_core::storage::ReadSpec::DATA)
            .unwrap()
        {
            if n.path == "results.churn" {
                assert!(
                    n.node.data.is_some(),
                    "read {reads}: a leaf without its data"
                );
            }
        }
        match reader.read_data("t", "results.churn") {
            Ok(_) | Err(PetError::NotFound(_)) => {}
            Err(e) => panic!("read {reads} saw a half-deleted node: {e}"),
        }
        reads += 1;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let rounds = writer.join().unwrap();
    assert!(reads > 10 && rounds >= 50, "reads {reads}, rounds {rounds}");
}

/// Leases pet did not write: one that ends in 10^300 years holds nothing (no
/// copy waits for it), and one whose end is text stops the claim with an
/// error naming the table and what to do, instead of being retried.
#[test]
fn forged_leases_neither_block_a_sweep_nor_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lease.db");
    swept_store(&db);
    sql(&db, "UPDATE runs SET completed = 0");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
    let none = std::collections::BTreeSet::new();
    let now = pet_core::now();
    let req = pet_core::ClaimRequest {
        worker: "me",
        max: 100,
        below: usize::MAX,
        skip: &none,
        now,
        until: now + 60.0,
        gone: None,
    };
    let all = match store.claim_runs("t", &req).unwrap() {
        pet_core::Claimed::Runs(r) => r,
        other => panic!("{other:?}"),
    };
    store.release_claims("t", "me", &all).unwrap();
    sql(
        &db,
        "INSERT OR REPLACE INTO claims VALUES (1, 0, 'x:1:y', 1e308)",
    );
    match store.claim_runs("t", &req).unwrap() {
        pet_core::Claimed::Runs(r) => assert_eq!(r, all, "the forged lease held run 0"),
        other => panic!("{other:?}"),
    }
    sql(&db, "UPDATE claims SET until = 'soon' WHERE idx = 1");
    let e = store.claim_runs("t", &req).unwrap_err();
    assert!(!e.is_transient(), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("table claims") && msg.contains("DELETE FROM claims"),
        "{msg}"
    );
}

/// Column reads on forged item rows (a huge shape, an integer out of its
/// dtype's range, an unknown dtype, a run index past the largest): each is a clear error naming the file, never a panic or a huge
/// allocation, and the file does not change.
#[test]
fn forged_rows_in_a_column_read_are_errors_not_panics() {
    let cases = [
        (
            "UPDATE items SET shape = '[2305843009213693952]', data = x'' WHERE path = 'results.runs.run_00000001.pattern'",
            "pattern",
        ),
        (
            "UPDATE items SET dtype = 'i8', value = 100000, data = NULL WHERE path = 'results.runs.run_00000001.z'",
            "z",
        ),
        (
            "UPDATE items SET dtype = 'f999' WHERE path = 'results.runs.run_00000001.z'",
            "z",
        ),
        (
            "UPDATE items SET path = 'results.runs.run_9999999999999.z' WHERE path = 'results.runs.run_00000001.z'",
            "z",
        ),
    ];
    for (forgery, leaf) in cases {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("forged.db");
        swept_store(&p);
        {
            let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&p).unwrap());
            let t = Trajectory::load(store, "t", LoadSpec::default()).unwrap();
            // Both runs are completed: their `z` is added as plain nodes.
            for i in 0..2 {
                let mut run = t.run(i).unwrap();
                run.add_result("z", i as f64).unwrap();
                let rec = run.finish();
                t.store_handle()
                    .unwrap()
                    .write_nodes("t", &rec.nodes)
                    .unwrap();
            }
        }
        sql(&p, forgery);
        let before = std::fs::read(&p).unwrap();
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::from_url(&format!("sqlite://{}?mode=ro", p.display())).unwrap());
        let t = Trajectory::load(store, "t", LoadSpec::default()).unwrap();
        match t.column::<pet_core::Value>(leaf) {
            Err(e) => {
                let e = e.to_string();
                assert!(
                    e.contains("forged.db"),
                    "{forgery}: the error names the file: {e}"
                );
            }
            Ok(c) => panic!("{forgery}: a forged column was read: {} values", c.count()),
        }
        assert_eq!(std::fs::read(&p).unwrap(), before, "{forgery}");
    }
}
