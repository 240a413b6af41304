//! Plain scalar run results live in run-set columns; everything pet can do to a
//! leaf (update metadata, replace, delete, change type) still works on them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use pet_core::storage::ReadSpec;
use pet_core::{vals, LoadLevel, LoadSpec, Store, Trajectory, Value};
use pet_hdf5::Hdf5Store;

fn setup(path: &std::path::Path, n: usize) -> (Arc<dyn Store>, Trajectory) {
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(path).unwrap());
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("x", 0i64, "").unwrap();
    t.explore([("x", vals(0..n as i64))]).unwrap();
    t.store().unwrap();
    for i in 0..n {
        let mut run = t.run(i).unwrap();
        let x: i64 = run.param("x").unwrap();
        run.add_result("z", x as f64 * 0.5).unwrap();
        run.add_derived("d", x * 2, "").unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    (store, t)
}

#[test]
fn column_leaves_behave_like_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.h5");
    let n = 1205; // two buckets
    let (store, _t) = setup(&p, n);
    let runs = store
        .read_nodes("t", "results.runs", ReadSpec::SKELETON)
        .unwrap();
    assert_eq!(runs.len(), 1 + 2 * n, "runs group + run groups + leaves");
    assert_eq!(
        store.read_data("t", "results.runs.run_00001204.z").unwrap(),
        pet_core::LeafData::Result {
            items: [("z".to_string(), Value::from(602.0))].into()
        }
    );
    // Replace a column value by an array: it moves out of the column. (Storing
    // the run again would keep its first complete copy; writing its nodes replaces.)
    let mut t = Trajectory::load(store.clone(), "t", LoadSpec::default()).unwrap();
    let mut run = t.run(3).unwrap();
    run.add_result("z", ndarray::Array1::from(vec![1.0, 2.0]))
        .unwrap();
    let again = store.store_run("t", &run.finish()).unwrap();
    assert_eq!(again.already_completed, vec![3]);
    let mut run = t.run(3).unwrap();
    run.add_result("z", ndarray::Array1::from(vec![1.0, 2.0]))
        .unwrap();
    store.write_nodes("t", &run.finish().nodes).unwrap();
    // A type change (f64 column, i64 value) is stored as a dataset.
    let mut run = t.run(4).unwrap();
    run.add_result("z", 7i64).unwrap();
    store.write_nodes("t", &run.finish().nodes).unwrap();
    // Annotate a column leaf: its value stays.
    t.load_run(5, LoadLevel::Data).unwrap();
    t.annotate("results.runs.run_00000005.z", "checked", true)
        .unwrap();
    t.store().unwrap();
    // Delete one leaf and one whole run.
    assert_eq!(store.delete("t", "results.runs.run_00000006.z").unwrap(), 1);
    assert_eq!(store.delete("t", "results.runs.run_00000007").unwrap(), 2);
    drop(t);
    drop(store);
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    let mut back = Trajectory::load(store.clone(), "t", LoadSpec::all()).unwrap();
    let a: ndarray::ArrayD<f64> = back.get_as("results.runs.run_00000003.z").unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        back.get_as::<i64>("results.runs.run_00000004.z").unwrap(),
        7
    );
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000005.z").unwrap(),
        2.5
    );
    assert_eq!(
        back.node("results.runs.run_00000005.z")
            .unwrap()
            .annotations["checked"],
        true.into()
    );
    assert!(back.node("results.runs.run_00000006.z").is_err());
    assert!(back.node("results.runs.run_00000007").is_err());
    assert_eq!(
        back.get_as::<i64>("derived_parameters.runs.run_00000008.d")
            .unwrap(),
        16
    );
    assert_eq!(back.leaves("results.runs").len(), n - 2);
    // Deleting the whole branch takes the columns with it.
    store.delete("t", "results.runs").unwrap();
    assert!(store
        .read_nodes("t", "results.runs", ReadSpec::SKELETON)
        .unwrap()
        .is_empty());
}
