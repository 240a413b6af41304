//! A call that fails while it is applied to the HDF5 file (after every check
//! before it passed) leaves nothing of itself behind: the store goes back to
//! its last checkpoint plus the journal, and keeps working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use pet_core::conformance::{done_run, result};
use pet_core::storage::ReadSpec;
use pet_core::testkit::sweep::create_int_sweep;
use pet_core::{LeafData, LeafRole, Node, NodeRecord, Store};
use pet_hdf5::Hdf5Store;

/// A result whose only item has the leaf's name: stored as one dataset.
fn dataset(path: &str, v: i64) -> NodeRecord {
    let item = path.rsplit('.').next().unwrap().to_string();
    NodeRecord {
        path: path.into(),
        node: Node::leaf(
            LeafRole::Result,
            LeafData::Result {
                items: pet_core::Items::one(item, v.into()),
            },
            "",
        ),
    }
}

#[test]
fn a_batch_that_fails_half_applied_is_undone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("undo.h5");
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
    create_int_sweep(store.clone(), "sweep", 10);
    store
        .store_run(
            "sweep",
            &done_run(0, vec![result("results.runs.run_00000000.a", 1i64.into())]),
        )
        .unwrap();
    // `results.x` is a dataset: a node below it cannot be made, and HDF5 says
    // so only when the batch is applied, after `results.z` was written.
    store
        .write_nodes("sweep", &[dataset("results.x", 1)])
        .unwrap();
    let e = store
        .write_nodes(
            "sweep",
            &[
                result("results.z", 2i64.into()),
                result("results.x.y", 3i64.into()),
            ],
        )
        .unwrap_err();
    eprintln!("{e}");
    let has = |path: &str| {
        !store
            .read_nodes("sweep", path, ReadSpec::SKELETON)
            .unwrap_or_default()
            .is_empty()
    };
    assert!(!has("results.z"), "half of the failed batch is visible");
    assert!(has("results.x") && has("results.runs.run_00000000.a"));
    // The same for a batch of runs: run 1 is whole, run 2 fails half-way.
    let e = store
        .store_runs(
            "sweep",
            &[
                done_run(1, vec![result("results.runs.run_00000001.a", 1i64.into())]),
                done_run(
                    2,
                    vec![
                        result("results.runs.run_00000002.a", 1i64.into()),
                        result("results.x.w", 1i64.into()),
                    ],
                ),
            ],
        )
        .unwrap_err();
    eprintln!("{e}");
    let runs = store.read_runs("sweep").unwrap();
    assert!(!runs[1].completed && !runs[2].completed);
    assert!(
        !has("results.runs.run_00000001"),
        "run 1 of the failed batch is visible"
    );
    // The store keeps working, and all of it survives a reopen.
    store
        .store_run(
            "sweep",
            &done_run(3, vec![result("results.runs.run_00000003.a", 3i64.into())]),
        )
        .unwrap();
    drop(store);
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
    let runs = store.read_runs("sweep").unwrap();
    let done: Vec<usize> = runs
        .iter()
        .filter(|r| r.completed)
        .map(|r| r.index)
        .collect();
    assert_eq!(done, vec![0, 3]);
    assert!(store
        .read_nodes("sweep", "results.z", ReadSpec::SKELETON)
        .unwrap()
        .is_empty());
}
