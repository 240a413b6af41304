//! A pypet file migrated to SQLite and to HDF5 reads back node for node as
//! pet read it from pypet; `Trajectory::load` works on the pypet file
//! itself; every write to it is refused with advice to migrate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use pet_core::storage::ReadSpec;
use pet_core::transfer::copy_trajectory;
use pet_core::{LoadSpec, PetError, Store, Trajectory, TrajectoryInfo};

fn all(store: &dyn Store, traj: &str) -> Vec<pet_core::NodeRecord> {
    store.read_nodes(traj, "", ReadSpec::DATA).unwrap()
}

/// The pypet versions whose files the tests read.
const VERSIONS: [&str; 2] = pet_pypet::testkit::VERSIONS;

#[test]
fn migration_to_sqlite_and_hdf5_is_lossless() {
    for version in VERSIONS {
        migrate_losslessly(version);
    }
}

fn migrate_losslessly(version: &str) {
    let (file, _) = common::case(version, "types");
    let src = common::open(&file);
    let want = all(src.as_ref(), "types");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = pet_sqlite::SqliteStore::open(dir.path().join("t.db")).unwrap();
    let hdf5 = pet_hdf5::Hdf5Store::open(dir.path().join("t.h5")).unwrap();
    for dst in [&sqlite as &dyn Store, &hdf5 as &dyn Store] {
        let stats = copy_trajectory(src.as_ref(), dst, "types", |_, _| {}).unwrap();
        assert_eq!(stats.runs, 3);
        let got = all(dst, "types");
        assert_eq!(got.len(), want.len(), "{}", dst.location());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.path, w.path);
            assert_eq!(g.node.comment, w.node.comment, "{}", g.path);
            assert_eq!(g.node.kind, w.node.kind, "{}", g.path);
            let same_ann = g.node.annotations.len() == w.node.annotations.len()
                && g.node
                    .annotations
                    .iter()
                    .all(|(k, v)| w.node.annotations[k].same_as(v));
            assert!(same_ann, "{} annotations", g.path);
            match (&g.node.data, &w.node.data) {
                (Some(a), Some(b)) => {
                    let (va, vb) = (a.values(), b.values());
                    assert_eq!(va.len(), vb.len(), "{}", g.path);
                    assert!(va.iter().zip(&vb).all(|(x, y)| x.same_as(y)), "{}", g.path);
                }
                (None, None) => {}
                _ => panic!("{}: data differs", g.path),
            }
        }
        assert_eq!(
            dst.read_runs("types").unwrap(),
            src.read_runs("types").unwrap()
        );
        assert_eq!(dst.info("types").unwrap(), src.info("types").unwrap());
    }
}

#[test]
fn trajectory_load_works_on_a_pypet_file() {
    let (file, _) = common::case("0.7.0", "basic");
    let store: Arc<dyn Store> = common::open(&file);
    let mut t = Trajectory::load(store, "Multiplication", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), 12);
    assert_eq!(
        t.get_as::<f64>("results.runs.run_00000005.z").unwrap(),
        2.0 * 8.0
    );
    let big = t
        .find_runs(|p| Ok(p.f64("x")? * p.f64("y")? > 20.0))
        .unwrap();
    assert_eq!(big, vec![7, 8, 9, 10, 11]);
}

#[test]
fn writes_are_refused_with_advice_to_migrate() {
    let (file, _) = common::case("0.7.0", "basic");
    let before = std::fs::read(&file).unwrap();
    let store: Arc<dyn Store> = common::open(&file);
    let info = TrajectoryInfo::new("fresh", "").unwrap();
    let e = store.create(&info).unwrap_err();
    assert!(
        matches!(
            e,
            PetError::Foreign {
                format: "pypet",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("migrate"), "{e}");
    let mut t = Trajectory::load(store.clone(), "Multiplication", LoadSpec::default()).unwrap();
    t.add_parameter("extra", 1.0, "").unwrap();
    let e = t.store().unwrap_err();
    assert!(matches!(e, PetError::Foreign { .. }), "{e}");
    assert!(matches!(
        store.delete("Multiplication", "parameters.x"),
        Err(PetError::Foreign { .. })
    ));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the pypet file changed"
    );
}

#[test]
fn a_pypet_file_is_recognised_by_its_layout_through_the_hdf5_backend() {
    let (file, _) = common::case("0.7.0", "two");
    let e = pet_hdf5::Hdf5Store::open(&file).err().unwrap();
    assert!(
        matches!(
            e,
            PetError::Foreign {
                format: "pypet",
                ..
            }
        ),
        "{e}"
    );
    let list = [&pet_hdf5::DESCRIPTOR, &pet_pypet::DESCRIPTOR];
    let url = file.display().to_string();
    let store =
        pet_core::storage::descriptor::open(&url, &list, pet_core::Access::ReadWrite).unwrap();
    assert!(store.location().starts_with("pypet://") && store.is_read_only());
    assert_eq!(store.list().unwrap().len(), 2);
    // Without the pypet backend in the list the error says what the file is.
    let e = pet_core::storage::descriptor::open(
        &url,
        &[&pet_hdf5::DESCRIPTOR],
        pet_core::Access::ReadOnly,
    )
    .err()
    .unwrap();
    assert!(matches!(e, PetError::Foreign { .. }), "{e}");
    // A pet store is no pypet file.
    let dir = tempfile::tempdir().unwrap();
    let pet_file = dir.path().join("pet.h5");
    drop(pet_hdf5::Hdf5Store::open(&pet_file).unwrap());
    let e = pet_pypet::PypetStore::open(&pet_file).err().unwrap();
    assert!(e.to_string().contains("not one pypet wrote"), "{e}");
}

#[test]
fn the_report_names_every_pickle() {
    for version in VERSIONS {
        report_names_every_pickle(version);
    }
}

fn report_names_every_pickle(version: &str) {
    let (file, _) = common::case(version, "types");
    let store = common::open(&file);
    let r = store.read_all("types").unwrap();
    let w = r.pickle_warning().unwrap();
    for p in [
        "parameters.pick.obj",
        "parameters.xpick",
        "results.pickle",
        "results.pickled_list",
        "results.runs.run_00000002.pick",
        "results.strframe",
    ] {
        assert!(w.contains(p), "{p} not in: {w}");
    }
    assert_eq!(
        r.read(),
        r.converted() + r.opaque().len() + r.skipped().len()
    );
    assert_eq!(r.skipped().len(), 1, "{:?}", r.skipped());
}
