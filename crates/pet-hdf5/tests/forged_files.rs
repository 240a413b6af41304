//! HDF5 files changed by someone else: declared sizes larger than the file,
//! link cycles, names pet cannot have, forged journal frames and run indices
//! far beyond the run table give clear errors, never a panic or an abort, and
//! leave what is stored as it was.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pet_core::storage::ReadSpec;
use pet_core::{vals, PetError, RunInfo, Store, Trajectory};
use pet_hdf5::Hdf5Store;

fn swept(path: &Path) {
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(path).unwrap());
    let mut t = Trajectory::create(store, "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.add_result("r", ndarray::Array1::from_elem(4, 1.0), "")
        .unwrap();
    t.store().unwrap();
    let mut run = t.run(0).unwrap();
    run.add_result("z", 2.0).unwrap();
    t.store_run(&run.finish()).unwrap();
}

fn journal(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".journal");
    PathBuf::from(s)
}

fn format_err(e: PetError, needles: &[&str]) {
    assert!(matches!(e, PetError::Format { .. }), "{e}");
    let msg = e.to_string();
    for n in needles {
        assert!(msg.contains(n), "'{n}' missing from: {msg}");
    }
}

/// A chunked dataset with no chunk written that claims 8 TiB, in a file of a
/// few KiB: reading it is an error before anything is allocated.
#[test]
fn a_dataset_declaring_more_than_the_file_holds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.h5");
    swept(&p);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        let g = f.group("/t/results").unwrap();
        g.unlink("r").unwrap();
        g.new_dataset::<f64>()
            .chunk(1 << 16)
            .shape(1usize << 40)
            .create("r")
            .unwrap();
        // And a contiguous one whose space was never allocated.
        g.new_dataset::<u8>()
            .shape(1usize << 36)
            .create("r2")
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    format_err(
        store.read_data("t", "results.r").unwrap_err(),
        &[
            "results.r",
            "declares 8796093022208 bytes",
            "damaged or forged",
        ],
    );
    format_err(
        store.read_data("t", "results.r2").unwrap_err(),
        &["declares"],
    );
    // Runs and parameters still read.
    let run = store.read_run_nodes("t", 0, ReadSpec::DATA).unwrap();
    assert!(run.iter().any(|n| n.path == "results.runs.run_00000000.z"));
    let params = store.read_nodes("t", "parameters", ReadSpec::DATA).unwrap();
    assert!(params.iter().any(|n| n.path == "parameters.x"));
}

/// A soft link pet did not make, pointing back at an ancestor, is refused
/// instead of followed for ever; so is a group reached twice by hard links.
#[test]
fn links_back_to_an_ancestor_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("soft.h5");
    swept(&p);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        let g = f.group("/t/results").unwrap();
        g.create_group("a").unwrap();
        g.link_soft("/t/results", "a/up").unwrap();
        g.link_soft("/t/results", "a/up2").unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    format_err(
        store
            .read_nodes("t", "results", ReadSpec::DATA)
            .unwrap_err(),
        &["second time"],
    );
    format_err(
        store.read_run_nodes("t", 0, ReadSpec::DATA).unwrap_err(),
        &["second time"],
    );
}

/// An object whose name is not a pet name (dots would shift every path) is
/// reported, not turned into a node.
#[test]
fn names_pet_cannot_have_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("names.h5");
    swept(&p);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        f.group("/t/results")
            .unwrap()
            .create_group("x.y\u{1b}[2J")
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    format_err(
        store
            .read_nodes("t", "results", ReadSpec::SKELETON)
            .unwrap_err(),
        &["no pet name can have"],
    );
}

/// Annotations are checked when read, like every other stored value.
#[test]
fn forged_annotations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ann.h5");
    swept(&p);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        let ds = f.dataset("/t/results/r").unwrap();
        let bad = pet_core::Annotations::from([(
            "k".to_string(),
            pet_core::Value::List(vec![1.0.into(), "mixed".into()]),
        )]);
        let bytes = pet_core::codec::to_cbor(&bad).unwrap();
        ds.new_attr_builder()
            .with_data(&bytes)
            .create("pet_annotations")
            .unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    format_err(
        store
            .read_nodes("t", "results.r", ReadSpec::DATA)
            .unwrap_err(),
        &["homogeneous", "something other than pet"],
    );
}

