//! Conformance cases: every value type round-trips unchanged.

use std::collections::BTreeMap;

use ndarray::{Array1, ArrayD, IxDyn};
use num_complex::{Complex32, Complex64};
use serde::{Deserialize, Serialize};

use super::{reload, Fixture};
use crate::value::{Array, Quantity, Sparse, SparseFormat, Table, UserType, UserValue, Value};
use crate::{vals, LeafData, Trajectory};

fn check_results(fx: &dyn Fixture, name: &str, expected: &[(String, Value)]) {
    let mut t = reload(fx, name);
    for (path, v) in expected {
        let got = t.get(&format!("results.{path}")).unwrap();
        assert!(got.same_as(v), "{path}: stored {v:?}, loaded {got:?}");
    }
}

fn store_results(fx: &dyn Fixture, name: &str, values: &[(String, Value)]) {
    let mut t = Trajectory::create(fx.open(), name, "").unwrap();
    for (path, v) in values {
        t.add_result(path, v.clone(), "").unwrap();
    }
    t.store().unwrap();
}

/// Every scalar type, with extremes, NaN, infinities, empty and non-ASCII strings.
pub fn scalars_round_trip(fx: &dyn Fixture) {
    let values: Vec<(String, Value)> = vec![
        ("b_true".into(), true.into()),
        ("b_false".into(), false.into()),
        ("i8".into(), i8::MIN.into()),
        ("i16".into(), i16::MAX.into()),
        ("i32".into(), i32::MIN.into()),
        ("i64".into(), i64::MAX.into()),
        ("i64_big".into(), (1i64 << 40).into()),
        ("u8".into(), u8::MAX.into()),
        ("u16".into(), u16::MAX.into()),
        ("u32".into(), u32::MAX.into()),
        ("u64".into(), u64::MAX.into()),
        ("f32".into(), 1.5f32.into()),
        ("f64".into(), std::f64::consts::PI.into()),
        ("f64_nan".into(), f64::NAN.into()),
        ("f64_inf".into(), f64::INFINITY.into()),
        ("f64_ninf".into(), f64::NEG_INFINITY.into()),
        ("f64_negzero".into(), (-0.0f64).into()),
        ("f64_tiny".into(), f64::MIN_POSITIVE.into()),
        ("c64".into(), Complex32::new(1.0, -2.0).into()),
        ("c128".into(), Complex64::new(-3.5, 4.25).into()),
        ("s_empty".into(), "".into()),
        ("s_unicode".into(), "αβγ ✓ 日本".into()),
        ("s_nul".into(), "a\0b".into()),
        ("s_long".into(), "x".repeat(100_000).into()),
    ];
    store_results(fx, "scalars", &values);
    check_results(fx, "scalars", &values);
    // Scalars also round-trip as parameters and config items.
    let mut t = Trajectory::create(fx.open(), "scalar_params", "").unwrap();
    for (k, v) in &values {
        t.add_parameter(k, v.clone(), "").unwrap();
        t.add_config(k, v.clone(), "").unwrap();
    }
    t.store().unwrap();
    let mut back = reload(fx, "scalar_params");
    for (k, v) in &values {
        assert!(
            back.get(&format!("parameters.{k}")).unwrap().same_as(v),
            "{k}"
        );
        assert!(back.get(&format!("config.{k}")).unwrap().same_as(v), "{k}");
    }
}

