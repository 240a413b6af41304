//! Two writers storing the same runs at once (a lease expired while the first
//! worker still ran). On the old code the cleanup after one writer's commit
//! deleted the other writer's fresh documents after that writer's commit had
//! won, leaving runs marked completed without their data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use pet_core::{vals, LoadSpec, Store, Trajectory};

#[test]
fn a_run_stored_by_two_writers_at_once_keeps_its_data() {
    let db = common::fresh_db("twowriters");
    let n = 60usize;
    let mut t = Trajectory::new("twice").unwrap();
    t.add_parameter("i", 0i64, "").unwrap();
    t.explore([("i", vals(0..n as i64))]).unwrap();
    let first: Arc<dyn Store> = Arc::new(common::open_db(&db));
    t.store_to(first).unwrap();
    let t = &t;
    let db = &db;
    // The writers start each run together, so their writes interleave.
    let barrier = &std::sync::Barrier::new(4);
    std::thread::scope(|s| {
        for k in 0..4i64 {
            s.spawn(move || {
                let store = common::open_db(db);
                for i in 0..n {
                    barrier.wait();
                    let mut run = t.run(i).unwrap();
                    run.add_result("v", k).unwrap();
                    run.add_result("arr", ndarray::Array1::from(vec![k; 32]))
                        .unwrap();
                    store.store_run("twice", &run.finish()).unwrap();
                }
            });
        }
    });
    let back: Arc<dyn Store> = Arc::new(common::open_db(db));
    let mut back = Trajectory::load(back, "twice", LoadSpec::default()).unwrap();
    assert!(back.pending_runs().is_empty());
    let mut empty = Vec::new();
    for i in 0..n {
        let v = back.get_as::<i64>(&format!("results.runs.run_{i:08}.v"));
        let arr = back.get_as::<ndarray::ArrayD<i64>>(&format!("results.runs.run_{i:08}.arr"));
        match (v, arr) {
            (Ok(v), Ok(arr)) => assert!(arr.iter().all(|&x| x == v), "run {i} mixes two copies"),
            _ => empty.push(i),
        }
    }
    assert!(
        empty.is_empty(),
        "runs completed without their data: {empty:?}"
    );
}
