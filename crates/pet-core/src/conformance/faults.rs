//! Conformance cases: bad input gets a clear error and loses nothing stored.

use super::{reload, result, Fixture};
use crate::storage::{LoadSpec, ReadSpec, RunInfo, RunRecord, TrajectoryInfo};
use crate::tree::{LeafData, LeafRole, Node, NodeRecord};
use crate::{vals, PetError, Trajectory, Value};

/// Missing trajectories are `NoTrajectory`; missing paths and leaves are `NotFound`.
pub fn missing_things_are_not_found(fx: &dyn Fixture) {
    let store = fx.open();
    assert!(matches!(
        store.info("ghost"),
        Err(PetError::NoTrajectory(_))
    ));
    assert!(matches!(
        Trajectory::load(store.clone(), "ghost", LoadSpec::all()),
        Err(PetError::NoTrajectory(_))
    ));
    assert!(matches!(
        store.read_runs("ghost"),
        Err(PetError::NoTrajectory(_))
    ));
    assert!(matches!(
        store.remove_trajectory("ghost"),
        Err(PetError::NoTrajectory(_))
    ));
    let rec = RunRecord {
        info: RunInfo::pending(0, String::new()),
        nodes: vec![],
    };
    assert!(matches!(
        store.store_run("ghost", &rec),
        Err(PetError::NoTrajectory(_))
    ));
    let mut t = Trajectory::create(store.clone(), "present", "").unwrap();
    t.add_parameter("x", 1.0, "").unwrap();
    t.store().unwrap();
    assert!(matches!(
        store.read_data("present", "parameters.nope"),
        Err(PetError::NotFound(_))
    ));
    assert!(store
        .read_nodes("present", "results.nope", ReadSpec::DATA)
        .unwrap()
        .is_empty());
    let e = t.get("nope").unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}

/// Creating a trajectory whose name is taken is refused and the old one stays.
pub fn duplicate_trajectory_is_refused(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "dup", "original").unwrap();
    t.add_parameter("x", 1.0, "").unwrap();
    t.store().unwrap();
    let e = Trajectory::create(fx.open(), "dup", "again").unwrap_err();
    assert!(matches!(e, PetError::TrajectoryExists(_)), "{e}");
    let back = reload(fx, "dup");
    assert_eq!(back.info().comment, "original");
    assert!(back.node("x").is_ok());
    assert!(matches!(
        fx.open().create(&TrajectoryInfo::new("dup", "").unwrap()),
        Err(PetError::TrajectoryExists(_))
    ));
    let bad = TrajectoryInfo {
        name: "a b".into(),
        comment: String::new(),
        created: 0.0,
        pet_version: String::new(),
    };
    assert!(matches!(
        fx.open().create(&bad),
        Err(PetError::InvalidName { .. })
    ));
}

/// A run record with one bad node is refused whole: nothing of it is stored.
pub fn invalid_run_is_rejected_whole(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "atomic", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    let store = fx.open();
    let mut info = RunInfo::pending(0, String::new());
    info.completed = true;
    let bad_branch = RunRecord {
        info: info.clone(),
        nodes: vec![
            result("results.runs.run_00000000.good", 1.0.into()),
            NodeRecord {
                path: "parameters.sneaky".into(),
                node: Node::leaf(
                    LeafRole::Parameter,
                    LeafData::Param {
                        value: 1.0.into(),
                        explored: None,
                    },
                    "",
                ),
            },
        ],
    };
    assert!(matches!(
        store.store_run("atomic", &bad_branch),
        Err(PetError::InvalidValue(_))
    ));
    let duplicate = RunRecord {
        info: info.clone(),
        nodes: vec![
            result("results.runs.run_00000000.good", 1.0.into()),
            result("results.runs.run_00000000.good", 2.0.into()),
        ],
    };
    assert!(matches!(
        store.store_run("atomic", &duplicate),
        Err(PetError::AlreadyExists(_))
    ));
    let bad_value = RunRecord {
        info: info.clone(),
        nodes: vec![
            result("results.runs.run_00000000.good", 1.0.into()),
            result(
                "results.runs.run_00000000.mixed",
                Value::List(vec![1.0.into(), "a".into()]),
            ),
        ],
    };
    assert!(matches!(
        store.store_run("atomic", &bad_value),
        Err(PetError::InvalidValue(_))
    ));
    let mut out_of_range = RunRecord {
        info: info.clone(),
        nodes: vec![],
    };
    out_of_range.info.index = usize::MAX;
    assert!(store.store_run("atomic", &out_of_range).is_err());
    assert!(store
        .read_nodes("atomic", "results.runs", ReadSpec::SKELETON)
        .unwrap()
        .is_empty());
    let back = reload(fx, "atomic");
    assert_eq!(back.pending_runs(), vec![0, 1]);
    assert!(store
        .read_nodes("atomic", "parameters.sneaky", ReadSpec::SKELETON)
        .unwrap()
        .is_empty());
}

/// A batch of nodes with one invalid name is refused whole.
pub fn invalid_batch_is_rejected_whole(fx: &dyn Fixture) {
    let t = Trajectory::create(fx.open(), "batch", "").unwrap();
    drop(t);
    let store = fx.open();
    let batch = vec![
        result("results.fine", 1.0.into()),
        result("results.not fine", 2.0.into()),
    ];
    assert!(matches!(
        store.write_nodes("batch", &batch),
        Err(PetError::InvalidName { .. })
    ));
    let wrong_role = vec![NodeRecord {
        path: "results.p".into(),
        node: Node::leaf(
            LeafRole::Parameter,
            LeafData::Param {
                value: 1.0.into(),
                explored: None,
            },
            "",
        ),
    }];
    assert!(matches!(
        store.write_nodes("batch", &wrong_role),
        Err(PetError::InvalidValue(_))
    ));
    assert!(store
        .read_nodes("batch", "results.fine", ReadSpec::SKELETON)
        .unwrap()
        .is_empty());
}

/// After refused input the store still works and earlier data is intact.
pub fn bad_input_leaves_store_usable(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "usable", "").unwrap();
    t.add_parameter("x", 1.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    assert!(matches!(
        t.add_parameter("a b", 1.0, ""),
        Err(PetError::InvalidName { .. })
    ));
    assert!(matches!(
        t.add_parameter("x", 1.0, ""),
        Err(PetError::AlreadyExists(_))
    ));
    assert!(matches!(
        t.add_result(
            "mixed",
            Value::List(vals([1.0]).into_iter().chain(vals(["a"])).collect()),
            ""
        ),
        Err(PetError::InvalidValue(_))
    ));
    let mut run = t.run(0).unwrap();
    run.add_result("ok", 1.0).unwrap();
    assert!(run.add_result("ok", 2.0).is_err());
    t.store_run(&run.finish()).unwrap();
    t.store().unwrap();
    let mut back = reload(fx, "usable");
    assert_eq!(back.pending_runs(), vec![1]);
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000000.ok").unwrap(),
        1.0
    );
    assert!(back.node("results.mixed").is_err());
}

super::register![
    missing_things_are_not_found,
    duplicate_trajectory_is_refused,
    invalid_run_is_rejected_whole,
    invalid_batch_is_rejected_whole,
    bad_input_leaves_store_usable,
];
