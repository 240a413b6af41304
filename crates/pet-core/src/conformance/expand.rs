//! Conformance cases: expanding stored trajectories by appending points
//! ([`Store::append_points`]): the same stored trajectory as a full rewrite,
//! refused appends that change nothing, many small expansions, two writers.

use std::collections::BTreeMap;

use ndarray::Array1;

use super::{reload, Fixture};
use crate::storage::{Change, LoadSpec, PointAppend, RunInfo, Store};
use crate::tree::{LeafData, Node};
use crate::value::{Quantity, Value};
use crate::{vals, PetError, Trajectory};

/// The explored parameters of [`grown`] and the point `i` of each.
fn point(i: usize) -> Vec<(&'static str, Value)> {
    let label = if i == 9 {
        format!("nul\0{i}")
    } else {
        format!("p{i}")
    };
    vec![
        ("x", (i as f64 * 0.5).into()),
        ("n", (i as i64 - 3).into()),
        ("label", label.into()),
        (
            "trace",
            Array1::from(vec![i as f64, 1.0, -(i as f64)]).into(),
        ),
        (
            "speed",
            Value::Quantity(Quantity {
                value: Box::new((i as f64).into()),
                unit: "m/s".into(),
            }),
        ),
    ]
}

/// Points `range` as the lists `explore`/`expand` take.
fn points(range: std::ops::Range<usize>) -> Vec<(&'static str, Vec<Value>)> {
    let mut out: Vec<(&'static str, Vec<Value>)> =
        point(0).into_iter().map(|(k, _)| (k, Vec::new())).collect();
    for i in range {
        for (k, (_, v)) in point(i).into_iter().enumerate() {
            out[k].1.push(v);
        }
    }
    out
}

fn run_one(t: &mut Trajectory, i: usize) {
    let mut run = t.run(i).unwrap();
    let x: f64 = run.param("x").unwrap();
    run.add_result("y", x * 2.0).unwrap();
    t.store_run(&run.finish()).unwrap();
}

/// A trajectory explored with 2 points and expanded in steps of 1 to 4 points
/// (12 in all, one a string with a NUL byte), stored after every step, with
/// runs finished in between; `append_only` picks how expansions are written.
fn grown(fx: &dyn Fixture, name: &str, append_only: bool) -> Trajectory {
    let mut t = Trajectory::create(fx.open(), name, "grown").unwrap();
    t.set_append_only(append_only);
    for (k, v) in point(0) {
        t.add_parameter(k, v, &format!("explored {k}")).unwrap();
    }
    t.add_parameter("fixed", 7i64, "not explored").unwrap();
    t.annotate("x", "unit", "m").unwrap();
    t.explore(points(0..2)).unwrap();
    t.store().unwrap();
    run_one(&mut t, 0);
    let mut at = 2;
    for step in [1, 3, 2, 4] {
        t.expand(points(at..at + step)).unwrap();
        t.store().unwrap();
        run_one(&mut t, at);
        at += step;
    }
    assert_eq!(t.len(), 12);
    t
}

/// The leaves below `parameters` by path.
fn parameter_leaves(t: &Trajectory) -> BTreeMap<String, Node> {
    t.iter_nodes()
        .filter(|(p, n)| p.starts_with("parameters.") && n.is_leaf())
        .map(|(p, n)| (p.clone(), n.clone()))
        .collect()
}

/// Run information without the times (which differ between two trajectories).
fn runs_without_times(t: &Trajectory) -> Vec<(usize, String, bool, bool, String)> {
    t.run_infos()
        .iter()
        .map(|r| {
            (
                r.index,
                r.name(),
                r.completed,
                r.started.is_some(),
                r.summary.clone(),
            )
        })
        .collect()
}

/// Expanding by appends stores exactly what rewriting every point stores:
/// values, types, type descriptions, comments, annotations, the run table and
/// its summaries; and what is stored equals the trajectory in memory.
pub fn appends_store_what_a_rewrite_stores(fx: &dyn Fixture) {
    let appended = grown(fx, "appended", true);
    let rewritten = grown(fx, "rewritten", false);
    let a = reload(fx, "appended");
    let b = reload(fx, "rewritten");
    assert_eq!(parameter_leaves(&a), parameter_leaves(&b));
    assert_eq!(parameter_leaves(&a), parameter_leaves(&appended));
    assert_eq!(parameter_leaves(&b), parameter_leaves(&rewritten));
    assert_eq!(runs_without_times(&a), runs_without_times(&b));
    assert_eq!(a.run_infos(), appended.run_infos());
    assert_eq!(b.run_infos(), rewritten.run_infos());
    assert_eq!(a.explored_names().len(), 5);
    let x = a.node("parameters.x").unwrap();
    assert!(
        matches!(&x.kind, crate::NodeKind::Leaf { type_info, explored: true, .. }
        if type_info == "f64 explored len=12")
    );
    assert_eq!(
        a.run_info(11).unwrap().summary,
        rewritten.run_info(11).unwrap().summary
    );
    assert_eq!(
        a.param_value_at("label", 9).unwrap(),
        &Value::from("nul\u{0}9")
    );
    assert_eq!(a.pending_runs(), b.pending_runs());
    assert_eq!(a.pending_runs().len(), 7);
    // A skeleton load sees the new length without reading the points.
    let sk = Trajectory::load(fx.open(), "appended", LoadSpec::skeleton()).unwrap();
    let trace = sk.node("parameters.trace").unwrap();
    assert!(
        matches!(&trace.kind, crate::NodeKind::Leaf { type_info, .. }
        if type_info.ends_with("explored len=12"))
    );
}

/// The explored list of `path` as stored.
fn stored_points(store: &dyn Store, traj: &str, path: &str) -> Vec<Value> {
    match store.read_data(traj, path).unwrap() {
        LeafData::Param {
            explored: Some(list),
            ..
        } => list,
        other => panic!("{path} is not explored: {other:?}"),
    }
}

fn at<'a>(path: &'a str, start: usize, values: &'a [Value]) -> PointAppend<'a> {
    PointAppend {
        path,
        start,
        values,
    }
}

/// Appends at the wrong start, to a parameter that is not explored, to a
/// result, a missing node, or with the wrong type are refused, and a batch
/// with one refused append writes none of it.
pub fn refused_appends_change_nothing(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "refused", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.add_parameter("y", 0.0, "").unwrap();
    t.add_parameter("plain", 1.0, "not explored").unwrap();
    t.add_result("r", 1.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0, 3.0])), ("y", vals([4.0, 5.0, 6.0]))])
        .unwrap();
    t.store().unwrap();
    drop(t);
    let store = fx.open();
    let before = reload(fx, "refused");
    let one = vals([9.0]);
    let ints = vals([9i64]);
    let refusals: Vec<(&str, Vec<PointAppend<'_>>)> = vec![
        ("before the end", vec![at("parameters.x", 2, &one)]),
        ("after the end", vec![at("parameters.x", 4, &one)]),
        ("not explored", vec![at("parameters.plain", 1, &one)]),
        ("result", vec![at("results.r", 1, &one)]),
        ("missing", vec![at("parameters.nope", 3, &one)]),
        ("wrong type", vec![at("parameters.x", 3, &ints)]),
        (
            "one bad in a batch",
            vec![at("parameters.x", 3, &one), at("parameters.y", 2, &one)],
        ),
        (
            "twice in a batch",
            vec![at("parameters.x", 3, &one), at("parameters.x", 4, &one)],
        ),
        ("no points", vec![at("parameters.x", 3, &[])]),
    ];
    for (what, batch) in &refusals {
        let e = store.append_points("refused", batch).unwrap_err();
        match *what {
            "before the end" | "after the end" | "one bad in a batch" => assert!(
                matches!(&e, PetError::AppendConflict { stored: 3, .. }),
                "{what}: {e:?}"
            ),
            "wrong type" => assert!(matches!(e, PetError::TypeMismatch { .. }), "{what}: {e:?}"),
            "missing" => assert!(matches!(e, PetError::NotFound(_)), "{what}: {e:?}"),
            _ => assert!(!e.to_string().is_empty()),
        }
    }
    let e = store
        .append_points("refused", &[at("parameters.x", 2, &one)])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("parameters.x") && e.contains("holds 3 points"),
        "{e}"
    );
    assert!(matches!(
        store.append_points("no_such", &[at("parameters.x", 3, &one)]),
        Err(PetError::NoTrajectory(_))
    ));
    let ro = fx.open_read_only();
    assert!(matches!(
        ro.append_points("refused", &[at("parameters.x", 3, &one)]),
        Err(PetError::ReadOnly { .. })
    ));
    drop((store, ro));
    let after = reload(fx, "refused");
    assert_eq!(parameter_leaves(&after), parameter_leaves(&before));
    assert_eq!(after.run_infos(), before.run_infos());
    // A good batch then appends to both, and the type descriptions follow.
    let store = fx.open();
    let two = vals([7.0, 8.0]);
    store
        .append_points(
            "refused",
            &[at("parameters.x", 3, &two), at("parameters.y", 3, &two)],
        )
        .unwrap();
    drop(store);
    let store = fx.open();
    assert_eq!(
        stored_points(store.as_ref(), "refused", "parameters.x"),
        vals([1.0, 2.0, 3.0, 7.0, 8.0])
    );
    assert_eq!(
        stored_points(store.as_ref(), "refused", "parameters.y"),
        vals([4.0, 5.0, 6.0, 7.0, 8.0])
    );
    let back = reload(fx, "refused");
    assert!(matches!(&back.node("parameters.y").unwrap().kind,
        crate::NodeKind::Leaf { type_info, explored: true, .. } if type_info == "f64 explored len=5"));
    assert_eq!(
        back.node("parameters.plain").unwrap(),
        before.node("parameters.plain").unwrap()
    );
}