/// A run index far beyond the run table is refused before it is journalled:
/// no frame is left behind, and the file opens and works afterwards.
#[test]
fn a_run_index_far_beyond_the_table_is_refused_before_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("far.h5");
    swept(&p);
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    let jlen = std::fs::metadata(journal(&p)).unwrap().len();
    for index in [1usize << 30, pet_core::bounds::MAX_RUN_INDEX] {
        let mut info = RunInfo::pending(index, String::new());
        info.completed = true;
        let rec = pet_core::RunRecord {
            info,
            nodes: vec![],
        };
        let e = store.store_run("t", &rec).unwrap_err().to_string();
        assert!(e.contains("slots beyond"), "{e}");
        assert_eq!(std::fs::metadata(journal(&p)).unwrap().len(), jlen);
    }
    drop(store);
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    assert_eq!(store.read_runs("t").unwrap().len(), 2);
}

#[derive(serde::Serialize)]
enum ForgedOp {
    Runs(String, Vec<RunInfo>),
}

/// A whole journal: the magic and one frame (length, checksum, payload).
fn journal_frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = b"PETJRNL1".to_vec();
    bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// A journal holding a frame pet would never write (a run index of 2^40)
/// makes opening fail with an error naming the journal and what to do, and
/// changes neither the file nor the journal.
#[test]
fn a_forged_journal_frame_is_refused_before_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("jrnl.h5");
    swept(&p);
    let index = 1usize << 40;
    let mut info = RunInfo::pending(index, String::new());
    info.completed = true;
    let payload = pet_core::codec::to_cbor(&ForgedOp::Runs("t".into(), vec![info])).unwrap();
    let bytes = journal_frame(&payload);
    std::fs::write(journal(&p), &bytes).unwrap();
    let before = std::fs::read(&p).unwrap();
    let e = Hdf5Store::open(&p).err().unwrap();
    format_err(e, &["jrnl.h5.journal", "frame 0", "Move the journal away"]);
    assert_eq!(
        std::fs::read(&p).unwrap(),
        before,
        "the file must not change"
    );
    assert_eq!(std::fs::read(journal(&p)).unwrap(), bytes);
    // With the journal moved away, the file opens with what it held.
    std::fs::rename(journal(&p), dir.path().join("kept.journal")).unwrap();
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    assert_eq!(store.read_runs("t").unwrap().len(), 2);
}

/// A journal frame nested 100 000 calls deep (`All` inside `All` ..., with a
/// right checksum) and one claiming a 4 GiB - 1 byte string are refused with
/// a clear error, without a stack overflow or a huge allocation, and change
/// neither file.
#[test]
fn deeply_nested_and_oversized_journal_frames_are_refused() {
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        // {"All": [ ... ]}
        deep.extend_from_slice(&[0xA1, 0x63, b'A', b'l', b'l', 0x81]);
    }
    deep.push(0x80);
    // {"Remove": <text of 2^32 - 1 bytes>} with only a few bytes present.
    let mut long = vec![0xA1, 0x66];
    long.extend_from_slice(b"Remove");
    long.extend_from_slice(&[0x7A, 0xFF, 0xFF, 0xFF, 0xFF, b'x']);
    for (what, payload) in [("deep", deep), ("long", long)] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nest.h5");
        swept(&p);
        let bytes = journal_frame(&payload);
        std::fs::write(journal(&p), &bytes).unwrap();
        let before = std::fs::read(&p).unwrap();
        let e = Hdf5Store::open(&p).err().unwrap();
        eprintln!("{what}: {e}");
        format_err(e, &["nest.h5.journal", "frame 0"]);
        assert_eq!(
            std::fs::read(&p).unwrap(),
            before,
            "{what}: the file changed"
        );
        assert_eq!(std::fs::read(journal(&p)).unwrap(), bytes, "{what}");
    }
}
