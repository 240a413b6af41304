//! Shared test setup: pypet files written by real pypet 0.7.0 and 0.6.1
//! ([`pet_pypet::testkit`]), and the comparison of what pet reads with the
//! JSON dump of pypet's own in-memory values.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use num_complex::{Complex32, Complex64};
use pet_core::storage::ReadSpec;
use pet_core::value::{Array, DType, FromValueRef, Scalar, Sparse, SparseFormat, Table};
use pet_core::{LeafData, NodeKind, Store, Value};
use pet_pypet::PypetStore;
use serde_json::Value as J;

/// The directory holding `case.hdf5` and `case.json` written by pypet
/// `version` (see [`pet_pypet::testkit::case`]); the dump must say that
/// this version wrote it.
pub fn case(version: &str, case: &str) -> (PathBuf, J) {
    let c = pet_pypet::testkit::case(version, case).unwrap_or_else(|e| panic!("{e}"));
    let dump: J = serde_json::from_slice(&std::fs::read(&c.json).unwrap()).unwrap();
    assert_eq!(dump["pypet"], version, "{}", c.json.display());
    (c.file, dump)
}

fn f64_of(j: &J) -> f64 {
    j.as_str().unwrap().parse::<f64>().unwrap()
}

fn scalar_of(dtype: &str, v: &J) -> Scalar {
    let s = || v.as_str().unwrap();
    match dtype {
        "bool" => Scalar::Bool(v.as_bool().unwrap()),
        "i8" => Scalar::I8(s().parse().unwrap()),
        "i16" => Scalar::I16(s().parse().unwrap()),
        "i32" => Scalar::I32(s().parse().unwrap()),
        "i64" => Scalar::I64(s().parse().unwrap()),
        "u8" => Scalar::U8(s().parse().unwrap()),
        "u16" => Scalar::U16(s().parse().unwrap()),
        "u32" => Scalar::U32(s().parse().unwrap()),
        "u64" => Scalar::U64(s().parse().unwrap()),
        "f32" => Scalar::F32(s().parse().unwrap()),
        "f64" => Scalar::F64(f64_of(v)),
        "c64" => Scalar::C64(Complex32::new(
            v[0].as_str().unwrap().parse().unwrap(),
            v[1].as_str().unwrap().parse().unwrap(),
        )),
        "c128" => Scalar::C128(Complex64::new(f64_of(&v[0]), f64_of(&v[1]))),
        "str" => Scalar::Str(s().to_string()),
        other => panic!("no scalar dtype {other}"),
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn bytes_value(b: Vec<u8>) -> Value {
    let n = b.len();
    Value::from(Array::U8(
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n]), b).unwrap(),
    ))
}

fn array_of(j: &J) -> Value {
    let dtype = j["dtype"].as_str().unwrap();
    let shape: Vec<usize> = j["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let data = j["data"].as_array().unwrap();
    if dtype == "bytes" {
        return Value::List(
            data.iter()
                .map(|x| bytes_value(hex(x.as_str().unwrap())))
                .collect(),
        );
    }
    if dtype == "str" {
        let s = data
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        return Value::from(Array::from_strings(&shape, s).unwrap());
    }
    let d = DType::from_name(dtype).unwrap();
    let scalars: Vec<Scalar> = data.iter().map(|x| scalar_of(dtype, x)).collect();
    let mut bytes = Vec::new();
    for s in &scalars {
        bytes.extend(s.to_le_bytes());
    }
    Value::from(Array::from_le_bytes(d, &shape, &bytes).unwrap())
}

fn indices(j: &J) -> Vec<u64> {
    j.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().parse().unwrap())
        .collect()
}

/// The pet value pypet's dumped value must become.
pub fn expected(j: &J) -> Value {
    match j["t"].as_str().unwrap() {
        "scalar" => Value::Scalar(scalar_of(j["dtype"].as_str().unwrap(), &j["v"])),
        "bytes" => bytes_value(hex(j["v"].as_str().unwrap())),
        "array" => array_of(j),
        "list" => Value::List(
            j["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(expected)
                .collect(),
        ),
        "tuple" => Value::Tuple(
            j["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(expected)
                .collect(),
        ),
        "dict" => Value::Dict(
            j["items"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), expected(v)))
                .collect(),
        ),
        "frame" => {
            let mut cols = vec![("index".to_string(), arr(expected(&j["index"])))];
            for c in j["columns"].as_array().unwrap() {
                cols.push((c[0].as_str().unwrap().to_string(), arr(expected(&c[1]))));
            }
            Value::Table(Table::from_columns(cols).unwrap())
        }
        "series" => {
            let name = j["name"].as_str().unwrap_or("values").to_string();
            Value::Table(
                Table::from_columns(vec![
                    ("index".into(), arr(expected(&j["index"]))),
                    (name, arr(expected(&j["values"]))),
                ])
                .unwrap(),
            )
        }
        "sparse" => {
            let fmt = SparseFormat::from_name(j["format"].as_str().unwrap()).unwrap();
            let shape = j["shape"].as_array().unwrap();
            let shape = (
                shape[0].as_u64().unwrap() as usize,
                shape[1].as_u64().unwrap() as usize,
            );
            let (major, minor) = match fmt {
                SparseFormat::Coo => (indices(&j["row"]), indices(&j["col"])),
                _ => (indices(&j["indptr"]), indices(&j["indices"])),
            };
            Value::from(Sparse::new(fmt, shape, major, minor, arr(expected(&j["data"]))).unwrap())
        }
        other => panic!("no expected pet value for dumped type {other}: {j}"),
    }
}