/// Many small expansions, each stored, with runs finished in between: a
/// reload equals the trajectory in memory, and a trajectory loaded in between
/// keeps expanding where the store ends.
pub fn many_small_expansions_reload_equal(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "many_exp", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.add_parameter("k", 0i64, "").unwrap();
    t.explore([("x", vals([0.0])), ("k", vals([0i64]))])
        .unwrap();
    t.store().unwrap();
    let mut next = 1;
    for step in 0..60 {
        let n = 1 + step % 4;
        let xs: Vec<f64> = (next..next + n).map(|i| i as f64 / 4.0).collect();
        let ks: Vec<i64> = (next..next + n).map(|i| i as i64).collect();
        t.expand([("x", vals(xs)), ("k", vals(ks))]).unwrap();
        t.store().unwrap();
        if step % 7 == 0 {
            run_one(&mut t, next);
        }
        next += n;
        if step == 30 {
            // Continue from a fresh load half way.
            t = Trajectory::load(fx.open(), "many_exp", LoadSpec::default()).unwrap();
        }
    }
    let back = reload(fx, "many_exp");
    assert_eq!(back.len(), next);
    assert_eq!(parameter_leaves(&back), parameter_leaves(&t));
    assert_eq!(back.run_infos(), t.run_infos());
    for i in 0..next {
        assert_eq!(
            back.param_value_at("k", i).unwrap(),
            &Value::from(i as i64),
            "point {i}"
        );
        assert!(back
            .run_info(i)
            .unwrap()
            .summary
            .contains(&format!("k={i}")));
    }
    assert_eq!(
        back.run_infos().iter().filter(|r| r.completed).count(),
        (0..60).step_by(7).count()
    );
}