fn arrays_of_every_dtype() -> Vec<(String, Value)> {
    let shape = IxDyn(&[2, 3, 2]);
    let n = 12;
    let mut out: Vec<(String, Value)> = vec![
        (
            "bool".into(),
            Value::from(Array::Bool(ArrayD::from_shape_fn(shape.clone(), |i| {
                i[0] == i[2]
            }))),
        ),
        (
            "i8".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| i as i8 - 6).collect())
                .unwrap()
                .into(),
        ),
        (
            "i16".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| i as i16 * -300).collect())
                .unwrap()
                .into(),
        ),
        (
            "i32".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| i as i32 * 70_000).collect())
                .unwrap()
                .into(),
        ),
        (
            "i64".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| (i as i64) << 40).collect())
                .unwrap()
                .into(),
        ),
        (
            "u8".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| i as u8 * 20).collect())
                .unwrap()
                .into(),
        ),
        (
            "u16".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| i as u16 * 5000).collect())
                .unwrap()
                .into(),
        ),
        (
            "u32".into(),
            ArrayD::from_shape_vec(
                shape.clone(),
                (0..n).map(|i| i as u32 * 300_000_000).collect(),
            )
            .unwrap()
            .into(),
        ),
        (
            "u64".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| u64::MAX - i as u64).collect())
                .unwrap()
                .into(),
        ),
        (
            "f32".into(),
            ArrayD::from_shape_vec(shape.clone(), (0..n).map(|i| i as f32 / 3.0).collect())
                .unwrap()
                .into(),
        ),
        (
            "f64".into(),
            ArrayD::from_shape_vec(
                shape.clone(),
                (0..n)
                    .map(|i| if i == 5 { f64::NAN } else { i as f64 / 7.0 })
                    .collect(),
            )
            .unwrap()
            .into(),
        ),
        (
            "c64".into(),
            ArrayD::from_shape_vec(
                shape.clone(),
                (0..n)
                    .map(|i| Complex32::new(i as f32, -(i as f32)))
                    .collect(),
            )
            .unwrap()
            .into(),
        ),
        (
            "c128".into(),
            ArrayD::from_shape_vec(
                shape.clone(),
                (0..n).map(|i| Complex64::new(i as f64, 0.5)).collect(),
            )
            .unwrap()
            .into(),
        ),
        (
            "str".into(),
            ArrayD::from_shape_vec(
                shape,
                (0..n).map(|i| format!("s{i}✓").repeat(i % 3)).collect(),
            )
            .unwrap()
            .into(),
        ),
    ];
    out.push((
        "zero_d".into(),
        ArrayD::from_elem(IxDyn(&[]), 42.0f64).into(),
    ));
    out.push(("empty".into(), ArrayD::<f64>::zeros(IxDyn(&[0])).into()));
    out.push((
        "empty_2d".into(),
        ArrayD::<i32>::zeros(IxDyn(&[3, 0])).into(),
    ));
    let transposed =
        ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 10 + j) as f64).reversed_axes();
    out.push(("transposed".into(), transposed.into()));
    out.push(("one_d".into(), Array1::linspace(0.0, 1.0, 101).into()));
    out
}

/// n-d arrays of every dtype, 0-d, empty, and non-contiguous layouts.
pub fn arrays_round_trip(fx: &dyn Fixture) {
    let values = arrays_of_every_dtype();
    store_results(fx, "arrays", &values);
    check_results(fx, "arrays", &values);
    let mut back = reload(fx, "arrays");
    let v = back.get("results.transposed").unwrap();
    let Value::Array(a) = v else {
        panic!("not an array")
    };
    assert_eq!(a.shape(), &[4, 3]);
    assert_eq!(a.get_flat(1).unwrap().as_f64(), Some(10.0));
}

