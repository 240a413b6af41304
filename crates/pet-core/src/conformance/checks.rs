//! Conformance cases for the rules [`Store`](crate::Store) enforces for every
//! backend (batches refused whole, read-only refusal) and for where a run's
//! loader finds its nodes.

use super::{done_run, reload, result, Fixture};
use crate::storage::{ReadSpec, RunInfo, TrajectoryInfo};
use crate::{vals, LoadLevel, LoadSpec, PetError, Trajectory, Value};

fn three_points(fx: &dyn Fixture, name: &str) {
    let mut t = Trajectory::create(fx.open(), name, "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0, 3.0]))]).unwrap();
    t.store().unwrap();
}

/// A batch of runs with one invalid run stores none of them, not even the valid ones.
pub fn batch_with_one_invalid_run_stores_nothing(fx: &dyn Fixture) {
    three_points(fx, "batch");
    let store = fx.open();
    let good = done_run(0, vec![result("results.runs.run_00000000.z", 1.0.into())]);
    let also_good = done_run(1, vec![result("results.runs.run_00000001.z", 2.0.into())]);
    let bad = done_run(
        2,
        vec![result(
            "results.runs.run_00000002.z",
            Value::List(vec![1.0.into(), "mixed".into()]),
        )],
    );
    let e = store
        .store_runs("batch", &[good.clone(), bad, also_good.clone()])
        .unwrap_err();
    assert!(matches!(e, PetError::InvalidValue(_)), "{e}");
    drop(store);
    let back = reload(fx, "batch");
    assert_eq!(back.pending_runs(), vec![0, 1, 2]);
    let store = fx.open();
    assert!(store
        .read_nodes("batch", "results", ReadSpec::DATA)
        .unwrap()
        .iter()
        .all(|n| !n.path.starts_with("results.runs.run_")));
    // The valid runs alone are accepted afterwards.
    store.store_runs("batch", &[good, also_good]).unwrap();
    assert_eq!(reload(fx, "batch").pending_runs(), vec![2]);
}

/// A store opened read-only refuses every write with a read-only error and
/// keeps what it holds.
pub fn read_only_store_refuses_every_write(fx: &dyn Fixture) {
    three_points(fx, "ro");
    let ro = fx.open_read_only();
    assert!(ro.is_read_only());
    let refused = |what: &str, r: crate::Result<()>| match r {
        Err(PetError::ReadOnly { location }) => assert!(!location.is_empty(), "{what}"),
        other => panic!("{what}: expected a read-only error, got {other:?}"),
    };
    refused(
        "create",
        ro.create(&TrajectoryInfo::new("other", "").unwrap()),
    );
    refused(
        "write_nodes",
        ro.write_nodes("ro", &[result("results.extra", 1.0.into())]),
    );
    refused(
        "write_runs",
        ro.write_runs("ro", &[RunInfo::pending(0, "changed".into())]),
    );
    let run = done_run(0, vec![result("results.runs.run_00000000.z", 1.0.into())]);
    refused("store_run", ro.store_run("ro", &run).map(|_| ()));
    refused("store_runs", ro.store_runs("ro", &[run]).map(|_| ()));
    refused(
        "create_with",
        ro.create_with(&TrajectoryInfo::new("other", "").unwrap(), &[], &[]),
    );
    refused("release_claims", ro.release_claims("ro", "w", &[0]));
    refused(
        "renew_claims",
        ro.renew_claims("ro", "w", &[0], crate::now() + 10.0)
            .map(|_| ()),
    );
    refused("delete", ro.delete("ro", "parameters.x").map(|_| ()));
    let more = crate::vals([4.0]);
    refused(
        "append_points",
        ro.append_points(
            "ro",
            &[crate::PointAppend {
                path: "parameters.x",
                start: 3,
                values: &more,
            }],
        ),
    );
    refused("remove_trajectory", ro.remove_trajectory("ro"));
    let mut t = Trajectory::load(ro.clone(), "ro", LoadSpec::all()).unwrap();
    t.add_result("note", 1.0, "").unwrap();
    refused("Trajectory::store", t.store());
    // Reading works, and nothing changed.
    assert_eq!(ro.list().unwrap().len(), 1);
    drop((t, ro));
    let back = reload(fx, "ro");
    assert_eq!(back.pending_runs(), vec![0, 1, 2]);
    assert!(back.node("parameters.x").is_ok());
    assert!(back.node("results.note").is_err());
}

/// A node a run places outside `*.runs.run_N` (with `crun`) is found again by
/// the run's loader and by `read_run_nodes`, and other runs' nodes are not.
pub fn run_nodes_outside_the_runs_group_are_found(fx: &dyn Fixture) {
    three_points(fx, "placed");
    let mut t = Trajectory::load(fx.open(), "placed", LoadSpec::default()).unwrap();
    for i in 0..3 {
        let mut run = t.run(i).unwrap();
        run.add_result("z", i as f64).unwrap();
        run.add_result("summary.crun.mean", 10.0 + i as f64)
            .unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    drop(t);
    let store = fx.open();
    let paths: Vec<String> = store
        .read_run_nodes("placed", 1, ReadSpec::DATA)
        .unwrap()
        .into_iter()
        .filter(|n| n.node.is_leaf())
        .map(|n| n.path)
        .collect();
    assert_eq!(
        paths,
        vec![
            "results.runs.run_00000001.z".to_string(),
            "results.summary.run_00000001.mean".to_string()
        ]
    );
    let mut lazy = Trajectory::load(store, "placed", LoadSpec::skeleton()).unwrap();
    lazy.load_run(1, LoadLevel::Data).unwrap();
    assert_eq!(
        lazy.get_as::<f64>("results.summary.run_00000001.mean")
            .unwrap(),
        11.0
    );
    assert!(lazy.node("results.summary.run_00000002.mean").is_err());
}

super::register![
    batch_with_one_invalid_run_stores_nothing,
    read_only_store_refuses_every_write,
    run_nodes_outside_the_runs_group_are_found,
];
