//! Files that are not HDF5, HDF5 files that are not pet stores, newer layout
//! versions, read-only files and bad URLs get clear errors, and nothing stored is lost.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::files;
use pet_core::{LoadSpec, PetError, Store, Trajectory};
use pet_hdf5::{Hdf5Store, LAYOUT_VERSION};

fn small_store(path: &Path) {
    files::small_store(Arc::new(Hdf5Store::open(path).unwrap()));
}

fn open_err(path: &Path) -> PetError {
    files::open_err(Hdf5Store::open(path), path)
}

fn journal(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".journal");
    s.into()
}

#[test]
fn random_bytes_are_not_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noise.h5");
    let bytes = files::noise_bytes();
    std::fs::write(&p, &bytes).unwrap();
    let e = open_err(&p);
    assert!(
        matches!(e, PetError::Format { .. }) && e.to_string().contains("not an HDF5 file"),
        "{e}"
    );
    assert_eq!(
        std::fs::read(&p).unwrap(),
        bytes,
        "the file must be left alone"
    );
    assert!(!journal(&p).exists(), "no journal next to a foreign file");
}

#[test]
fn another_programs_hdf5_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.h5");
    {
        let f = hdf5::File::create(&p).unwrap();
        f.new_dataset_builder()
            .with_data(&[1.0f64, 2.0, 3.0][..])
            .create("customers")
            .unwrap();
    }
    let before = std::fs::read(&p).unwrap();
    let e = open_err(&p);
    assert!(
        matches!(e, PetError::Format { .. })
            && e.to_string().contains("not a pet store")
            && e.to_string().contains("customers"),
        "{e}"
    );
    assert_eq!(std::fs::read(&p).unwrap(), before);
    let f = hdf5::File::open(&p).unwrap();
    assert_eq!(
        f.dataset("customers")
            .unwrap()
            .read_raw::<f64>()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn newer_layout_version_asks_for_an_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("future.h5");
    small_store(&p);
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        f.delete_attr("pet_layout_version").unwrap();
        f.new_attr::<u32>()
            .create("pet_layout_version")
            .unwrap()
            .write_scalar(&(LAYOUT_VERSION + 1))
            .unwrap();
    }
    let e = open_err(&p).to_string();
    assert!(
        e.contains(&format!("layout version {}", LAYOUT_VERSION + 1)) && e.contains("upgrade pet"),
        "{e}"
    );
}

#[test]
fn layout_version_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.h5");
    small_store(&p);
    let f = hdf5::File::open(&p).unwrap();
    let v: u32 = f.attr("pet_layout_version").unwrap().read_scalar().unwrap();
    assert_eq!(v, LAYOUT_VERSION);
    let fmt: hdf5::types::VarLenUnicode = f.attr("pet_format").unwrap().read_scalar().unwrap();
    assert_eq!(fmt.as_str(), "pet-hdf5");
}

#[test]
fn read_only_files_open_for_reading_and_refuse_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ro.h5");
    small_store(&p);
    files::make_read_only(&p);
    let store = Hdf5Store::open(&p).unwrap();
    assert!(store.is_read_only());
    files::check_read_only(Arc::new(store));
}

#[test]
fn mode_ro_url_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.h5");
    small_store(&p);
    let before = std::fs::read(&p).unwrap();
    let url = format!("hdf5://{}?mode=ro", p.display());
    let store = Hdf5Store::from_url(&url).unwrap();
    assert!(store.is_read_only());
    files::check_mode_ro(&store);
    drop(store);
    assert_eq!(std::fs::read(&p).unwrap(), before);
    let missing = format!("hdf5://{}?mode=ro", dir.path().join("missing.h5").display());
    assert!(matches!(
        Hdf5Store::from_url(&missing),
        Err(PetError::BadLocation { .. })
    ));
    assert!(!dir.path().join("missing.h5").exists());
}

#[test]
fn bad_urls_and_paths_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    files::err_containing(Hdf5Store::open(dir.path()), &["directory"]);
    files::err_containing(
        Hdf5Store::from_url("hdf5:///tmp/x.h5?colour=blue"),
        &["colour", "compression"],
    );
    files::err_containing(
        Hdf5Store::from_url("sqlite:///tmp/x.db"),
        &["unknown store type 'sqlite'", "hdf5://FILE"],
    );
    files::err_containing(
        Hdf5Store::from_url("hdf5:///tmp/x.h5?mode=write"),
        &["ro or rw"],
    );
    files::err_containing(
        Hdf5Store::from_url("hdf5:///tmp/x.h5?compression=zip"),
        &["lzf"],
    );
}