/// Lists, tuples, nested lists, dicts (nested, with arrays), empty containers.
pub fn containers_round_trip(fx: &dyn Fixture) {
    let mut dict = BTreeMap::new();
    dict.insert("a".to_string(), Value::from(1i64));
    dict.insert("arr".to_string(), Array1::from(vec![1.0, 2.0]).into());
    let mut inner = BTreeMap::new();
    inner.insert("deep".to_string(), Value::from("yes"));
    dict.insert("inner".to_string(), Value::Dict(inner));
    let big: BTreeMap<String, Value> = (0..600)
        .map(|i| (format!("k{i}"), Value::from(i as i64)))
        .collect();
    let values: Vec<(String, Value)> = vec![
        ("list_f64".into(), vec![1.0, 2.5, -3.0].into()),
        ("list_str".into(), vec!["a", "bé", ""].into()),
        (
            "list_arrays".into(),
            Value::List(vec![
                Array1::from(vec![1i32, 2]).into(),
                Array1::from(vec![3i32]).into(),
            ]),
        ),
        (
            "list_nested".into(),
            Value::List(vec![vec![1i64, 2].into(), vec![3i64].into()]),
        ),
        ("list_empty".into(), Value::List(vec![])),
        ("tuple_i64".into(), Value::Tuple(vals([1i64, 2, 3]))),
        ("tuple_empty".into(), Value::Tuple(vec![])),
        ("dict".into(), Value::Dict(dict)),
        ("dict_600".into(), Value::Dict(big)),
        ("dict_empty".into(), Value::Dict(BTreeMap::new())),
    ];
    store_results(fx, "containers", &values);
    check_results(fx, "containers", &values);
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Neuron {
    name: String,
    tau_ms: f64,
    targets: Vec<u32>,
}

impl UserType for Neuron {
    const TYPE_NAME: &'static str = "conformance.Neuron";
}

/// Sparse matrices (CSR, CSC, COO), tables, quantities and user types.
pub fn sparse_table_unit_user_round_trip(fx: &dyn Fixture) {
    let csr = Sparse::new(
        SparseFormat::Csr,
        (3, 4),
        vec![0, 2, 2, 3],
        vec![0, 3, 1],
        Array::F64(Array1::from(vec![1.0, 2.0, 3.0]).into_dyn()),
    )
    .unwrap();
    let csc = Sparse::new(
        SparseFormat::Csc,
        (2, 2),
        vec![0, 1, 2],
        vec![1, 0],
        Array::C128(
            Array1::from(vec![Complex64::new(1.0, 1.0), Complex64::new(0.0, -1.0)]).into_dyn(),
        ),
    )
    .unwrap();
    let coo = Sparse::new(
        SparseFormat::Coo,
        (1000, 1000),
        vec![0, 999],
        vec![999, 0],
        Array::I64(Array1::from(vec![7i64, -7]).into_dyn()),
    )
    .unwrap();
    let empty = Sparse::new(
        SparseFormat::Csr,
        (2, 2),
        vec![0, 0, 0],
        vec![],
        Array::F32(ArrayD::zeros(IxDyn(&[0]))),
    )
    .unwrap();
    let table = Table::from_columns(vec![
        (
            "t".into(),
            Array::F64(Array1::from(vec![0.0, 0.1, 0.2]).into_dyn()),
        ),
        (
            "n".into(),
            Array::I64(Array1::from(vec![1i64, 2, 3]).into_dyn()),
        ),
        (
            "label".into(),
            Array::Str(Array1::from(vec!["a".to_string(), "β".into(), "".into()]).into_dyn()),
        ),
        (
            "ok".into(),
            Array::Bool(Array1::from(vec![true, false, true]).into_dyn()),
        ),
    ])
    .unwrap();
    let neuron = Neuron {
        name: "n1".into(),
        tau_ms: 20.0,
        targets: vec![1, 2, 3],
    };
    let user = UserValue::encode(&neuron).unwrap();
    let values: Vec<(String, Value)> = vec![
        ("csr".into(), csr.clone().into()),
        ("csc".into(), csc.into()),
        ("coo".into(), coo.into()),
        ("sparse_empty".into(), empty.into()),
        ("table".into(), table.into()),
        ("table_empty".into(), Table::new().into()),
        ("volt".into(), Value::with_unit(-70.0, "mV")),
        (
            "trace".into(),
            Value::with_unit(Array1::from(vec![1.0f32, 2.0]), "ms"),
        ),
        ("user".into(), user.into()),
    ];
    store_results(fx, "rich", &values);
    check_results(fx, "rich", &values);
    let mut back = reload(fx, "rich");
    let Value::User(u) = back.get("results.user").unwrap() else {
        panic!("not a user value")
    };
    assert_eq!(u.decode::<Neuron>().unwrap(), neuron);
    // Sparse and unit values are allowed as parameters too.
    let mut t = Trajectory::create(fx.open(), "rich_params", "").unwrap();
    t.add_parameter("w", csr.clone(), "weights").unwrap();
    t.add_parameter("v", Value::with_unit(-65.0, "mV"), "")
        .unwrap();
    t.explore([(
        "v",
        vec![Value::with_unit(-65.0, "mV"), Value::with_unit(-55.0, "mV")],
    )])
    .unwrap();
    t.store().unwrap();
    let mut back = reload(fx, "rich_params");
    assert_eq!(back.get("w").unwrap(), Value::from(csr));
    back.set_run(1).unwrap();
    assert_eq!(back.get("v").unwrap(), Value::with_unit(-55.0, "mV"));
}

/// A 24 MB array (larger than a MongoDB document) stores and loads whole.
pub fn large_array_round_trip(fx: &dyn Fixture) {
    let n = 3_000_000;
    let big: Value = Array1::from_shape_fn(n, |i| (i as f64).sqrt()).into();
    let quantity = Value::Quantity(Quantity {
        value: Box::new(big.clone()),
        unit: "s".into(),
    });
    let values = vec![("big".to_string(), big), ("big_unit".to_string(), quantity)];
    store_results(fx, "large", &values);
    check_results(fx, "large", &values);
}

/// Explored parameters of several types keep their points, per run.
pub fn explored_parameters_round_trip(fx: &dyn Fixture) {
    let mut t = Trajectory::create(fx.open(), "explored", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.add_parameter("n", 0i64, "").unwrap();
    t.add_parameter("label", "", "").unwrap();
    t.add_parameter("vec", Array1::from(vec![0.0f32]), "")
        .unwrap();
    t.add_parameter("lst", vec![0i32], "").unwrap();
    t.add_parameter("fixed", 7u16, "").unwrap();
    t.explore([
        ("x", vals([0.5, 1.5, f64::NAN])),
        ("n", vals([1i64, -2, 3])),
        ("label", vals(["a", "β", ""])),
        (
            "vec",
            vec![
                Array1::from(vec![1.0f32]).into(),
                Array1::from(vec![2.0f32, 3.0]).into(),
                Array1::from(Vec::<f32>::new()).into(),
            ],
        ),
        (
            "lst",
            vec![vec![1i32].into(), vec![2i32, 3].into(), Value::List(vec![])],
        ),
    ])
    .unwrap();
    t.store().unwrap();
    let expected: Vec<Vec<Value>> = (0..3)
        .map(|i| t.point(i).unwrap().into_iter().map(|(_, v)| v).collect())
        .collect();
    let mut back = reload(fx, "explored");
    assert_eq!(back.len(), 3);
    let mut names = back.explored_names().to_vec();
    names.sort();
    assert_eq!(
        names,
        [
            "parameters.label",
            "parameters.lst",
            "parameters.n",
            "parameters.vec",
            "parameters.x"
        ]
    );
    for (i, exp) in expected.iter().enumerate() {
        let got: Vec<Value> = t
            .explored_names()
            .iter()
            .map(|p| back.param_value_at(p, i).unwrap().clone())
            .collect();
        for (a, b) in got.iter().zip(exp) {
            assert!(a.same_as(b), "run {i}: {a:?} vs {b:?}");
        }
    }
    back.set_run(2).unwrap();
    assert_eq!(back.get_as::<String>("label").unwrap(), "");
    assert_eq!(back.get_as::<u16>("fixed").unwrap(), 7);
    assert_eq!(
        back.run_info(1).unwrap().summary,
        t.run_info(1).unwrap().summary
    );
    match back.data("parameters.fixed").unwrap() {
        LeafData::Param { explored, .. } => assert!(explored.is_none()),
        other => panic!("{other:?}"),
    }
}

super::register![
    scalars_round_trip,
    arrays_round_trip,
    containers_round_trip,
    sparse_table_unit_user_round_trip,
    large_array_round_trip,
    explored_parameters_round_trip,
];
