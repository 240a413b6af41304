//! Appending explored points to an HDF5 file: the layouts appends leave
//! (a growable `explored` dataset, per-point datasets once a point needs
//! them), replaying journalled appends after a crash (on the file as it was
//! and on a file that already holds them), and forged append frames.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pet_core::{vals, LoadSpec, Node, PetError, Store, Trajectory, Value};
use pet_hdf5::Hdf5Store;

fn sidecar(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

/// Points `range` of x (f64), label (str, a NUL byte at 7) and trace (array).
fn points(range: std::ops::Range<usize>) -> Vec<(&'static str, Vec<Value>)> {
    let x = range.clone().map(|i| Value::from(i as f64 / 2.0)).collect();
    let label = range
        .clone()
        .map(|i| {
            Value::from(if i == 7 {
                format!("a\0{i}")
            } else {
                format!("p{i}")
            })
        })
        .collect();
    let trace = range
        .map(|i| Value::from(ndarray::Array1::from(vec![i as f64; 3])))
        .collect();
    vec![("x", x), ("label", label), ("trace", trace)]
}

fn created(path: &Path) {
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(path).unwrap());
    let mut t = Trajectory::create(store, "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.add_parameter("label", "", "").unwrap();
    t.add_parameter("trace", ndarray::Array1::from(vec![0.0; 3]), "")
        .unwrap();
    t.explore(points(0..3)).unwrap();
    t.store().unwrap();
}

fn parameters(t: &Trajectory) -> BTreeMap<String, Node> {
    t.iter_nodes()
        .filter(|(p, n)| p.starts_with("parameters.") && n.is_leaf())
        .map(|(p, n)| (p.clone(), n.clone()))
        .collect()
}

fn loaded(path: &Path) -> Trajectory {
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(path).unwrap());
    Trajectory::load(store, "t", LoadSpec::all()).unwrap()
}

/// Scalar points end in one growable dataset (moved there by the first
/// append), a point with a NUL byte moves its list to per-point datasets, and
/// the type attribute follows the length.
#[test]
fn appends_leave_a_growable_dataset_and_per_point_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("layout.h5");
    created(&p);
    {
        let f = hdf5::File::open(&p).unwrap();
        let x = f.dataset("/t/parameters/x/explored").unwrap();
        assert!(!x.is_resizable(), "a full write stores a fixed dataset");
    }
    let expected = {
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
        let mut t = Trajectory::load(store, "t", LoadSpec::all()).unwrap();
        for k in 0..4 {
            t.expand(points(3 + 2 * k..5 + 2 * k)).unwrap();
            t.store().unwrap();
        }
        parameters(&t)
    };
    {
        let f = hdf5::File::open(&p).unwrap();
        let x = f.dataset("/t/parameters/x/explored").unwrap();
        assert!(x.is_resizable() && x.is_chunked());
        assert_eq!(x.shape(), vec![11]);
        assert_eq!(
            x.read_raw::<f64>().unwrap(),
            (0..11).map(|i| i as f64 / 2.0).collect::<Vec<_>>()
        );
        let label = f.group("/t/parameters/label/explored").unwrap();
        assert_eq!(label.len(), 11);
        let trace = f.group("/t/parameters/trace/explored").unwrap();
        assert_eq!(trace.len(), 11);
        let ty: hdf5::types::VarLenUnicode = f
            .group("/t/parameters/x")
            .unwrap()
            .attr("pet_type")
            .unwrap()
            .read_scalar()
            .unwrap();
        assert_eq!(ty.as_str(), "f64 explored len=11");
    }
    assert_eq!(parameters(&loaded(&p)), expected);
}

/// A writer killed after its appends leaves the file as it was at open and
/// the journal: opening replays the appends. Replaying the same journal on a
/// file that already holds them gives the same file content.
#[test]
fn journalled_appends_are_replayed_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("crash.h5");
    created(&p);
    let q = dir.path().join("copy.h5");
    let url = format!("hdf5://{}?recovery=backup", p.display());
    let expected = {
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::from_url(&url).unwrap());
        let mut t = Trajectory::load(store, "t", LoadSpec::all()).unwrap();
        for k in 0..5 {
            t.expand(points(3 + 2 * k..5 + 2 * k)).unwrap();
            t.store().unwrap();
        }
        // What a SIGKILL now leaves: the copy taken at open and the session's journal.
        std::fs::copy(sidecar(&p, ".bak"), &q).unwrap();
        std::fs::copy(sidecar(&p, ".journal"), sidecar(&q, ".journal")).unwrap();
        std::fs::copy(sidecar(&p, ".journal"), dir.path().join("kept")).unwrap();
        assert_eq!(t.len(), 13);
        (parameters(&t), t.run_infos().to_vec())
    };
    let back = loaded(&q);
    assert_eq!(parameters(&back), expected.0);
    assert_eq!(back.run_infos(), &expected.1[..]);
    // The writer of p closed normally, so p holds every append; its journal
    // replayed once more changes nothing.
    drop(back);
    std::fs::copy(dir.path().join("kept"), sidecar(&p, ".journal")).unwrap();
    let again = loaded(&p);
    assert_eq!(parameters(&again), expected.0);
    assert_eq!(again.run_infos(), &expected.1[..]);
}

#[derive(serde::Serialize)]
enum ForgedValue {
    Plain(Value),
}

#[derive(serde::Serialize)]
struct ForgedPoints {
    path: String,
    start: usize,
    values: Vec<ForgedValue>,
}

#[derive(serde::Serialize)]
enum ForgedOp {
    Points(String, Vec<ForgedPoints>),
}

/// Journal frames appending to a result, or points of two types, are refused
/// before the file changes, with an error naming the frame.
#[test]
fn forged_append_frames_are_refused_before_the_file_changes() {
    for (path, values) in [
        ("results.r", vals([1.0])),
        ("parameters.x", vec![Value::from(1.0), Value::from(1i64)]),
        ("parameters.x", vec![]),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("forged.h5");
        created(&p);
        let op = ForgedOp::Points(
            "t".into(),
            vec![ForgedPoints {
                path: path.into(),
                start: 3,
                values: values.into_iter().map(ForgedValue::Plain).collect(),
            }],
        );
        let payload = pet_core::codec::to_cbor(&op).unwrap();
        let mut bytes = b"PETJRNL1".to_vec();
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        std::fs::write(sidecar(&p, ".journal"), &bytes).unwrap();
        let before = std::fs::read(&p).unwrap();
        let e = Hdf5Store::open(&p).err().unwrap();
        assert!(matches!(e, PetError::Format { .. }), "{e}");
        assert!(e.to_string().contains("frame 0"), "{e}");
        assert_eq!(
            std::fs::read(&p).unwrap(),
            before,
            "the file must not change"
        );
    }
}
