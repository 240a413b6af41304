//! `close` on an HDF5 store: while the handle stays open, the `.h5` file
//! alone (copied without its journal and commit log) holds everything
//! written; a second close is free and the handle keeps working.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use pet_core::{vals, LoadSpec, Store, Trajectory};
use pet_hdf5::Hdf5Store;

fn sweep(store: Arc<dyn Store>, runs: usize) -> Trajectory {
    let mut t = Trajectory::create(store, "closed", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals((0..runs).map(|i| i as f64)))])
        .unwrap();
    t.store().unwrap();
    for i in 0..runs {
        let mut run = t.run(i).unwrap();
        run.add_result("z", i as f64 * 2.0).unwrap();
        run.add_result("trace", ndarray::Array1::from(vec![i as f64; 4]))
            .unwrap();
        let rec = run.finish();
        t.store_run(&rec).unwrap();
    }
    t
}

#[test]
fn a_closed_file_is_whole_while_the_handle_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.h5");
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&path).unwrap());
    let mut t = sweep(store.clone(), 30);
    t.add_result("summary.best", 58.0, "").unwrap();
    t.close().unwrap();
    t.close().unwrap();
    let copy = dir.path().join("copy.h5");
    std::fs::copy(&path, &copy).unwrap();
    let back = Trajectory::load(
        Arc::new(Hdf5Store::open(&copy).unwrap()),
        "closed",
        LoadSpec::default(),
    )
    .unwrap();
    assert_eq!(back.column::<f64>("z").unwrap().count(), 30);
    assert_eq!(
        back.column::<ndarray::ArrayD<f64>>("trace")
            .unwrap()
            .get(29)
            .unwrap()
            .sum(),
        29.0 * 4.0
    );
    drop(back);
    // The handle still works after close.
    let mut more = Trajectory::load(store, "closed", LoadSpec::default()).unwrap();
    more.add_result("summary.worst", 0.0, "").unwrap();
    more.close().unwrap();
    assert_eq!(more.get_as::<f64>("results.summary.worst").unwrap(), 0.0);
}
