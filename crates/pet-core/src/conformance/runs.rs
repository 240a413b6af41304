//! Conformance cases: runs stored one by one, from many threads, expanded, merged, many.

use std::sync::Arc;

use super::{reload, Fixture};
use crate::storage::{LoadLevel, LoadSpec, Store};
use crate::{vals, MergeOptions, Trajectory};

fn multiply(fx: &dyn Fixture, name: &str, xs: &[f64], ys: &[f64]) -> Trajectory {
    let mut t = Trajectory::create(fx.open(), name, "").unwrap();
    t.add_parameter("x", 0.0, "first factor").unwrap();
    t.add_parameter("y", 0.0, "second factor").unwrap();
    t.explore_cartesian([("x", vals(xs.to_vec())), ("y", vals(ys.to_vec()))])
        .unwrap();
    t.store().unwrap();
    t
}

fn run_all(t: &mut Trajectory, indices: &[usize]) {
    for &i in indices {
        let mut run = t.run(i).unwrap();
        let z = run.param::<f64>("x").unwrap() * run.param::<f64>("y").unwrap();
        run.add_result("z", z).unwrap();
        run.add_result_items(
            "stats",
            [("min", 0.0.into()), ("max", z.into())],
            "two items",
        )
        .unwrap();
        run.add_derived("zz", z * z, "").unwrap();
        let rec = run.finish();
        t.store_run(&rec).unwrap();
    }
}

/// Runs stored one by one come back with their info and results.
pub fn runs_store_and_reload(fx: &dyn Fixture) {
    let mut t = multiply(fx, "mult", &[1.0, 2.0, 3.0, 4.0], &[6.0, 7.0, 8.0]);
    let all: Vec<usize> = (0..t.len()).collect();
    run_all(&mut t, &all);
    let mut back = Trajectory::load(fx.open(), "mult", LoadSpec::default()).unwrap();
    assert_eq!(back.len(), 12);
    assert!(back.pending_runs().is_empty());
    for i in 0..12 {
        let info = back.run_info(i).unwrap().clone();
        assert!(info.completed);
        assert_eq!(info.name(), format!("run_{i:08}"));
        assert!(info.runtime().unwrap() >= 0.0);
        let x = back
            .param_value_at("x", i)
            .unwrap()
            .as_scalar()
            .unwrap()
            .as_f64()
            .unwrap();
        let y = back
            .param_value_at("y", i)
            .unwrap()
            .as_scalar()
            .unwrap()
            .as_f64()
            .unwrap();
        assert_eq!(info.summary, format!("x={x}, y={y}"));
        let z = back
            .get_as::<f64>(&format!("results.runs.run_{i:08}.z"))
            .unwrap();
        assert_eq!(z, x * y);
        let max = back
            .get_item(&format!("results.runs.run_{i:08}.stats"), "max")
            .unwrap();
        assert_eq!(max, (x * y).into());
        back.set_run(i).unwrap();
        assert_eq!(back.get_as::<f64>("results.runs.crun.z").unwrap(), x * y);
        assert_eq!(
            back.get_as::<f64>("derived_parameters.runs.$.zz").unwrap(),
            z * z
        );
    }
    assert_eq!(
        back.find_runs(|p| Ok(p.f64("x")? > 3.0)).unwrap(),
        vec![9, 10, 11]
    );
}

/// Many threads store runs into one trajectory at once; none is lost.
pub fn concurrent_run_stores(fx: &dyn Fixture) {
    let n = 320;
    let mut t = Trajectory::create(fx.open(), "conc", "").unwrap();
    t.add_parameter("i", 0i64, "").unwrap();
    t.explore([("i", vals(0..n as i64))]).unwrap();
    t.store().unwrap();
    let threads = 8;
    let t = &t;
    std::thread::scope(|s| {
        for k in 0..threads {
            let store: Arc<dyn Store> = fx.open();
            s.spawn(move || {
                for i in (k..n).step_by(threads) {
                    let mut run = t.run(i).unwrap();
                    let v = run.param::<i64>("i").unwrap();
                    run.add_result("v", v * 10).unwrap();
                    run.add_result("arr", ndarray::Array1::from(vec![v; 100]))
                        .unwrap();
                    store.store_run("conc", &run.finish()).unwrap();
                }
            });
        }
    });
    let mut back = Trajectory::load(fx.open(), "conc", LoadSpec::default()).unwrap();
    assert!(
        back.pending_runs().is_empty(),
        "lost runs: {:?}",
        back.pending_runs()
    );
    for i in 0..n {
        assert_eq!(
            back.get_as::<i64>(&format!("results.runs.run_{i:08}.v"))
                .unwrap(),
            i as i64 * 10
        );
    }
    back.load_branch("results.runs", LoadLevel::Skeleton)
        .unwrap();
    assert_eq!(back.leaves("results.runs").len(), 2 * n);
}

