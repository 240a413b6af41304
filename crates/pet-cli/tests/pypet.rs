//! The real `pet` binary on real pypet files (written by pypet 0.7.0 through
//! `pet_pypet::testkit`): every read command, `pet migrate` with its
//! conversion report and pickle warning, and writes refused with the advice to
//! migrate; the pypet file keeps every byte. Needs `--features pypet`.
#![cfg(feature = "pypet")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pet;
use std::path::{Path, PathBuf};

/// Case `case` written by pypet 0.7.0, copied into `dir` (the tests never
/// touch the shared cache), and its bytes.
fn pypet_file(dir: &Path, case: &str) -> (PathBuf, Vec<u8>) {
    let c = pet_pypet::testkit::case("0.7.0", case).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join(format!("{case}.hdf5"));
    std::fs::copy(&c.file, &file).unwrap();
    let bytes = std::fs::read(&file).unwrap();
    (file, bytes)
}

/// Runs `pet args…`, asserts success, returns (stdout, stderr).
fn ok(args: &[&str]) -> (String, String) {
    let o = pet().args(args).output().unwrap();
    let (out, err) = (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    );
    assert!(o.status.success(), "pet {args:?} failed:\n{out}\n{err}");
    (out, err)
}

/// Runs `pet args…`, asserts failure, returns stderr.
fn refused(args: &[&str]) -> String {
    let o = pet().args(args).output().unwrap();
    assert!(
        !o.status.success(),
        "pet {args:?} should fail:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn read_commands_on_the_basic_example() {
    let dir = tempfile::tempdir().unwrap();
    let (file, before) = pypet_file(dir.path(), "basic");
    let f = file.to_str().unwrap();
    let url = format!("pypet://{f}");

    for store in [f, url.as_str()] {
        let (ls, _) = ok(&["ls", store]);
        let row = ls
            .lines()
            .find(|l| l.starts_with("Multiplication"))
            .unwrap();
        assert!(
            row.contains("12") && row.contains("The first example!"),
            "{ls}"
        );
    }

    let (tree, _) = ok(&["tree", f]);
    assert!(tree.starts_with("Multiplication (12 runs)"), "{tree}");
    for want in [
        "I am the first dimension!",
        "I am the second dimension!",
        "one group per run",
    ] {
        assert!(tree.contains(want), "{want} not in:\n{tree}");
    }
    let (sub, _) = ok(&["tree", f, "results.runs.run_00000005"]);
    assert!(
        sub.contains("Result of our simulation!") && !sub.contains("run_00000004"),
        "{sub}"
    );

    let (show, _) = ok(&["show", f, "results.runs.run_00000005.z"]);
    assert!(show.contains("Result of our simulation!"), "{show}");
    assert!(show.lines().any(|l| l.trim() == "z: 16"), "{show}");
    let (x, _) = ok(&["show", f, "parameters.x"]);
    assert!(x.contains("I am the first dimension!"), "{x}");

    let (runs, _) = ok(&["runs", f, "--where", "x * y > 20"]);
    let matched: Vec<&str> = runs
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("run_"))
        .collect();
    assert_eq!(
        matched,
        [7, 8, 9, 10, 11].map(|i| format!("run_{i:08}")),
        "{runs}"
    );
    assert!(runs.contains("5 of 12 runs match"), "{runs}");

    let (csv, _) = ok(&["export", f, "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "run,name,completed,x,y,z", "{csv}");
    assert_eq!(lines.len(), 13, "{csv}");
    assert_eq!(lines[6], "5,run_00000005,true,2.0,8.0,16.0", "{csv}");

    let (info, _) = ok(&["info", f]);
    for want in [
        "trajectory: Multiplication",
        "comment: The first example!",
        "pypet 0.7.0",
        "runs: 12 (12 completed, 0 pending)",
        "explored: parameters.x, parameters.y",
    ] {
        assert!(info.contains(want), "{want} not in:\n{info}");
    }

    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "a read changed the pypet file"
    );
}

#[test]
fn migrate_prints_the_report_and_the_copy_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (file, before) = pypet_file(dir.path(), "basic");
    let db = dir.path().join("basic.db");
    let dst = format!("sqlite://{}", db.display());
    let (out, err) = ok(&["migrate", file.to_str().unwrap(), &dst]);
    assert!(
        out.contains("Multiplication: 12 runs, 24 run nodes,"),
        "{out}"
    );
    let summary = out
        .lines()
        .find(|l| l.starts_with("pypet trajectory 'Multiplication': "))
        .unwrap_or_else(|| panic!("no conversion report in:\n{out}"));
    assert!(
        summary.ends_with(" converted, 0 carried as opaque pickles, 0 skipped"),
        "{summary}"
    );
    assert!(out.contains("migrated 1 trajectories to"), "{out}");
    assert!(
        !err.contains("warning:"),
        "no pickle in the basic example: {err}"
    );
    // The copy is a pet store and says the same as the pypet file.
    let (show, _) = ok(&["show", db.to_str().unwrap(), "results.runs.run_00000005.z"]);
    assert!(show.lines().any(|l| l.trim() == "z: 16"), "{show}");
    let (a, _) = ok(&["export", file.to_str().unwrap(), "--format", "csv"]);
    let (b, _) = ok(&["export", db.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(a, b);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "migrate changed the pypet file"
    );
}

#[test]
fn migrate_warns_of_every_pickle_and_names_skipped_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let (file, before) = pypet_file(dir.path(), "types");
    let dst = format!("sqlite://{}", dir.path().join("types.db").display());
    let (out, err) = ok(&["migrate", file.to_str().unwrap(), &dst]);
    assert!(
        out.contains("pypet trajectory 'types': ") && out.contains(" 1 skipped"),
        "{out}"
    );
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no pickle warning on stderr:\n{err}"));
    assert!(warning.contains("never unpickled"), "{warning}");
    for p in [
        "parameters.pick.obj",
        "parameters.xpick",
        "results.pickle",
        "results.pickled_list",
        "results.runs.run_00000002.pick",
        "results.strframe",
    ] {
        assert!(warning.contains(p), "{p} not in: {warning}");
    }
    assert!(
        err.lines()
            .any(|l| l.starts_with("skipped /types/lnk: ") && l.contains("root")),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn writes_into_a_pypet_file_are_refused_with_the_advice_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let (file, before) = pypet_file(dir.path(), "basic");
    let f = file.to_str().unwrap();
    let db = dir.path().join("copy.db");
    let db_url = format!("sqlite://{}", db.display());
    ok(&["migrate", f, &db_url]);
    let d = db.to_str().unwrap();
    let pypet_url = format!("pypet://{f}");
    for into in [f, pypet_url.as_str()] {
        let err = refused(&["merge", d, d, "--into", into]);
        assert!(err.contains("written by pypet"), "{err}");
        assert!(err.contains("pet migrate FILE sqlite://new.db"), "{err}");
        let err = refused(&["migrate", d, into]);
        assert!(err.contains("pypet"), "{err}");
        assert!(err.contains("migrate"), "{err}");
    }
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the pypet file changed"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("basic"))
        .collect();
    assert_eq!(
        names,
        ["basic.hdf5"],
        "files appeared beside the pypet file"
    );
}
