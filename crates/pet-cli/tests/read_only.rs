//! Commands that only read (`ls`, `tree`, `show`, `info`, `runs`, `export`)
//! open stores read-only and change nothing: the store file keeps every byte
//! and its modification time, and no file appears or changes next to it.
//! (Tests run as root, so a file without write permission would not prove
//! anything: the files are compared instead.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pet;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use pet_core::{vals, Trajectory};

/// Every file in `dir`: its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                (std::fs::read(e.path()).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

fn make_store(dir: &Path, file: &str) -> String {
    let path = dir.join(file).to_str().unwrap().to_string();
    let store = pet_stores::open(&path).unwrap();
    let mut t = Trajectory::create(store, "ca", "cellular automata").unwrap();
    t.add_parameter("rule_number", 0i64, "Wolfram rule")
        .unwrap();
    t.explore([("rule_number", vals(vec![10i64, 30, 90]))])
        .unwrap();
    t.store().unwrap();
    // One run left pending: readers must not "repair" anything either.
    for i in 0..t.len() - 1 {
        let mut run = t.run(i).unwrap();
        let rule: i64 = run.param("rule_number").unwrap();
        run.add_result("density", rule as f64 / 256.0).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    path
}

/// Runs every read command on `store`, each successfully.
fn read_everything(store: &str) {
    let commands: Vec<Vec<&str>> = vec![
        vec!["ls", store],
        vec!["tree", store],
        vec!["tree", store, "results.runs.run_00000001"],
        vec!["show", store, "rule_number"],
        vec!["show", store, "results.runs.run_00000000.density"],
        vec!["info", store],
        vec!["runs", store],
        vec!["runs", store, "--where", "rule_number > 20"],
        vec!["export", store, "--format", "csv"],
        vec!["export", store, "--format", "json"],
    ];
    for args in commands {
        let o = pet().args(&args).output().unwrap();
        assert!(
            o.status.success(),
            "pet {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Asserts that reading `file` in `dir` changed nothing but the files
/// `allowed_new` accepts, and returns the names of the new files.
fn reading_changes_nothing(file: &str, allowed_new: impl Fn(&str, &[u8]) -> bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let store = make_store(dir.path(), file);
    let before = snapshot(dir.path());
    assert!(before.contains_key(file), "{before:?}");
    // Coarse file-system clocks: give a write the chance to move the mtime.
    std::thread::sleep(std::time::Duration::from_millis(50));
    read_everything(&store);
    let after = snapshot(dir.path());
    for (name, (bytes, mtime)) in &before {
        let Some((now, now_mtime)) = after.get(name) else {
            panic!("{name} was removed by reading");
        };
        assert!(now == bytes, "{name} changed by reading");
        assert_eq!(now_mtime, mtime, "{name} was written by reading");
    }
    let new: Vec<String> = after
        .keys()
        .filter(|n| !before.contains_key(*n))
        .cloned()
        .collect();
    for n in &new {
        assert!(
            allowed_new(n, &after[n].0),
            "reading created {n} ({} bytes)",
            after[n].0.len()
        );
    }
    new
}

#[test]
fn reading_an_sqlite_store_changes_none_of_its_bytes() {
    // SQLite itself (not pet) gives a reader of a WAL database an empty
    // `-wal` and a `-shm` index when they are missing; nothing else may appear,
    // and the WAL must hold nothing.
    reading_changes_nothing("ca.db", |name, bytes| {
        (name == "ca.db-wal" && bytes.is_empty()) || name == "ca.db-shm"
    });
}

/// The only files reading may leave next to an SQLite store are the ones
/// SQLite's WAL readers need (docs/security.md): an empty `-wal` and the
/// `-shm` index; nothing is written into the database or its log.
#[test]
fn reading_an_sqlite_store_leaves_only_an_empty_wal_and_its_index() {
    let new = reading_changes_nothing("ca.db", |name, bytes| {
        (name == "ca.db-wal" && bytes.is_empty()) || name == "ca.db-shm"
    });
    assert!(new.len() <= 2, "reading left {new:?}");
}

#[cfg(feature = "hdf5")]
#[test]
fn reading_an_hdf5_store_changes_nothing() {
    let new = reading_changes_nothing("ca.h5", |_, _| false);
    assert!(new.is_empty(), "reading left {new:?}");
}

#[test]
fn reading_a_missing_store_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["missing.db", "missing.h5", "sub/missing.db"] {
        let path = dir.path().join(file);
        let p = path.to_str().unwrap();
        for args in [
            vec!["ls", p],
            vec!["tree", p],
            vec!["info", p],
            vec!["runs", p],
            vec!["show", p, "x"],
            vec!["export", p],
        ] {
            let o = pet().args(&args).output().unwrap();
            assert!(!o.status.success(), "pet {args:?} should fail");
        }
    }
    assert!(
        snapshot(dir.path()).is_empty(),
        "{:?}",
        snapshot(dir.path()).keys()
    );
}
