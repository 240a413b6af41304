//! Lossless migration across every backend: HDF5 → SQLite → MongoDB → HDF5 with
//! the real `pet` binary, on a trajectory holding every value type, comments,
//! annotations, links, run info and provenance. Needs `--features hdf5,mongo`
//! (the MongoDB test server is started by scripts/mongo-test-server.sh, or
//! `PET_MONGODB_URI` names a real one).
#![cfg(all(feature = "hdf5", feature = "mongo"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use ndarray::{Array1, ArrayD, IxDyn};
use num_complex::{Complex32, Complex64};
use pet_core::codec::to_cbor;
use pet_core::storage::ReadSpec;
use pet_core::{vals, Array, Sparse, SparseFormat, Store, Table, UserValue, Value};
use pet_env::{Environment, GitPolicy, Mode};

fn mongo_base() -> String {
    if let Ok(uri) = std::env::var("PET_MONGODB_URI") {
        if !uri.is_empty() {
            return uri;
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mongo-test-server.sh");
    let out = Process::new("bash")
        .arg(script)
        .arg("--watch")
        .arg(std::process::id().to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cannot start the MongoDB test server: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn with_db(base: &str, db: &str) -> String {
    // mongodb://host:port/?opts → mongodb://host:port/db?opts
    let (head, query) = base
        .split_once('?')
        .map(|(h, q)| (h, format!("?{q}")))
        .unwrap_or((base, String::new()));
    format!("{}/{db}{query}", head.trim_end_matches('/'))
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Probe {
    name: String,
    gains: Vec<f32>,
}

impl pet_core::UserType for Probe {
    const TYPE_NAME: &'static str = "test.Probe";
}

fn every_value() -> Vec<(String, Value)> {
    let shape = IxDyn(&[2, 3]);
    let mut v: Vec<(String, Value)> = vec![
        ("bool".into(), true.into()),
        ("i8".into(), (-8i8).into()),
        ("i16".into(), (-16i16).into()),
        ("i32".into(), (-32i32).into()),
        ("i64".into(), (1i64 << 50).into()),
        ("u8".into(), 8u8.into()),
        ("u16".into(), 16u16.into()),
        ("u32".into(), 32u32.into()),
        ("u64".into(), u64::MAX.into()),
        ("f32".into(), 0.5f32.into()),
        ("f64".into(), f64::NAN.into()),
        ("c64".into(), Complex32::new(1.0, 2.0).into()),
        ("c128".into(), Complex64::new(3.0, -4.0).into()),
        ("str".into(), "ünïcødé".into()),
        (
            "a_bool".into(),
            Value::from(Array::Bool(ArrayD::from_elem(shape.clone(), true))),
        ),
        ("a_i8".into(), ArrayD::from_elem(shape.clone(), -1i8).into()),
        (
            "a_i16".into(),
            ArrayD::from_elem(shape.clone(), -2i16).into(),
        ),
        (
            "a_i32".into(),
            ArrayD::from_elem(shape.clone(), -3i32).into(),
        ),
        (
            "a_i64".into(),
            ArrayD::from_elem(shape.clone(), -4i64).into(),
        ),
        ("a_u8".into(), ArrayD::from_elem(shape.clone(), 1u8).into()),
        (
            "a_u16".into(),
            ArrayD::from_elem(shape.clone(), 2u16).into(),
        ),
        (
            "a_u32".into(),
            ArrayD::from_elem(shape.clone(), 3u32).into(),
        ),
        (
            "a_u64".into(),
            ArrayD::from_elem(shape.clone(), 4u64).into(),
        ),
        (
            "a_f32".into(),
            ArrayD::from_elem(shape.clone(), 1.5f32).into(),
        ),
        (
            "a_f64".into(),
            ArrayD::from_shape_fn(shape.clone(), |i| (i[0] * 3 + i[1]) as f64).into(),
        ),
        (
            "a_c64".into(),
            ArrayD::from_elem(shape.clone(), Complex32::new(0.0, 1.0)).into(),
        ),
        (
            "a_c128".into(),
            ArrayD::from_elem(shape.clone(), Complex64::new(1.0, 0.0)).into(),
        ),
        (
            "a_str".into(),
            ArrayD::from_elem(shape, "s".to_string()).into(),
        ),
        ("list".into(), vec![1.0, 2.0].into()),
        ("tuple".into(), Value::Tuple(vals([1i64, 2]))),
        (
            "dict".into(),
            Value::Dict(BTreeMap::from([(
                "k".to_string(),
                Value::from(vec!["a", "b"]),
            )])),
        ),
        (
            "unit".into(),
            Value::with_unit(Array1::from(vec![-70.0, -65.0]), "mV"),
        ),
        (
            "user".into(),
            UserValue::encode(&Probe {
                name: "p".into(),
                gains: vec![1.0, 2.0],
            })
            .unwrap()
            .into(),
        ),
    ];
    for (f, major) in [
        (SparseFormat::Csr, vec![0, 1, 2]),
        (SparseFormat::Csc, vec![0, 1, 2]),
        (SparseFormat::Coo, vec![0, 1]),
    ] {
        let s = Sparse::new(
            f,
            (2, 2),
            major,
            vec![1, 0],
            Array::F64(Array1::from(vec![5.0, 6.0]).into_dyn()),
        )
        .unwrap();
        v.push((format!("sparse_{}", f.name()), s.into()));
    }
    let table = Table::from_columns(vec![
        (
            "t".into(),
            Array::F64(Array1::from(vec![0.0, 0.1]).into_dyn()),
        ),
        (
            "label".into(),
            Array::Str(Array1::from(vec!["x".to_string(), "y".into()]).into_dyn()),
        ),
    ])
    .unwrap();
    v.push(("table".into(), table.into()));
    v
}

fn dump(url: &str) -> Vec<u8> {
    let store: std::sync::Arc<dyn Store> = pet_env::open_store(url).unwrap();
    let info = store.info("every").unwrap();
    let mut out = to_cbor(&(info.name, info.comment, info.created, info.pet_version)).unwrap();
    out.extend(to_cbor(&store.read_nodes("every", "", ReadSpec::DATA).unwrap()).unwrap());
    out.extend(to_cbor(&store.read_runs("every").unwrap()).unwrap());
    out
}

fn first_difference(x: &str, y: &str) -> String {
    let (sx, sy) = (
        pet_env::open_store(x).unwrap(),
        pet_env::open_store(y).unwrap(),
    );
    let (ix, iy) = (sx.info("every").unwrap(), sy.info("every").unwrap());
    if ix != iy {
        return format!("info {ix:?} vs {iy:?}");
    }
    let (nx, ny) = (
        sx.read_nodes("every", "", ReadSpec::DATA).unwrap(),
        sy.read_nodes("every", "", ReadSpec::DATA).unwrap(),
    );
    let px: Vec<&str> = nx.iter().map(|r| r.path.as_str()).collect();
    let py: Vec<&str> = ny.iter().map(|r| r.path.as_str()).collect();
    if px != py {
        let only_x: Vec<&&str> = px.iter().filter(|p| !py.contains(p)).collect();
        let only_y: Vec<&&str> = py.iter().filter(|p| !px.contains(p)).collect();
        return format!("paths only in {x}: {only_x:?}; only in {y}: {only_y:?}");
    }
    for (a, b) in nx.iter().zip(&ny) {
        if to_cbor(a).unwrap() != to_cbor(b).unwrap() {
            return format!("{a:?}\n  vs\n{b:?}");
        }
    }
    if nx.len() != ny.len() {
        return format!("{} vs {} nodes", nx.len(), ny.len());
    }
    format!(
        "runs {:?} vs {:?}",
        sx.read_runs("every").unwrap(),
        sy.read_runs("every").unwrap()
    )
}

fn pet(args: &[&str]) {
    let o = Command::cargo_bin("pet")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "pet {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn hdf5_to_sqlite_to_mongo_to_hdf5_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = format!("hdf5://{}", dir.path().join("start.h5").display());
    {
        let mut env = Environment::open(&h5)
            .unwrap()
            .mode(Mode::Sequential)
            .progress(false)
            .log_dir(None)
            .git(GitPolicy::Record);
        let mut traj = env
            .trajectory("every", "every value type, link and annotation", |t| {
                t.add_parameter(
                    "neuron.tau",
                    Value::with_unit(10.0, "ms"),
                    "membrane time constant",
                )?;
                t.add_parameter("x", 0i64, "explored")?;
                t.add_parameter(
                    "w",
                    Sparse::new(
                        SparseFormat::Coo,
                        (2, 2),
                        vec![0],
                        vec![1],
                        Array::F32(Array1::from(vec![0.5f32]).into_dyn()),
                    )?,
                    "weights",
                )?;
                t.add_config("seed", 42u64, "seed")?;
                t.explore([("x", vals([1i64, 2, 3]))])
            })
            .unwrap();
        env.run(&mut traj, |run| {
            let x: i64 = run.param("x")?;
            for (name, v) in every_value() {
                run.add_result(&format!("values.{name}"), v)?;
            }
            run.add_result_items(
                "pair",
                [("a", Value::from(x)), ("b", Value::from(-x))],
                "two items",
            )?;
            run.add_derived("x2", x * 2, "derived per run")?;
            Ok(x)
        })
        .unwrap();
        for (name, v) in every_value() {
            traj.add_result(&format!("overall.{name}"), v, &format!("overall {name}"))
                .unwrap();
        }
        traj.add_group("results.overall", "results outside runs")
            .unwrap();
        traj.annotate(
            "results.overall",
            "note",
            Value::Dict(BTreeMap::from([("why".into(), Value::from("test"))])),
        )
        .unwrap();
        traj.annotate("neuron.tau", "source", "Dayan & Abbott")
            .unwrap();
        traj.add_link("results.tau", "neuron.tau").unwrap();
        traj.add_derived("mean_x", 2.0, "derived overall").unwrap();
        traj.store().unwrap();
    }
    let sqlite = format!("sqlite://{}", dir.path().join("middle.db").display());
    let mongo = with_db(
        &mongo_base(),
        &format!("pet_migrate_{}", std::process::id()),
    );
    let end = format!("hdf5://{}", dir.path().join("end.h5").display());
    pet(&["migrate", &h5, &sqlite]);
    pet(&["migrate", &sqlite, &mongo]);
    pet(&["migrate", &mongo, &end]);
    let (a, b) = (dump(&h5), dump(&end));
    assert!(
        a == b,
        "the trajectory changed on its way through SQLite and MongoDB: {}",
        first_difference(&h5, &end)
    );
    assert!(
        dump(&sqlite) == a,
        "SQLite holds something else: {}",
        first_difference(&h5, &sqlite)
    );
    assert!(
        dump(&mongo) == a,
        "MongoDB holds something else: {}",
        first_difference(&h5, &mongo)
    );
    let store = pet_env::open_store(&end).unwrap();
    let t = pet_core::Trajectory::load(store, "every", pet_core::LoadSpec::all()).unwrap();
    let sessions = t.children("config.provenance").unwrap();
    assert!(
        sessions.len() == 1 && t.node(&format!("{}.host", sessions[0])).is_ok(),
        "provenance lost: {sessions:?}"
    );
    assert_eq!(
        t.resolve_target("results.tau").unwrap(),
        "parameters.neuron.tau"
    );
}
