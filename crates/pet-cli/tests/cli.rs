//! The real `pet` binary against real SQLite stores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use assert_cmd::Command;
use common::pet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use pet_core::{vals, LoadSpec, Store, Trajectory, Value};
use pet_sqlite::SqliteStore;

fn ca_store(dir: &Path, file: &str, rules: &[i64]) -> PathBuf {
    let path = dir.join(file);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let mut t = Trajectory::create(store, "ca", "cellular automata").unwrap();
    t.add_parameter("rule_number", 0i64, "Wolfram rule")
        .unwrap();
    t.add_parameter("ncells", 40i64, "cells").unwrap();
    t.explore([("rule_number", vals(rules.to_vec()))]).unwrap();
    t.annotate("rule_number", "source", "Wolfram 1983").unwrap();
    t.store().unwrap();
    for i in 0..t.len() {
        let mut run = t.run(i).unwrap();
        let rule: i64 = run.param("rule_number").unwrap();
        run.add_result("density", rule as f64 / 256.0).unwrap();
        run.add_result(
            "pattern",
            ndarray::Array2::from_elem((5, 40), u8::from(rule % 3 == 0)),
        )
        .unwrap();
        run.add_result_items(
            "stats",
            [
                ("label", Value::from(format!("rule {rule}"))),
                ("n", Value::from(rule)),
            ],
            "",
        )
        .unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    path
}

fn out(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn err(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(
        !o.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "ls", "tree", "show", "runs", "export", "merge", "info", "migrate",
    ] {
        let text = out(pet().args([sub, "--help"]));
        assert!(text.contains("Usage: pet"), "{sub}: {text}");
    }
    assert!(out(pet().arg("--help")).contains("migrate"));
}

#[test]
fn ls_tree_show_info() {
    let dir = tempfile::tempdir().unwrap();
    let db = ca_store(dir.path(), "ca.db", &[10, 30, 90, 110, 184, 190]);
    let db = db.to_str().unwrap();
    let ls = out(pet().args(["ls", db]));
    assert!(
        ls.contains("ca") && ls.contains("6") && ls.contains("cellular automata"),
        "{ls}"
    );
    let tree = out(pet().args(["tree", db]));
    assert!(
        tree.contains("rule_number  (parameter i64 explored len=6)  # Wolfram rule  [source]"),
        "{tree}"
    );
    assert!(tree.contains("one group per run"), "{tree}");
    let sub = out(pet().args(["tree", db, "results.runs.run_00000002"]));
    assert!(sub.contains("pattern  (result array<u8>[5, 40])"), "{sub}");
    let show = out(pet().args(["show", db, "results.runs.run_00000001.pattern"]));
    assert!(
        show.contains("array<u8>[5, 40] min=1 max=1 mean=1"),
        "{show}"
    );
    let show = out(pet().args(["show", db, "rule_number"]));
    assert!(
        show.contains("explored (6 points): [10, 30, 90, 110, 184, 190]"),
        "{show}"
    );
    let info = out(pet().args(["info", db]));
    assert!(info.contains("runs: 6 (6 completed, 0 pending)"), "{info}");
}

#[test]
fn runs_where_selects_by_expression() {
    let dir = tempfile::tempdir().unwrap();
    let db = ca_store(dir.path(), "ca.db", &[10, 30, 90, 110, 184, 190]);
    let db = db.to_str().unwrap();
    let text = out(pet().args([
        "runs",
        db,
        "--where",
        "rule_number > 30 && rule_number < 120",
    ]));
    assert!(
        text.contains("run_00000002  completed  rule_number=90"),
        "{text}"
    );
    assert!(
        text.contains("run_00000003  completed  rule_number=110"),
        "{text}"
    );
    assert!(text.contains("2 of 6 runs match"), "{text}");
    let e = err(pet().args(["runs", db, "--where", "rule_numbr > 3"]));
    assert!(
        e.contains("rule_numbr") && e.contains("parameters.rule_number"),
        "{e}"
    );
    let e = err(pet().args(["runs", db, "--where", "rule_number = 3"]));
    assert!(e.contains("'=='"), "{e}");
}

#[test]
fn export_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = ca_store(dir.path(), "ca.db", &[10, 30]);
    let db = db.to_str().unwrap();
    let csv = out(pet().args(["export", db, "--format", "csv"]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "run,name,completed,rule_number,density,stats.label,stats.n"
    );
    assert_eq!(lines[2], "1,run_00000001,true,30,0.1171875,rule 30,30");
    let json_path = dir.path().join("out.json");
    out(pet().args([
        "export",
        db,
        "--format",
        "json",
        "--out",
        json_path.to_str().unwrap(),
    ]));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap();
    assert_eq!(v[0]["rule_number"], 10);
    assert_eq!(v[1]["density"], 30.0 / 256.0);
}

#[test]
fn migrate_copies_everything_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let src = ca_store(dir.path(), "src.db", &[10, 30, 90]);
    let dst = dir.path().join("dst.sqlite");
    let text = out(pet().args(["migrate", src.to_str().unwrap(), dst.to_str().unwrap()]));
    assert!(
        text.contains("ca: 3 runs") && text.contains("peak memory"),
        "{text}"
    );
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dst).unwrap());
    let mut t = Trajectory::load(store, "ca", LoadSpec::all()).unwrap();
    assert_eq!(
        t.get_as::<f64>("results.runs.run_00000002.density")
            .unwrap(),
        90.0 / 256.0
    );
    assert_eq!(
        t.node("rule_number").unwrap().annotations.get("source"),
        Some(&Value::from("Wolfram 1983"))
    );
    let e = err(pet().args(["migrate", src.to_str().unwrap(), dst.to_str().unwrap()]));
    assert!(e.contains("already holds trajectory 'ca'"), "{e}");
}

