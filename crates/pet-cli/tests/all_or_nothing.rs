//! `pet migrate` and `pet merge` that fail part-way (a source store damaged
//! in a late run) leave the destination as they found it: a new file store is
//! not created at all (nor its directories, temporary or sidecar files), and
//! an existing store keeps what it held and gains nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pet_core::{vals, LoadSpec, Trajectory};

fn url(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Trajectory `name` with one run per rule, each with a result `density`.
fn add_trajectory(path: &Path, name: &str, rules: &[i64]) {
    let store = pet_stores::open(url(path)).unwrap();
    let mut t = Trajectory::create(store, name, "ca").unwrap();
    t.add_parameter("rule_number", 0i64, "Wolfram rule")
        .unwrap();
    t.explore([("rule_number", vals(rules.to_vec()))]).unwrap();
    t.store().unwrap();
    for i in 0..t.len() {
        let mut run = t.run(i).unwrap();
        let rule: i64 = run.param("rule_number").unwrap();
        run.add_result("density", rule as f64 / 256.0).unwrap();
        run.add_result("label", format!("rule {rule}")).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
}

/// An SQLite store holding `good` (intact) and `ca` (8 runs; run 6 unreadable).
fn damaged_source(dir: &Path) -> PathBuf {
    let src = dir.join("src.db");
    add_trajectory(&src, "good", &[1, 2]);
    add_trajectory(&src, "ca", &[10, 30, 90, 110, 150, 170, 184, 190]);
    sql(
        &src,
        "UPDATE items SET kind = 'bogus'
         WHERE run = 6 AND path LIKE '%density'
           AND traj = (SELECT id FROM trajectories WHERE name = 'ca');",
    );
    // Runs before it still read, the run itself does not.
    let store = pet_stores::open_read_only(url(&src)).unwrap();
    let spec = pet_core::storage::ReadSpec::DATA;
    assert!(store.read_run_nodes("ca", 5, spec).is_ok());
    assert!(store.read_run_nodes("ca", 6, spec).is_err());
    src
}

fn names_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Asserts that `dir` holds nothing that was not in `before`, except the
/// `-wal`/`-shm` files SQLite leaves next to a store that was only read
/// (see `read_only.rs`); temporary files and sidecars of a destination count.
fn assert_nothing_new(dir: &Path, before: &BTreeSet<String>) {
    let new: Vec<String> = names_in(dir)
        .difference(before)
        .filter(|n| {
            !["-wal", "-shm"].iter().any(|suffix| {
                n.strip_suffix(suffix)
                    .is_some_and(|base| before.contains(base))
            })
        })
        .cloned()
        .collect();
    assert!(new.is_empty(), "left behind in {}: {new:?}", dir.display());
}

fn fails(args: &[&str]) -> String {
    let o = pet().args(args).output().unwrap();
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(
        !o.status.success(),
        "pet {args:?} should fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    stderr
}

fn assert_clear_copy_error(e: &str) {
    assert!(
        e.contains("copying trajectory 'ca'") && e.contains("bogus"),
        "the error should name the trajectory and the cause: {e}"
    );
    assert!(
        !e.contains("pet-partial"),
        "the error should not name the temporary file: {e}"
    );
}

fn failed_migrate_creates_nothing(ext: &str) {
    let dir = tempfile::tempdir().unwrap();
    let src = damaged_source(dir.path());
    let before = names_in(dir.path());
    for dst in [
        dir.path().join(format!("new.{ext}")),
        dir.path().join(format!("sub/deeper/new.{ext}")),
    ] {
        let e = fails(&["migrate", url(&src), url(&dst)]);
        assert_clear_copy_error(&e);
        assert!(!dst.exists(), "{} must not exist: {e}", dst.display());
        // No temporary, journal or WAL file, no directory made for it.
        assert_nothing_new(dir.path(), &before);
        // Only the damaged one: the good trajectory is not left behind either.
        let e = fails(&["migrate", url(&src), url(&dst), "--traj", "ca"]);
        assert_clear_copy_error(&e);
        assert_nothing_new(dir.path(), &before);
    }
    // The undamaged trajectory alone migrates, and nothing temporary stays.
    let dst = dir.path().join(format!("ok.{ext}"));
    let o = pet()
        .args(["migrate", url(&src), url(&dst), "--traj", "good"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let store = pet_stores::open_read_only(url(&dst)).unwrap();
    let t = Trajectory::load(store, "good", LoadSpec::all()).unwrap();
    assert_eq!(t.len(), 2);
    assert!(
        !names_in(dir.path())
            .iter()
            .any(|n| n.contains("pet-partial")),
        "{:?}",
        names_in(dir.path())
    );
}

#[test]
fn failed_migrate_to_a_new_sqlite_file_leaves_no_file() {
    failed_migrate_creates_nothing("db");
}

#[cfg(feature = "hdf5")]
#[test]
fn failed_migrate_to_a_new_hdf5_file_leaves_no_file() {
    failed_migrate_creates_nothing("h5");
}

/// A store holding trajectory `other`, and a check that it is still intact.
fn existing_store(path: &Path) -> impl Fn() {
    add_trajectory(path, "other", &[7, 8, 9]);
    let path = path.to_path_buf();
    move || {
        let store = pet_stores::open_read_only(url(&path)).unwrap();
        let names: Vec<String> = store.list().unwrap().into_iter().map(|i| i.name).collect();
        assert_eq!(names, ["other"], "{}", path.display());
        let mut t = Trajectory::load(store, "other", LoadSpec::all()).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(
            t.get_as::<f64>("results.runs.run_00000002.density")
                .unwrap(),
            9.0 / 256.0
        );
        assert_eq!(t.pending_runs().len(), 0);
    }
}

fn failed_migrate_keeps_an_existing_store(ext: &str) {
    let dir = tempfile::tempdir().unwrap();
    let src = damaged_source(dir.path());
    let dst = dir.path().join(format!("dst.{ext}"));
    let intact = existing_store(&dst);
    intact();
    let e = fails(&["migrate", url(&src), url(&dst), "--traj", "ca"]);
    assert_clear_copy_error(&e);
    intact();
    // Several trajectories: all or none ('good' was copied before 'ca' failed).
    let e = fails(&["migrate", url(&src), url(&dst)]);
    assert_clear_copy_error(&e);
    intact();
    // The store still takes new trajectories.
    let o = pet()
        .args(["migrate", url(&src), url(&dst), "--traj", "good"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn failed_migrate_into_an_existing_sqlite_store_adds_nothing() {
    failed_migrate_keeps_an_existing_store("db");
}

#[cfg(feature = "hdf5")]
#[test]
fn failed_migrate_into_an_existing_hdf5_store_adds_nothing() {
    failed_migrate_keeps_an_existing_store("h5");
}

#[test]
fn failed_merge_leaves_the_destination_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let damaged = damaged_source(dir.path());
    let fine = dir.path().join("fine.db");
    add_trajectory(&fine, "ca", &[10, 30, 500]);
    let mut exts = vec!["db"];
    if cfg!(feature = "hdf5") {
        exts.push("h5");
    }
    for ext in exts {
        // The first store is damaged (the copy fails), or the second one (the
        // merge fails after the first store was copied).
        for (a, b) in [(&damaged, &fine), (&fine, &damaged)] {
            let new = dir.path().join(format!("merged.{ext}"));
            let before = names_in(dir.path());
            let e = fails(&["merge", url(a), url(b), "--into", url(&new), "--traj", "ca"]);
            assert!(e.contains("bogus"), "{e}");
            let step = if a == &damaged {
                "copying trajectory 'ca'"
            } else {
                "merging trajectory 'ca'"
            };
            assert!(e.contains(step) && !e.contains("pet-partial"), "{e}");
            assert!(!new.exists(), "{e}");
            assert_nothing_new(dir.path(), &before);

            let existing = dir.path().join(format!("existing-{}.{ext}", before.len()));
            let intact = existing_store(&existing);
            let e = fails(&[
                "merge",
                url(a),
                url(b),
                "--into",
                url(&existing),
                "--traj",
                "ca",
            ]);
            assert!(e.contains("bogus"), "{e}");
            intact();
        }
    }
}

/// `pet migrate` from an SQLite file whose run table holds index -1 (the
/// defect: the HDF5 run table aborted on it after journalling it, so every
/// later open failed the same way): a clear error, and no destination file.
#[test]
fn migrate_of_a_negative_run_index_fails_cleanly_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("idx.db");
    add_trajectory(&src, "ca", &[10, 30]);
    sql(&src, "UPDATE runs SET idx = -1 WHERE idx = 1;");
    let dst = dir.path().join("out.h5");
    let out = pet()
        .args(["migrate", url(&src), url(&dst)])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("run index -1") && err.contains("idx.db"),
        "{err}"
    );
    assert!(!dst.exists(), "no destination file may be left");
    let mut j = dst.as_os_str().to_owned();
    j.push(".journal");
    assert!(!PathBuf::from(j).exists(), "no journal may be left");
}
