//! A Python user reads a sweep's parameters and results with sqlite3/pandas/numpy,
//! without pet (`tests/python/read_sweep.py`, in a venv made by `scripts/pyenv.sh`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::python;
use pet_core::{vals, Store, Trajectory};
use pet_sqlite::SqliteStore;

#[test]
fn pandas_reads_parameters_and_scalar_results() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mult.db");
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
        let mut t = Trajectory::create(store, "mult", "x times y").unwrap();
        t.add_parameter("x", 0i64, "").unwrap();
        t.add_parameter("y", 0i64, "").unwrap();
        t.explore_cartesian([("x", vals([1i64, 2, 3, 4])), ("y", vals([6i64, 7, 8]))])
            .unwrap();
        t.store().unwrap();
        // The last two runs are left pending: Python sees them too.
        for i in 0..t.len() - 2 {
            let (run, _) = python::mult_run(&t, i);
            let rec = run.finish();
            t.store_run(&rec).unwrap();
        }
    }
    let python = python::interop_python(&[]);
    python::run_script(
        &python,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_sweep.py"),
        [&db],
        "12 runs, 10 completed",
    );
}
