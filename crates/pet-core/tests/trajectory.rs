//! Behaviour of the trajectory above any store: names, shortcuts, locks,
#![allow(clippy::unwrap_used)]
//! exploration errors, runs, typed access, merging in memory.

use pet_core::{
    cartesian_product, parameters, vals, MergeOptions, Parameters, PetError, Trajectory, Value,
};

fn traj() -> Trajectory {
    let mut t = Trajectory::new("t").unwrap();
    t.add_parameter("x", 1.0, "x").unwrap();
    t.add_parameter("y", 2i64, "y").unwrap();
    t.add_parameter("g1.w", 0.1, "").unwrap();
    t.add_parameter("g2.w", 0.2, "").unwrap();
    t
}

#[test]
fn dotted_names_create_groups_and_shortcuts_resolve() {
    let mut t = traj();
    assert!(t.node("parameters.g1").unwrap().is_group());
    assert_eq!(t.resolve("x").unwrap(), "parameters.x");
    assert_eq!(t.resolve("g1.w").unwrap(), "parameters.g1.w");
    assert_eq!(t.get_as::<f64>("g2.w").unwrap(), 0.2);
    assert_eq!(t.children("parameters").unwrap().len(), 4);
}

#[test]
fn ambiguous_shortcut_names_candidates() {
    let t = traj();
    match t.resolve("w") {
        Err(PetError::Ambiguous { candidates, .. }) => {
            assert_eq!(candidates, ["parameters.g1.w", "parameters.g2.w"])
        }
        other => panic!("{other:?}"),
    }
    let msg = t.resolve("w").unwrap_err().to_string();
    assert!(
        msg.contains("parameters.g1.w") && msg.contains("parameters.g2.w"),
        "{msg}"
    );
}

#[test]
fn shallowest_match_wins_and_runs_see_parameters_first() {
    let mut t = traj();
    t.add_result("x", 5.0, "result shadowing x").unwrap();
    // Both at depth 2: a plain shortcut is ambiguous ...
    assert!(matches!(t.resolve("x"), Err(PetError::Ambiguous { .. })));
    // ... but a run reads parameters only, so pypet's NotUniqueNodeError trap is gone.
    let run = t.run(0).unwrap();
    assert_eq!(run.param::<f64>("x").unwrap(), 1.0);
}