/// Two trajectories loaded from one store both expand: the second to store is
/// refused with an append conflict, keeps its points in memory, and the store
/// holds the first writer's points.
pub fn expansions_of_two_writers_conflict(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "two", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    drop(t);
    let mut a = Trajectory::load(fx.open(), "two", LoadSpec::default()).unwrap();
    let mut b = Trajectory::load(fx.open(), "two", LoadSpec::default()).unwrap();
    a.expand([("x", vals([3.0]))]).unwrap();
    b.expand([("x", vals([30.0, 40.0]))]).unwrap();
    a.store().unwrap();
    let e = b.store().unwrap_err();
    assert!(
        matches!(
            e,
            PetError::AppendConflict {
                start: 2,
                stored: 3,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(b.len(), 4);
    let back = reload(fx, "two");
    assert_eq!(back.len(), 3);
    assert_eq!(
        stored_points(fx.open().as_ref(), "two", "parameters.x"),
        vals([1.0, 2.0, 3.0])
    );
    assert_eq!(
        back.run_info(2).unwrap(),
        &RunInfo::pending(2, "x=3".into())
    );
}

/// A trajectory with `x` explored over two points and a config item, stored.
fn two_points(fx: &dyn Fixture, name: &str) {
    let mut t = Trajectory::create(fx.open(), name, "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.add_config("seed", 7i64, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
}

/// A change ([`Store::write_change`]) whose append is refused writes none of
/// its removals, nodes or runs; an accepted one writes all of them.
pub fn a_refused_change_writes_nothing_of_it(fx: &dyn Fixture) {
    two_points(fx, "whole");
    let store = fx.open();
    let before = reload(fx, "whole");
    let node = super::result("results.extra", 5i64.into());
    let run = RunInfo::pending(2, "x=3".into());
    let three = vals([3.0]);
    let conflicting = [PointAppend {
        path: "parameters.x",
        start: 5,
        values: &three,
    }];
    let removed = ["config.seed".to_string()];
    let change = Change {
        removed: &removed,
        nodes: std::slice::from_ref(&node),
        appends: &conflicting,
        runs: std::slice::from_ref(&run),
    };
    let e = store.write_change("whole", &change).unwrap_err();
    assert!(matches!(e, PetError::AppendConflict { .. }), "{e:?}");
    let after = reload(fx, "whole");
    assert_eq!(parameter_leaves(&after), parameter_leaves(&before));
    assert_eq!(after.run_infos(), before.run_infos());
    assert!(after.leaves("results").is_empty());
    // The same change with the right start is written whole.
    let fitting = [PointAppend {
        path: "parameters.x",
        start: 2,
        values: &three,
    }];
    store
        .write_change(
            "whole",
            &Change {
                appends: &fitting,
                ..change
            },
        )
        .unwrap();
    let after = reload(fx, "whole");
    assert_eq!(after.len(), 3);
    assert_eq!(after.run_info(2).unwrap(), &run);
    assert!(after.leaves("config").is_empty());
    assert_eq!(after.leaves("results"), vec!["results.extra".to_string()]);
}

/// Points stored without their runs (a crash between the steps of a store
/// written in steps) come back as pending runs, which the next store writes.
pub fn points_stored_without_their_runs_come_back_pending(fx: &dyn Fixture) {
    two_points(fx, "gap");
    let more = vals([3.0, 4.0]);
    fx.open()
        .append_points(
            "gap",
            &[PointAppend {
                path: "parameters.x",
                start: 2,
                values: &more,
            }],
        )
        .unwrap();
    let mut t = Trajectory::load(fx.open(), "gap", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), 4);
    assert_eq!(t.pending_runs(), vec![0, 1, 2, 3]);
    assert_eq!(t.run_info(3).unwrap(), &RunInfo::pending(3, "x=4".into()));
    t.store().unwrap();
    assert_eq!(fx.open().read_runs("gap").unwrap().len(), 4);
}

super::register![
    appends_store_what_a_rewrite_stores,
    refused_appends_change_nothing,
    many_small_expansions_reload_equal,
    expansions_of_two_writers_conflict,
    a_refused_change_writes_nothing_of_it,
    points_stored_without_their_runs_come_back_pending,
];
