//! Opening a 100k-run trajectory touches no result data: a skeleton load reads
//! names and types only, and per-run subtrees stay in the file until touched.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use pet_core::{vals, LoadLevel, LoadSpec, RunRecord, Store, Trajectory};
use pet_sqlite::SqliteStore;

#[test]
fn skeleton_load_of_100k_runs_touches_no_result_data() {
    let n = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("big.db")).unwrap());
    let mut t = Trajectory::create(store.clone(), "big", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals((0..n).map(|i| i as f64)))]).unwrap();
    t.store().unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
        let recs: Vec<RunRecord> = chunk
            .iter()
            .map(|&i| {
                let mut r = t.run(i).unwrap();
                r.add_result("y", i as f64 * 2.0).unwrap();
                r.finish()
            })
            .collect();
        store.store_runs("big", &recs).unwrap();
    }
    drop(t);

    // The fast open: run table and tree skeleton, no run subtrees, no data.
    let mut lazy = Trajectory::load(store.clone(), "big", LoadSpec::skeleton()).unwrap();
    assert_eq!(lazy.len(), n);
    assert!(lazy.pending_runs().is_empty());
    assert!(lazy.node_count() < 20, "{} nodes", lazy.node_count());
    assert!(
        lazy.iter_nodes().all(|(_, node)| node.data.is_none()),
        "a skeleton load brought data"
    );
    // Touching one result loads that result only.
    assert_eq!(
        lazy.get_as::<f64>("results.runs.run_00054321.y").unwrap(),
        108_642.0
    );
    let with_data = lazy
        .iter_nodes()
        .filter(|(_, node)| node.data.is_some())
        .count();
    assert_eq!(with_data, 1);

    // The full skeleton (every run's nodes) still carries no data.
    let mut skel = Trajectory::load(store, "big", LoadSpec::uniform(LoadLevel::Skeleton)).unwrap();
    let leaves = skel.leaves("results.runs");
    assert_eq!(leaves.len(), n);
    assert!(skel.iter_nodes().all(|(_, node)| node.data.is_none()));
    assert_eq!(
        skel.get_as::<f64>("results.runs.run_00000007.y").unwrap(),
        14.0
    );
}