fn arr(v: Value) -> Array {
    match v {
        Value::Array(a) => *a,
        other => panic!("not an array: {other:?}"),
    }
}

/// Opens a case's file.
pub fn open(file: &Path) -> Arc<PypetStore> {
    Arc::new(PypetStore::open(file).unwrap())
}

/// How many values of one kind a comparison checked.
#[derive(Default, Debug)]
pub struct Checked {
    pub leaves: usize,
    pub values: usize,
    pub groups: usize,
    pub links: usize,
    pub runs: usize,
    pub pickles: usize,
}

fn same(path: &str, what: &str, got: &Value, want: &Value) {
    assert!(
        got.same_as(want),
        "{path} {what}:\n  pet:   {got:?}\n  pypet: {want:?}"
    );
}

fn check_pickle(path: &str, got: &Value, want_hex: &str, checked: &mut Checked) {
    let want = hex(want_hex);
    match got {
        Value::User(_) => assert_eq!(
            pet_pypet::pickle::bytes_of(got).as_deref(),
            Some(&want[..]),
            "{path}"
        ),
        other => same(path, "pickle bytes", other, &bytes_value(want)),
    }
    checked.pickles += 1;
}

/// Compares every node, value, comment, annotation, link and run of
/// trajectory `t` (one entry of the dump) with what pet reads from `store`.
pub fn compare(store: &PypetStore, t: &J) -> Checked {
    let name = t["name"].as_str().unwrap();
    let mut checked = Checked::default();
    let info = store.info(name).unwrap();
    assert_eq!(
        info.comment,
        t["comment"].as_str().unwrap(),
        "{name} comment"
    );
    assert_eq!(info.created, f64_of(&t["timestamp"]), "{name} time");
    let runs = store.read_runs(name).unwrap();
    assert_eq!(runs.len() as u64, t["length"].as_u64().unwrap());
    for (r, jr) in runs.iter().zip(t["runs"].as_array().unwrap()) {
        assert_eq!(r.index as u64, jr["idx"].as_u64().unwrap());
        assert_eq!(r.name(), jr["name"].as_str().unwrap());
        assert_eq!(
            r.completed,
            jr["completed"].as_i64().unwrap() != 0,
            "{}",
            r.name()
        );
        assert_eq!(
            r.started,
            Some(f64_of(&jr["timestamp"])).filter(|x| *x > 0.0)
        );
        assert_eq!(
            r.finished,
            Some(f64_of(&jr["finish_timestamp"])).filter(|x| *x > 0.0)
        );
        assert_eq!(r.summary, jr["parameter_summary"].as_str().unwrap());
        checked.runs += 1;
    }
    let nodes = store.read_nodes(name, "", ReadSpec::DATA).unwrap();
    let report = store.report(name).unwrap();
    let by_path: BTreeMap<&str, &pet_core::NodeRecord> =
        nodes.iter().map(|n| (n.path.as_str(), n)).collect();
    let want = t["nodes"].as_object().unwrap();
    for (path, jn) in want {
        let Some(rec) = by_path.get(path.as_str()) else {
            // The one node pet cannot hold: a link at the trajectory's root
            // (pet's nodes live in its four branches). It must be reported.
            let root_link = jn["kind"] == "link" && !path.contains('.');
            let skipped = report
                .skipped()
                .into_iter()
                .any(|(p, _)| p == format!("/{name}/{path}"));
            assert!(
                root_link && skipped,
                "{path} was not read; report: {:?}",
                report.skipped()
            );
            continue;
        };
        let node = &rec.node;
        match jn["kind"].as_str().unwrap() {
            "group" => {
                assert!(node.is_group(), "{path} is not a group");
                assert_eq!(
                    node.comment,
                    jn["comment"].as_str().unwrap(),
                    "{path} comment"
                );
                checked.groups += 1;
            }
            "link" => {
                let NodeKind::Link { target } = &node.kind else {
                    panic!("{path} is not a link")
                };
                assert_eq!(target, jn["target"].as_str().unwrap(), "{path}");
                checked.links += 1;
            }
            _ => {
                checked.leaves += 1;
                assert_eq!(
                    node.comment,
                    jn["comment"].as_str().unwrap(),
                    "{path} comment"
                );
                for (k, v) in jn["annotations"].as_object().unwrap() {
                    match node.annotations.get(k) {
                        Some(got) if v["t"] == "list" => {
                            assert!(
                                matches!(got, Value::User(_)),
                                "{path} annotation {k}: {got:?}"
                            )
                        }
                        Some(got) => same(path, &format!("annotation {k}"), got, &expected(v)),
                        None => panic!("{path}: annotation {k} was not read"),
                    }
                    checked.values += 1;
                }
                for k in node.annotations.keys() {
                    assert!(
                        jn["annotations"].get(k).is_some()
                            || k == "pypet_notes"
                            || k == "pypet_class",
                        "{path}: pet added annotation {k}"
                    );
                }
                let class = jn["class"].as_str().unwrap();
                match node.data.as_ref().unwrap() {
                    LeafData::Param { value, explored } => {
                        if class == "PickleParameter" {
                            let p = jn["pickles"].as_object().unwrap();
                            check_pickle(path, value, p["data"].as_str().unwrap(), &mut checked);
                            let n = jn["range"].as_array().map(Vec::len);
                            assert_eq!(explored.as_ref().map(Vec::len), n, "{path} range");
                            for v in explored.iter().flatten() {
                                let b = match <&ndarray::ArrayD<u8>>::from_ref(v) {
                                    Some(a) => a.iter().copied().collect::<Vec<u8>>(),
                                    None => panic!("{path}: {v:?}"),
                                };
                                let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
                                assert!(
                                    p.values().any(|x| x.as_str() == Some(&h)),
                                    "{path} explored pickle"
                                );
                                checked.pickles += 1;
                            }
                            continue;
                        }
                        same(path, "default", value, &expected(&jn["default"]));
                        checked.values += 1;
                        match (explored, jn.get("range")) {
                            (Some(e), Some(r)) => {
                                let r = r.as_array().unwrap();
                                assert_eq!(e.len(), r.len(), "{path} range length");
                                for (i, (g, w)) in e.iter().zip(r).enumerate() {
                                    same(path, &format!("point {i}"), g, &expected(w));
                                    checked.values += 1;
                                }
                            }
                            (None, None) => {}
                            (e, r) => panic!(
                                "{path}: explored {:?} vs range {:?}",
                                e.is_some(),
                                r.is_some()
                            ),
                        }
                    }
                    LeafData::Result { items } => {
                        let want_items = jn["items"].as_object().unwrap();
                        let pickles = jn.get("pickles").and_then(J::as_object);
                        assert_eq!(
                            items.keys().collect::<Vec<_>>(),
                            want_items.keys().collect::<Vec<_>>(),
                            "{path} items"
                        );
                        for (k, w) in want_items {
                            let got = items.get(k).unwrap();
                            if let Some(p) = pickles {
                                check_pickle(path, got, p[k].as_str().unwrap(), &mut checked);
                                continue;
                            }
                            if w["t"] == "frame" && w.to_string().contains("\"object\"") {
                                compare_object_frame(path, got, w);
                            } else {
                                same(path, &format!("item {k}"), got, &expected(w));
                            }
                            checked.values += 1;
                        }
                    }
                }
            }
        }
    }
    for n in &nodes {
        assert!(
            want.contains_key(&n.path),
            "pet read {} which pypet does not have",
            n.path
        );
    }
    for (p, why) in report.skipped() {
        let root_link =
            p.matches('/').count() == 2 && why.contains("link at the trajectory's root");
        assert!(root_link, "pet skipped {p}: {why}");
    }
    checked
}

/// A frame with an object column: pet keeps it as a dict of its typed
/// columns plus the pickled block.
fn compare_object_frame(path: &str, got: &Value, w: &J) {
    let Value::Dict(d) = got else {
        panic!("{path}: {got:?}")
    };
    same(path, "frame index", &d["index"], &expected(&w["index"]));
    for c in w["columns"].as_array().unwrap() {
        let name = c[0].as_str().unwrap();
        if c[1]["dtype"] == "object" {
            assert!(
                d.iter().any(|(k, v)| k.starts_with("pickled:")
                    && k.contains(name)
                    && matches!(v, Value::User(_))),
                "{path}: object column {name} not carried"
            );
        } else {
            same(path, &format!("column {name}"), &d[name], &expected(&c[1]));
        }
    }
}
