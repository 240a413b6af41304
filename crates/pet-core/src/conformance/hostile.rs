//! Conformance cases for input a caller or a forged copy can send to any
//! store: run indices out of range, runs writing outside their own group,
//! results placed below results, and parameter names that look like runs.
//! Each is refused before anything is written, and what is stored survives.

use super::{done_run, reload, result, Fixture};
use crate::bounds::MAX_RUN_INDEX;
use crate::storage::ReadSpec;
use crate::{vals, LoadSpec, PetError, Trajectory, Value};

fn two_points(fx: &dyn Fixture, name: &str) {
    let mut t = Trajectory::create(fx.open(), name, "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    let store = fx.open();
    store
        .store_run(
            name,
            &done_run(0, vec![result("results.runs.run_00000000.z", 1.0.into())]),
        )
        .unwrap();
}

fn still_intact(fx: &dyn Fixture, name: &str) {
    let mut back = reload(fx, name);
    assert_eq!(back.pending_runs(), vec![1]);
    assert_eq!(back.len(), 2);
    assert_eq!(
        back.get_item("results.runs.run_00000000.z", "v").ok(),
        Some(Value::from(1.0)),
        "run 0 must survive"
    );
}

/// A run index beyond [`MAX_RUN_INDEX`] (or `usize::MAX`) is refused before
/// the backend sees it, and the store opens and works afterwards.
pub fn run_index_out_of_range_is_refused(fx: &dyn Fixture) {
    two_points(fx, "big");
    let store = fx.open();
    for index in [MAX_RUN_INDEX + 1, usize::MAX] {
        let rec = done_run(index, vec![]);
        let e = store.store_run("big", &rec).unwrap_err();
        assert!(matches!(e, PetError::InvalidValue(_)), "{e}");
        assert!(e.to_string().contains("larger than"), "{e}");
        let e = store
            .write_runs("big", std::slice::from_ref(&rec.info))
            .unwrap_err();
        assert!(matches!(e, PetError::InvalidValue(_)), "{e}");
    }
    drop(store);
    still_intact(fx, "big");
    let store = fx.open();
    store
        .store_run(
            "big",
            &done_run(1, vec![result("results.runs.run_00000001.z", 2.0.into())]),
        )
        .unwrap();
    assert!(reload(fx, "big").pending_runs().is_empty());
}

/// A run record whose nodes lie in another run's group (or in no run's group)
/// is refused whole.
pub fn run_writing_outside_its_group_is_refused(fx: &dyn Fixture) {
    two_points(fx, "own");
    let store = fx.open();
    for path in ["results.runs.run_00000000.z", "results.overall"] {
        let rec = done_run(1, vec![result(path, 9.0.into())]);
        let e = store.store_run("own", &rec).unwrap_err();
        assert!(e.to_string().contains("its own group"), "{path}: {e}");
    }
    drop(store);
    still_intact(fx, "own");
}

/// A run that stores a result `a` and another `a.b` below it is refused whole,
/// through the run API and through a store call, and nothing of it is stored.
pub fn result_below_a_result_is_refused(fx: &dyn Fixture) {
    two_points(fx, "nest");
    let t = Trajectory::load(fx.open(), "nest", LoadSpec::all()).unwrap();
    let mut run = t.run(1).unwrap();
    run.add_result("a", 1.0).unwrap();
    let e = run.add_result("a.b", 2.0).unwrap_err();
    assert!(e.to_string().contains("already added"), "{e}");
    let mut other = t.run(1).unwrap();
    other.add_result("c.d", 1.0).unwrap();
    assert!(other.add_result("c", 2.0).is_err());
    let store = fx.open();
    let rec = done_run(
        1,
        vec![
            result("results.runs.run_00000001.a", 1.0.into()),
            result("results.runs.run_00000001.a.b", 2.0.into()),
        ],
    );
    let e = store.store_run("nest", &rec).unwrap_err();
    assert!(e.to_string().contains("not a group"), "{e}");
    let nodes = store
        .read_run_nodes("nest", 1, ReadSpec::DATA)
        .unwrap_or_default();
    assert!(nodes.is_empty(), "nothing of run 1 is stored: {nodes:?}");
    drop(store);
    still_intact(fx, "nest");
}

/// Parameters whose names look like run names are ordinary parameters: the
/// default load and a worker's snapshot both have them, with their data.
pub fn parameter_named_like_a_run_is_a_parameter(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "runlike", "").unwrap();
    t.add_parameter("run_00000003", 3.0, "").unwrap();
    t.add_parameter("g.run_00000001.x", 1.5, "").unwrap();
    t.add_parameter("y", 0.0, "").unwrap();
    t.explore([("y", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    let mut back = Trajectory::load(fx.open(), "runlike", LoadSpec::default()).unwrap();
    assert_eq!(back.get_as::<f64>("parameters.run_00000003").unwrap(), 3.0);
    assert_eq!(
        back.get_as::<f64>("parameters.g.run_00000001.x").unwrap(),
        1.5
    );
    let snapshot: Vec<String> = back.param_records().into_iter().map(|r| r.path).collect();
    assert!(
        snapshot.contains(&"parameters.run_00000003".to_string()),
        "{snapshot:?}"
    );
    assert!(fx
        .open()
        .read_run_nodes("runlike", 3, ReadSpec::DATA)
        .unwrap()
        .is_empty());
}

super::register![
    run_index_out_of_range_is_refused,
    run_writing_outside_its_group_is_refused,
    result_below_a_result_is_refused,
    parameter_named_like_a_run_is_a_parameter,
];
