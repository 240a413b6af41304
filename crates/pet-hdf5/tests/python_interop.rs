//! A Python user reads a sweep's parameters, run table and result arrays with
//! h5py and numpy, without pet (`tests/python/read_sweep.py`, in a venv made by
//! `scripts/pyenv.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::python;
use pet_core::{cartesian_product, vals, Store, Trajectory};
use pet_hdf5::Hdf5Store;

#[test]
fn h5py_reads_parameters_run_table_and_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mult.h5");
    {
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
        let mut t = Trajectory::create(store, "mult", "x times y").unwrap();
        t.add_parameter("x", 0i64, "first factor").unwrap();
        t.annotate("x", "source", "grid").unwrap();
        t.annotate("x", "step", 1i64).unwrap();
        t.add_parameter("y", 0i64, "").unwrap();
        // Half explored, half added by an expansion: h5py reads the growable
        // dataset appends leave like the one a full write leaves.
        let grid = cartesian_product([("x", vals([1i64, 2, 3, 4])), ("y", vals([6i64, 7, 8]))]);
        let half = |lo: usize, hi: usize| {
            grid.iter()
                .map(|(k, v)| (k.clone(), v[lo..hi].to_vec()))
                .collect::<Vec<_>>()
        };
        t.explore(half(0, 6)).unwrap();
        t.store().unwrap();
        t.expand(half(6, 12)).unwrap();
        t.store().unwrap();
        for i in 0..t.len() {
            let (mut run, z) = python::mult_run(&t, i);
            run.add_result(
                "wave",
                ndarray::Array1::from_shape_fn(5000, |k| (k as i64 * z) as f64),
            )
            .unwrap();
            let rec = run.finish();
            t.store_run(&rec).unwrap();
        }
    }
    let python = python::interop_python(&["h5py"]);
    python::run_script(
        &python,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_sweep.py"),
        [&file],
        "12 runs, all completed",
    );
}