#[test]
fn bad_names_are_rejected() {
    let mut t = traj();
    for bad in ["a b", "a..b", "", "1x", "x.parameters", "ä"] {
        assert!(
            matches!(
                t.add_parameter(bad, 1.0, ""),
                Err(PetError::InvalidName { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        t.add_parameter("crun", 1.0, ""),
        Err(PetError::NoCurrentRun(_))
    ));
    assert!(matches!(
        t.add_parameter("x", 1.0, ""),
        Err(PetError::AlreadyExists(_))
    ));
    assert!(
        t.add_parameter("x.sub", 1.0, "").is_err(),
        "x is a leaf, not a group"
    );
    assert!(matches!(
        Trajectory::new("bad name"),
        Err(PetError::InvalidName { .. })
    ));
}

#[test]
fn parameters_lock_on_read_until_unlocked() {
    let mut t = traj();
    t.set_parameter("x", 3.0).unwrap();
    assert_eq!(t.get_as::<f64>("x").unwrap(), 3.0);
    assert!(t.is_locked("x").unwrap());
    assert!(matches!(
        t.set_parameter("x", 4.0),
        Err(PetError::Locked(_))
    ));
    t.unlock("x").unwrap();
    t.set_parameter("x", 4.0).unwrap();
    assert!(matches!(
        t.set_parameter("x", 4i64),
        Err(PetError::TypeMismatch { .. })
    ));
    assert!(matches!(
        t.get_as::<i64>("x"),
        Err(PetError::TypeMismatch { .. })
    ));
}

#[test]
fn parameters_refuse_dicts_tables_and_user_types() {
    let mut t = traj();
    let d = Value::Dict(Default::default());
    assert!(matches!(
        t.add_parameter("d", d.clone(), ""),
        Err(PetError::InvalidValue(_))
    ));
    t.add_result("d", d, "").unwrap();
}

#[test]
fn explore_errors_are_clear() {
    let mut t = traj();
    let e = t.explore([("nope", vals([1.0]))]).unwrap_err().to_string();
    assert!(e.contains("nope") && e.contains("add_parameter"), "{e}");
    let e = t
        .explore([("x", vals([1.0, 2.0])), ("y", vals([1i64]))])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("parameters.x: 2") && e.contains("parameters.y: 1"),
        "{e}"
    );
    let e = t
        .explore([("x", Vec::<Value>::new())])
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty"), "{e}");
    let e = t.explore([("x", vals([1i64]))]).unwrap_err().to_string();
    assert!(e.contains("i64") && e.contains("f64"), "{e}");
    let e = t
        .explore([("x", vals([1.0])), ("x", vals([2.0]))])
        .unwrap_err()
        .to_string();
    assert!(e.contains("twice"), "{e}");
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    let e = t
        .explore([("x", vals([1.0, 2.0]))])
        .unwrap_err()
        .to_string();
    assert!(e.contains("expand"), "{e}");
    let e = t.expand([("y", vals([1i64]))]).unwrap_err().to_string();
    assert!(e.contains("exactly"), "{e}");
    assert!(
        t.remove("x").is_err(),
        "explored parameters cannot be removed"
    );
}

#[test]
fn locked_parameter_cannot_be_explored() {
    let mut t = traj();
    t.get("x").unwrap();
    assert!(matches!(
        t.explore([("x", vals([1.0]))]),
        Err(PetError::Locked(_))
    ));
}

#[test]
fn cartesian_product_and_set_run() {
    let mut t = traj();
    t.explore(cartesian_product([
        ("x", vals([1.0, 2.0, 3.0, 4.0])),
        ("y", vals([6i64, 7, 8])),
    ]))
    .unwrap();
    assert_eq!(t.len(), 12);
    t.set_run(5).unwrap();
    assert_eq!(t.get_as::<f64>("x").unwrap(), 2.0);
    assert_eq!(t.get_as::<i64>("y").unwrap(), 8);
    assert_eq!(t.run_info(5).unwrap().summary, "x=2, y=8");
    assert!(matches!(
        t.set_run(12),
        Err(PetError::NoSuchRun { index: 12, len: 12 })
    ));
    t.clear_run();
    assert_eq!(t.get_as::<f64>("x").unwrap(), 1.0);
    let hits = t
        .find_runs(|p| Ok(p.get::<i64>("y")? == 7 && p.f64("x")? >= 3.0))
        .unwrap();
    assert_eq!(hits, vec![7, 10]);
    assert!(t.find_runs(|p| Ok(p.get::<i64>("zzz")? > 0)).is_err());
}

#[test]
fn crun_outside_a_run_is_an_error() {
    let mut t = traj();
    let e = t.add_result("runs.crun.z", 1.0, "").unwrap_err();
    assert!(matches!(e, PetError::NoCurrentRun(_)), "{e}");
    t.set_run(0).unwrap();
    t.add_result("runs.crun.z", 1.0, "").unwrap();
    assert!(t.node("results.runs.run_00000000.z").is_ok());
}

#[test]
fn runs_collect_results_under_their_group() {
    let mut t = traj();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    let mut run = t.run(1).unwrap();
    run.add_result("z", 3.0).unwrap();
    run.add_result("$.pos.z", 4.0).unwrap();
    run.add_derived("d", 1i32, "").unwrap();
    let rec = run.finish();
    let paths: Vec<&str> = rec.nodes.iter().map(|n| n.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "results.runs.run_00000001.z",
            "results.run_00000001.pos.z",
            "derived_parameters.runs.run_00000001.d"
        ]
    );
    assert!(rec.info.completed);
    t.store_run(&rec).unwrap();
    assert_eq!(t.pending_runs(), vec![0]);
    assert_eq!(t.get_as::<f64>("results.runs.run_00000001.z").unwrap(), 3.0);
}

parameters! {
    /// Typed view used in tests.
    struct Point {
        x: f64,
        y: i64,
        w1: f64 => "g1.w",
    }
}

#[test]
fn typed_access_reads_a_struct() {
    let mut t = traj();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    let p: Point = t.run(1).unwrap().params().unwrap();
    assert_eq!((p.x, p.y, p.w1), (2.0, 2, 0.1));
    assert_eq!(Point::names(), ["x", "y", "g1.w"]);
    let hits = t.find_runs(|rp| Ok(rp.params::<Point>()?.x > 1.5)).unwrap();
    assert_eq!(hits, vec![1]);
}

#[test]
fn merge_in_memory_explores_differing_defaults() {
    let mut a = Trajectory::new("a").unwrap();
    a.add_parameter("x", 1.0, "").unwrap();
    a.add_parameter("k", 1i64, "").unwrap();
    a.explore([("x", vals([1.0, 2.0]))]).unwrap();
    let mut b = Trajectory::new("b").unwrap();
    b.add_parameter("x", 1.0, "").unwrap();
    b.add_parameter("k", 5i64, "").unwrap();
    b.explore([("x", vals([3.0]))]).unwrap();
    let mut r = b.run(0).unwrap();
    r.add_result("z", 9.0).unwrap();
    let rec = r.finish();
    b.store_run(&rec).unwrap();
    let report = a.merge(&mut b, MergeOptions::default()).unwrap();
    assert_eq!(report.added, vec![(2, 0)]);
    assert_eq!(a.len(), 3);
    assert_eq!(a.param_value_at("k", 2).unwrap(), &5i64.into());
    assert_eq!(a.param_value_at("k", 0).unwrap(), &1i64.into());
    assert_eq!(a.run_info(2).unwrap().summary, "k=5, x=3");
    assert_eq!(a.get_as::<f64>("results.runs.run_00000002.z").unwrap(), 9.0);
}

#[test]
fn values_validate_structure() {
    assert!(Value::List(vec![1.0.into(), "a".into()])
        .validate()
        .is_err());
    assert!(Value::List(vec![
        vec![1i64].into(),
        Value::List(vec![]),
        vec![2i64].into()
    ])
    .validate()
    .is_ok());
    assert!(Value::with_unit("x", "mV").validate().is_err());
    assert!(pet_core::Sparse::new(
        pet_core::SparseFormat::Csr,
        (2, 2),
        vec![0, 1],
        vec![0],
        pet_core::Array::F64(ndarray::ArrayD::zeros(ndarray::IxDyn(&[1])))
    )
    .is_err());
    assert!(pet_core::Table::from_columns(vec![
        (
            "a".into(),
            pet_core::Array::F64(ndarray::ArrayD::zeros(ndarray::IxDyn(&[2])))
        ),
        (
            "b".into(),
            pet_core::Array::F64(ndarray::ArrayD::zeros(ndarray::IxDyn(&[3])))
        ),
    ])
    .is_err());
}

#[test]
fn user_types_decode_only_through_registered_decoders() {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Cfg {
        a: u8,
    }
    impl pet_core::UserType for Cfg {
        const TYPE_NAME: &'static str = "test.Cfg";
    }
    let v = pet_core::UserValue::encode(&Cfg { a: 3 }).unwrap();
    let mut reg = pet_core::UserTypeRegistry::new();
    assert!(reg.decode(&v).unwrap_err().to_string().contains("register"));
    reg.register::<Cfg>();
    let any = reg.decode(&v).unwrap();
    assert_eq!(any.downcast_ref::<Cfg>(), Some(&Cfg { a: 3 }));
    assert_eq!(v.to_json().unwrap(), serde_json::json!({"a": 3}));
    let forged = pet_core::UserValue {
        type_name: "test.Cfg".into(),
        payload: vec![0xff, 0x00],
    };
    assert!(forged.decode::<Cfg>().is_err());
}

#[test]
fn runs_against_a_base_snapshot_see_their_point() {
    let mut t = pet_core::Trajectory::new("t").unwrap();
    t.add_parameter("x", 0i64, "").unwrap();
    t.add_parameter("k", 5i64, "constant").unwrap();
    t.explore([("x", pet_core::vals([1i64, 2, 3]))]).unwrap();
    let base = t.base_snapshot().unwrap();
    assert!(
        base.run_infos().len() <= 1,
        "the base holds no run table of its own"
    );
    let point = t.point_values(2).unwrap();
    assert_eq!(point.summary, "x=3");
    let mut run = base.run_at(&point);
    assert_eq!(run.param::<i64>("x").unwrap(), 3);
    assert_eq!(run.param::<i64>("parameters.x").unwrap(), 3);
    assert_eq!(run.param::<i64>("k").unwrap(), 5);
    run.add_result("y", 9i64).unwrap();
    let rec = run.finish();
    let direct = {
        let mut r = t.run(2).unwrap();
        r.add_result("y", 9i64).unwrap();
        r.finish()
    };
    assert_eq!(rec.info.summary, direct.info.summary);
    assert_eq!(rec.info.index, 2);
    assert_eq!(rec.nodes, direct.nodes);
    assert!(t.point_values(3).is_err());
}