/// Points added after runs happened get new runs; old runs stay.
pub fn expand_after_runs(fx: &dyn Fixture) {
    let mut t = multiply(fx, "expand", &[1.0, 2.0, 3.0], &[10.0]);
    run_all(&mut t, &[0, 1, 2]);
    drop(t);
    let mut t = Trajectory::load(fx.open(), "expand", LoadSpec::default()).unwrap();
    t.expand([("x", vals([4.0, 5.0])), ("y", vals([10.0, 20.0]))])
        .unwrap();
    t.store().unwrap();
    assert_eq!(t.pending_runs(), vec![3, 4]);
    run_all(&mut t, &[3, 4]);
    let mut back = reload(fx, "expand");
    assert_eq!(back.len(), 5);
    assert!(back.pending_runs().is_empty());
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000004.z").unwrap(),
        100.0
    );
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000000.z").unwrap(),
        10.0
    );
}

/// Merging two stored trajectories keeps every result; duplicates can be skipped.
pub fn merge_trajectories(fx: &dyn Fixture) {
    let mut a = multiply(fx, "merge_a", &[1.0, 2.0], &[3.0]);
    run_all(&mut a, &[0, 1]);
    let mut b = multiply(fx, "merge_b", &[2.0, 5.0], &[3.0]);
    run_all(&mut b, &[0, 1]);
    let mut b2 = Trajectory::create(fx.open(), "merge_c", "").unwrap();
    b2.add_parameter("x", 0.0, "").unwrap();
    b2.add_parameter("y", 0.0, "").unwrap();
    b2.add_parameter("extra", 1, "").unwrap();
    b2.store().unwrap();
    let mut a = Trajectory::load(fx.open(), "merge_a", LoadSpec::default()).unwrap();
    let mut b =
        Trajectory::load(fx.open(), "merge_b", LoadSpec::uniform(LoadLevel::Skeleton)).unwrap();
    let report = a.merge(&mut b, MergeOptions { dedupe: true }).unwrap();
    assert_eq!(report.skipped_runs, vec![0]);
    assert_eq!(report.added, vec![(2, 1)]);
    a.store().unwrap();
    let mut back = reload(fx, "merge_a");
    assert_eq!(back.len(), 3);
    assert!(back.pending_runs().is_empty());
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000002.z").unwrap(),
        15.0
    );
    assert_eq!(back.param_value_at("x", 2).unwrap(), &5.0.into());
    let mut c = reload(fx, "merge_c");
    let err = back.merge(&mut c, MergeOptions::default()).unwrap_err();
    assert!(err.to_string().contains("extra"), "{err}");
}

/// Two thousand runs store one by one and load back as skeleton with every run.
pub fn many_runs_skeleton(fx: &dyn Fixture) {
    let n = 2000;
    let mut t = Trajectory::create(fx.open(), "many", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals((0..n).map(|i| i as f64)))]).unwrap();
    t.store().unwrap();
    for i in 0..n {
        let mut run = t.run(i).unwrap();
        let x: f64 = run.param("x").unwrap();
        run.add_result("y", x + 0.5).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    let mut back =
        Trajectory::load(fx.open(), "many", LoadSpec::uniform(LoadLevel::Skeleton)).unwrap();
    assert_eq!(back.len(), n);
    assert!(back.pending_runs().is_empty());
    assert_eq!(back.leaves("results.runs").len(), n);
    assert!(back
        .node("results.runs.run_00001999.y")
        .unwrap()
        .data
        .is_none());
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00001999.y").unwrap(),
        1999.5
    );
    // The fast open: per-run subtrees stay in the store until touched.
    let mut lazy = Trajectory::load(fx.open(), "many", LoadSpec::skeleton()).unwrap();
    assert_eq!(lazy.len(), n);
    assert!(lazy.node_count() < 20, "{} nodes loaded", lazy.node_count());
    assert!(lazy.leaves("results.runs").is_empty());
    assert_eq!(
        lazy.get_as::<f64>("results.runs.run_00000007.y").unwrap(),
        7.5
    );
    assert_eq!(lazy.load_run(42, LoadLevel::Data).unwrap(), 2);
    assert!(lazy
        .node("results.runs.run_00000042.y")
        .unwrap()
        .data
        .is_some());
    assert!(matches!(
        lazy.load_run(n, LoadLevel::Data),
        Err(crate::PetError::NoSuchRun { .. })
    ));
}

super::register![
    runs_store_and_reload,
    concurrent_run_stores,
    expand_after_runs,
    merge_trajectories,
    many_runs_skeleton,
];