#[test]
fn absolute_urls_and_parent_directories_work() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("deep/er/store.h5");
    small_store(&p);
    assert!(p.exists());
    let abs = format!("hdf5://{}", p.display());
    assert!(abs.starts_with("hdf5:///"));
    let s = Hdf5Store::from_url(&abs).unwrap();
    assert_eq!(s.list().unwrap().len(), 1);
    assert!(s.location().starts_with("hdf5:///"));
}

#[test]
fn a_foreign_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j.h5");
    small_store(&p);
    std::fs::write(journal(&p), b"hello, I am somebody's notes").unwrap();
    let e = open_err(&p).to_string();
    assert!(e.contains("not a pet journal"), "{e}");
    assert_eq!(
        std::fs::read(journal(&p)).unwrap(),
        b"hello, I am somebody's notes"
    );
}

#[test]
fn a_corrupted_file_gives_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.h5");
    files::check_corrupted_file(&p, 50, |p| {
        Ok(Arc::new(Hdf5Store::open(p)?) as Arc<dyn Store>)
    });
}

#[test]
fn every_compression_and_sync_full_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let arr = ndarray::Array2::from_shape_fn((64, 100), |(i, j)| (i * 100 + j) as f64 * 0.25);
    for comp in ["none", "lzf", "shuffle-lzf", "shuffle-deflate1", "deflate9"] {
        let p = dir.path().join(format!("{comp}.h5"));
        let url = format!(
            "hdf5://{}?compression={comp}&sync=full&checkpoint=1",
            p.display()
        );
        {
            let store: Arc<dyn Store> = Arc::new(Hdf5Store::from_url(&url).unwrap());
            let mut t = Trajectory::create(store, "t", "").unwrap();
            t.add_result("a", arr.clone(), "").unwrap();
            t.add_result(
                "ints",
                ndarray::Array1::from_shape_fn(5000, |i| i as i64),
                "",
            )
            .unwrap();
            t.store().unwrap();
        }
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::from_url(&url).unwrap());
        let mut t = Trajectory::load(store, "t", LoadSpec::all()).unwrap();
        let back: ndarray::ArrayD<f64> = t.get_as("results.a").unwrap();
        assert_eq!(back, arr.clone().into_dyn(), "{comp}");
        let ints: ndarray::ArrayD<i64> = t.get_as("results.ints").unwrap();
        assert_eq!(ints[[4999]], 4999, "{comp}");
        drop(t);
        let f = hdf5::File::open(&p).unwrap();
        let ds = f.dataset("t/results/a").unwrap();
        assert_eq!(ds.is_chunked(), comp != "none", "{comp}");
    }
}

/// A forged file whose `results` group holds a hard link back to itself (an
/// endless nesting): finding a run's nodes says the file is corrupt instead of
/// recursing until the stack overflows, and a plain run still loads.
#[test]
fn a_link_cycle_in_the_tree_is_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cycle.h5");
    {
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
        let mut t = Trajectory::create(store, "t", "").unwrap();
        t.add_parameter("x", 0.0, "").unwrap();
        t.explore([("x", pet_core::vals([1.0]))]).unwrap();
        t.add_result("summary.mean", 1.0, "").unwrap();
        t.store().unwrap();
        let mut run = t.run(0).unwrap();
        run.add_result("z", 2.0).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    {
        let f = hdf5::File::open_rw(&p).unwrap();
        let g = f.group("/t/results").unwrap();
        g.create_group("deep").unwrap();
        g.link_hard("/t/results", "deep/again").unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).unwrap());
    let e = store
        .read_run_nodes("t", 0, pet_core::storage::ReadSpec::DATA)
        .unwrap_err();
    assert!(matches!(e, PetError::Format { .. }), "{e}");
    assert!(e.to_string().contains("second time"), "{e}");
    let back = store
        .read_nodes(
            "t",
            "results.runs.run_00000000",
            pet_core::storage::ReadSpec::DATA,
        )
        .unwrap();
    assert!(back.iter().any(|n| n.path == "results.runs.run_00000000.z"));
}

/// A truncated store is reported as damaged, not as locked by another process
/// (HDF5's message names `sblock->base_addr`, which once matched "lock"), and
/// the failed open leaves the file as it was.
#[test]
fn a_truncated_file_is_damaged_not_locked_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.h5");
    small_store(&p);
    let full = std::fs::read(&p).unwrap();
    let cut = &full[..full.len() / 2];
    std::fs::write(&p, cut).unwrap();
    let e = open_err(&p).to_string();
    assert!(!e.contains("locked by another process"), "{e}");
    assert!(e.contains("damaged") && e.contains("journal"), "{e}");
    assert_eq!(
        std::fs::read(&p).unwrap(),
        cut,
        "the failed open changed the file"
    );
}
