//! Conformance case: copying a trajectory into and out of the backend is lossless.

use std::sync::Arc;

use super::Fixture;
use crate::codec::to_cbor;
use crate::storage::{MemoryStore, ReadSpec, Store};
use crate::transfer::copy_trajectory;
use crate::value::{Array, Sparse, SparseFormat, Table, Value};
use crate::{vals, PetError, Trajectory};

fn rich(store: Arc<dyn Store>) -> Trajectory {
    let mut t = Trajectory::create(store, "rich", "every kind of node").unwrap();
    t.add_parameter("x", 0.0, "explored").unwrap();
    t.add_parameter("n", 3i64, "fixed").unwrap();
    t.add_parameter("w", Value::with_unit(1.5, "nS"), "a unit")
        .unwrap();
    t.add_config("seed", 7u64, "config item").unwrap();
    t.add_derived("rate", 2.5f32, "derived").unwrap();
    t.add_group("parameters.net", "a commented group").unwrap();
    t.add_parameter("net.size", 100u32, "").unwrap();
    t.annotate("parameters.net", "author", "me").unwrap();
    t.annotate("x", "range", vec![0.0, 1.0]).unwrap();
    t.explore([("x", vals([0.25, 0.5, 0.75]))]).unwrap();
    let sparse = Sparse::new(
        SparseFormat::Coo,
        (3, 3),
        vec![0, 2],
        vec![1, 2],
        Array::F64(ndarray::Array1::from(vec![1.0, 2.0]).into_dyn()),
    )
    .unwrap();
    let table = Table::from_columns(vec![(
        "a".into(),
        Array::I32(ndarray::Array1::from(vec![1, 2]).into_dyn()),
    )])
    .unwrap();
    t.add_result("summary.matrix", sparse, "sparse").unwrap();
    t.add_result("summary.table", table, "table").unwrap();
    t.add_result_items(
        "summary.multi",
        [("a", Value::from("α")), ("b", Value::from(vec![1u8, 2]))],
        "two items",
    )
    .unwrap();
    t.add_link("results.x_link", "x").unwrap();
    t.store().unwrap();
    for i in [0, 2] {
        let mut run = t.run(i).unwrap();
        let x: f64 = run.param("x").unwrap();
        run.add_result_commented("y", ndarray::Array2::from_elem((2, 2), x), "per run")
            .unwrap();
        run.add_result_items(
            "stats",
            [("mean", x.into()), ("label", format!("run {i}").into())],
            "",
        )
        .unwrap();
        run.add_derived("dx", x / 2.0, "").unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    t
}

fn dump(store: &dyn Store) -> Vec<u8> {
    let mut all = Vec::new();
    let info = store.info("rich").unwrap();
    all.extend(to_cbor(&(info.name, info.comment, info.pet_version)).unwrap());
    all.extend(to_cbor(&store.read_nodes("rich", "", ReadSpec::DATA).unwrap()).unwrap());
    all.extend(to_cbor(&store.read_runs("rich").unwrap()).unwrap());
    all
}

/// A trajectory copied into this backend and back out equals the original.
pub fn copy_between_stores_is_lossless(fx: &dyn Fixture) {
    let source: Arc<dyn Store> = Arc::new(MemoryStore::new());
    rich(source.clone());
    let backend = fx.open();
    let stats = copy_trajectory(source.as_ref(), backend.as_ref(), "rich", |_, _| {}).unwrap();
    assert_eq!(stats.runs, 3);
    assert!(stats.run_nodes >= 6, "{stats:?}");
    let again = copy_trajectory(source.as_ref(), backend.as_ref(), "rich", |_, _| {}).unwrap_err();
    assert!(matches!(again, PetError::TrajectoryExists(_)), "{again}");
    let back: Arc<dyn Store> = Arc::new(MemoryStore::new());
    copy_trajectory(fx.open().as_ref(), back.as_ref(), "rich", |_, _| {}).unwrap();
    assert!(
        dump(source.as_ref()) == dump(back.as_ref()),
        "copy through the backend changed the trajectory"
    );
}

super::register![copy_between_stores_is_lossless,];
