//! The sample trajectory every seed is made from: each kind of value pet
//! stores (scalars, arrays, strings, lists, dicts, sparse matrices, tables,
//! quantities, user types), explored parameters, links, annotations and runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use pet_core::{
    vals, Array, DType, NodeRecord, Result, Scalar, Sparse, SparseFormat, Store, Table, Trajectory,
    UserValue, Value,
};

/// A user type for the sample.
#[derive(serde::Serialize, serde::Deserialize)]
struct Neuron {
    tau: f64,
    label: String,
}

impl pet_core::UserType for Neuron {
    const TYPE_NAME: &'static str = "fuzz.Neuron/1";
}

/// Values of every kind, by name.
pub fn values() -> Result<Vec<(&'static str, Value)>> {
    let table = Table::from_columns(vec![
        (
            "a".into(),
            Array::from_scalars(DType::I64, &[Scalar::I64(1), Scalar::I64(2)])?,
        ),
        (
            "b".into(),
            Array::from_scalars(
                DType::Str,
                &[Scalar::Str("x".into()), Scalar::Str("y".into())],
            )?,
        ),
    ])?;
    let sparse = Sparse::new(
        SparseFormat::Csr,
        (2, 3),
        vec![0, 1, 2],
        vec![0, 2],
        Array::from_scalars(DType::F64, &[Scalar::F64(1.0), Scalar::F64(2.0)])?,
    )?;
    let user = UserValue::encode(&Neuron {
        tau: 10.0,
        label: "n1".into(),
    })?;
    Ok(vec![
        ("f", Value::from(1.5)),
        ("i", Value::from(-7i64)),
        ("s", Value::from("text")),
        ("b", Value::from(true)),
        ("u64", Value::Scalar(Scalar::U64(u64::MAX))),
        (
            "arr",
            Value::from(ndarray::Array2::<f64>::from_elem((3, 4), 0.25)),
        ),
        ("iarr", Value::from(ndarray::Array1::from(vec![1i32, 2, 3]))),
        (
            "sarr",
            Value::from(Array::from_strings(&[2], vec!["p".into(), "q".into()])?),
        ),
        ("list", Value::List(vec![1.0.into(), 2.0.into()])),
        ("tuple", Value::Tuple(vec!["a".into(), "b".into()])),
        (
            "dict",
            Value::Dict(BTreeMap::from([
                ("k".to_string(), Value::from(1i64)),
                ("l".to_string(), Value::List(vec![Value::from("v")])),
            ])),
        ),
        ("sparse", Value::from(sparse)),
        ("table", Value::Table(table)),
        ("q", Value::with_unit(3.0, "mV")),
        (
            "qa",
            Value::with_unit(ndarray::Array1::from(vec![1.0f32, 2.0]), "ms"),
        ),
        ("user", Value::from(user)),
    ])
}

/// Stores the sample trajectory `t` (3 runs, the second still pending) into `store`.
pub fn store(store: Arc<dyn Store>) -> Result<()> {
    let mut t = Trajectory::create(store, "t", "sample")?;
    t.add_parameter("x", 0.0, "explored")?;
    t.add_parameter("g.n", 1i64, "grouped")?;
    t.add_parameter("name", "a", "")?;
    // Runs 0 and 2 stored, 1 left pending below them and 3 and 4 past them
    // (a row, and a chunk of summaries, in SQLite).
    t.explore([("x", vals([1.0, 2.0, 3.0, 4.0, 5.0]))])?;
    for (name, v) in values()? {
        t.add_result(&format!("all.{name}"), v, "a comment")?;
    }
    t.add_link("results.alias", "results.all.f")?;
    t.annotate("results.all.f", "unit_note", Value::from("seconds"))?;
    t.store()?;
    for i in [0usize, 2] {
        let mut run = t.run(i)?;
        run.add_result("z", i as f64 * 2.0)?;
        run.add_result("pattern", ndarray::Array1::from_elem(8, i as u8))?;
        run.add_derived("d", i as i64, "")?;
        let rec = run.finish();
        t.store_run(&rec)?;
    }
    Ok(())
}

/// The sample's node records with their data (for document and frame seeds).
pub fn records() -> Result<Vec<NodeRecord>> {
    let mem: Arc<dyn Store> = Arc::new(pet_core::MemoryStore::new());
    store(mem.clone())?;
    let mut out = mem.read_nodes("t", "", pet_core::storage::ReadSpec::DATA)?;
    out.retain(|r| r.node.data.is_some() || !r.node.annotations.is_empty());
    Ok(out)
}