#[test]
fn merge_two_stores_into_a_third() {
    let dir = tempfile::tempdir().unwrap();
    let a = ca_store(dir.path(), "a.db", &[10, 30]);
    let b = ca_store(dir.path(), "b.db", &[30, 90]);
    let c = dir.path().join("c.db");
    let text = out(pet().args([
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--into",
        c.to_str().unwrap(),
        "--dedupe",
    ]));
    assert!(
        text.contains("1 runs added")
            && text.contains("1 duplicates skipped")
            && text.contains("3 runs"),
        "{text}"
    );
    let runs = out(pet().args(["runs", c.to_str().unwrap()]));
    assert!(
        runs.contains("run_00000002  completed  rule_number=90"),
        "{runs}"
    );
    let show = out(pet().args([
        "show",
        c.to_str().unwrap(),
        "results.runs.run_00000002.density",
    ]));
    assert!(show.contains(&(90.0f64 / 256.0).to_string()), "{show}");
}

#[test]
fn errors_name_the_problem_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let db = ca_store(dir.path(), "ca.db", &[10]);
    let db = db.to_str().unwrap();
    let e = err(pet().args(["show", db, "results.nope"]));
    assert!(e.contains("results.nope") && e.contains("pet tree"), "{e}");
    let e = err(pet().args(["ls", "ftp://host/x"]));
    assert!(e.contains("unknown store type 'ftp'"), "{e}");
    let e = err(pet().args(["ls", "notes.txt"]));
    assert!(e.contains("sqlite://"), "{e}");
    let missing = dir.path().join("missing.db");
    let e = err(pet().args(["ls", missing.to_str().unwrap()]));
    assert!(e.contains("does not exist"), "{e}");
    assert!(!missing.exists(), "reading must not create a store");
    if !cfg!(feature = "hdf5") {
        let e = err(pet().args(["ls", "x.h5"]));
        assert!(e.contains("`hdf5` feature"), "{e}");
    }
    // Two trajectories: --traj is needed.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(db).unwrap());
    let mut other = Trajectory::create(store, "other", "").unwrap();
    other.add_parameter("x", 1.0, "").unwrap();
    other.store().unwrap();
    let e = err(pet().args(["tree", db]));
    assert!(e.contains("--traj") && e.contains("ca, other"), "{e}");
    assert!(out(pet().args(["tree", db, "--traj", "other"])).contains("x  (parameter f64)"));
}
