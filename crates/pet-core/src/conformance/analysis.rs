//! Conformance cases: analysis of stored runs: a column of one leaf across
//! runs in one read, freeing memory without deleting what is stored, and
//! closing stores and trajectories.

use super::Fixture;
use crate::storage::{ColumnPath, LoadSpec};
use crate::{vals, PetError, Trajectory};

/// Five runs over `x`: runs 0, 1 and 3 store `z = 2x` (run 1 also a nested
/// `sub.z` and a two-item result), run 2 stores only `w` and a derived
/// `d`, run 4 stays pending.
fn sweep(fx: &dyn Fixture) -> Trajectory {
    let mut t = Trajectory::create(fx.open(), "cols", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0, 3.0, 4.0, 5.0]))]).unwrap();
    t.store().unwrap();
    for i in 0..4 {
        let mut run = t.run(i).unwrap();
        let x: f64 = run.param("x").unwrap();
        if i == 2 {
            run.add_result("w", x).unwrap();
            run.add_derived("d", x * 3.0, "").unwrap();
        } else {
            run.add_result("z", x * 2.0).unwrap();
        }
        if i == 1 {
            run.add_result("sub.z", -1.0).unwrap();
            run.add_result_items("pair", [("a", 1.0.into()), ("b", 2.0.into())], "")
                .unwrap();
        }
        let rec = run.finish();
        t.store_run(&rec).unwrap();
    }
    t
}

/// A column reads one leaf of every run (and nothing nested deeper), typed,
/// aligned with run indices, with the runs that lack it missing; a bare
/// name falls back to derived parameters, a parameter gives its points.
pub fn a_column_reads_one_leaf_of_every_run(fx: &dyn Fixture) {
    drop(sweep(fx));
    let store = fx.open();
    let rows = store
        .read_column("cols", &ColumnPath::of_name("z").unwrap())
        .unwrap();
    let runs: Vec<usize> = rows.iter().map(|(i, _)| *i).collect();
    assert_eq!(runs, [0, 1, 3]);
    let t = Trajectory::load(store, "cols", LoadSpec::default()).unwrap();
    let z = t.column::<f64>("z").unwrap();
    assert_eq!(z.pattern(), "results.runs.crun.z");
    assert_eq!(z.as_slice(), &[Some(2.0), Some(4.0), None, Some(8.0), None]);
    assert_eq!(z.mask(), [true, true, false, true, false]);
    assert_eq!(z.count(), 3);
    let nested = t.column::<f64>("results.runs.crun.sub.z").unwrap();
    assert_eq!(nested.as_slice(), &[None, Some(-1.0), None, None, None]);
    let d = t.column::<f64>("d").unwrap();
    assert_eq!(d.pattern(), "derived_parameters.runs.crun.d");
    assert_eq!(d.get(2), Some(&9.0));
    assert_eq!(d.count(), 1);
    let x = t.column::<f64>("x").unwrap();
    assert_eq!(x.filled(0.0), [1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(t.column::<f64>("nothing").unwrap().count(), 0);
    let pair = t.column::<f64>("results.runs.crun.pair").unwrap_err();
    assert!(pair.to_string().contains("several items"), "{pair}");
    match t.column::<i64>("z") {
        Err(PetError::TypeMismatch { .. }) => {}
        other => panic!("an f64 column read as i64 gave {other:?}"),
    }
    let filtered = z.only(&t.find_runs(|p| Ok(p.f64("x")? > 1.5)).unwrap());
    assert_eq!(
        filtered.as_slice(),
        &[None, Some(4.0), None, Some(8.0), None]
    );
}

/// Unloading frees memory and keeps the store's copy (touching reloads
/// it); removing a completed run's result is refused, so no resume skips a
/// run whose results were deleted.
pub fn unloading_keeps_what_removing_deletes(fx: &dyn Fixture) {
    drop(sweep(fx));
    let mut t = Trajectory::load(fx.open(), "cols", LoadSpec::all()).unwrap();
    let before = t.node_count();
    let freed = t.unload("results.runs").unwrap();
    assert!(freed >= 4, "unloaded {freed} nodes");
    assert_eq!(t.node_count(), before - freed);
    assert!(t.node("results.runs.run_00000000.z").is_err());
    t.store().unwrap();
    assert_eq!(t.get_as::<f64>("results.runs.run_00000003.z").unwrap(), 8.0);
    drop(t);
    let mut t = Trajectory::load(fx.open(), "cols", LoadSpec::default()).unwrap();
    assert_eq!(t.column::<f64>("z").unwrap().count(), 3);
    let err = t.remove("results.runs.run_00000001.z").unwrap_err();
    assert!(err.to_string().contains("completed"), "{err}");
    assert!(err.to_string().contains("unload"), "{err}");
    t.store().unwrap();
    assert_eq!(t.get_as::<f64>("results.runs.run_00000001.z").unwrap(), 4.0);
    t.add_result("summary.mean", 5.0, "").unwrap();
    t.store().unwrap();
    assert_eq!(t.remove("results.summary").unwrap(), 2);
    t.store().unwrap();
    drop(t);
    let mut back = Trajectory::load(fx.open(), "cols", LoadSpec::default()).unwrap();
    assert!(back.get_as::<f64>("results.summary.mean").is_err());
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000001.z").unwrap(),
        4.0
    );
    let mut fresh = Trajectory::new("mem").unwrap();
    fresh.add_result("r", 1.0, "").unwrap();
    assert!(matches!(fresh.unload("r"), Err(PetError::NoStore(_))));
}

/// `close` stores what changed and flushes the store, can be called again,
/// leaves the handle usable, and does nothing harmful on a read-only store.
pub fn closing_stores_changes_and_repeats(fx: &dyn Fixture) {
    let mut t = sweep(fx);
    t.add_result("summary.best", 8.0, "").unwrap();
    assert!(t.has_changes());
    t.close().unwrap();
    assert!(!t.has_changes());
    t.close().unwrap();
    let store = t.store_handle().unwrap().clone();
    store.close().unwrap();
    store.close().unwrap();
    let mut run = t.run(4).unwrap();
    run.add_result("z", 10.0).unwrap();
    let rec = run.finish();
    t.store_run(&rec).unwrap();
    drop(t);
    drop(store);
    let ro = fx.open_read_only();
    ro.close().unwrap();
    let mut back = Trajectory::load(ro, "cols", LoadSpec::default()).unwrap();
    assert_eq!(back.get_as::<f64>("results.summary.best").unwrap(), 8.0);
    assert_eq!(back.column::<f64>("z").unwrap().count(), 4);
    back.close().unwrap();
}

super::register![
    closing_stores_changes_and_repeats,
    a_column_reads_one_leaf_of_every_run,
    unloading_keeps_what_removing_deletes,
];
