//! The real `pet` binary against hostile input: stores holding text that would
//! drive the terminal (escape sequences, OSC 52 clipboard writes, BEL, `\r`),
//! forged SQLite files, and `--where` expressions nested deep enough to
//! overflow a recursive parser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use std::path::{Path, PathBuf};

use pet_core::{vals, Quantity, Trajectory, Value};

/// Sets the clipboard (OSC 52, ended by BEL) and clears the screen.
const EVIL: &str = "x\x1b]52;c;AAAA\x07\x1b[2J\rover\u{9b}31m";
/// How `pet` must show it.
const SHOWN: &str = "x\\u{1b}]52;c;AAAA\\u{7}\\u{1b}[2J\\rover\\u{9b}31m";

/// A store (any backend, by extension) whose texts all carry [`EVIL`].
fn hostile_store(dir: &Path, file: &str) -> PathBuf {
    let path = dir.join(file);
    let store = pet_stores::open(path.to_str().unwrap()).unwrap();
    let mut t = Trajectory::create(store, "evil", &format!("traj {EVIL}")).unwrap();
    t.add_parameter("label", format!("p {EVIL}"), &format!("param {EVIL}"))
        .unwrap();
    t.add_parameter("x", 0i64, "").unwrap();
    t.explore([("x", vals(vec![1i64, 2]))]).unwrap();
    t.annotate("label", "note", format!("ann {EVIL}")).unwrap();
    t.add_result("summary", format!("res {EVIL}"), &format!("result {EVIL}"))
        .unwrap();
    t.add_result(
        "list",
        Value::List(vec![Value::from(EVIL), Value::from("b")]),
        "",
    )
    .unwrap();
    t.add_result(
        "speed",
        Value::Quantity(Quantity {
            value: Box::new(Value::from(3.0)),
            unit: format!("m/s {EVIL}"),
        }),
        "",
    )
    .unwrap();
    t.store().unwrap();
    for i in 0..t.len() {
        let mut run = t.run(i).unwrap();
        run.add_result("word", format!("w {EVIL}")).unwrap();
        t.store_run(&run.finish()).unwrap();
    }
    path
}

fn run_pet(args: &[&str]) -> (bool, Vec<u8>, Vec<u8>) {
    let o = pet().args(args).output().unwrap();
    (o.status.success(), o.stdout, o.stderr)
}

/// Asserts that `bytes` hold no control character a terminal acts on (only
/// newlines), and returns them as text.
fn assert_inert(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let bad: Vec<char> = text
        .chars()
        .filter(|c| (c.is_control() && *c != '\n') || ('\u{80}'..='\u{9f}').contains(c))
        .collect();
    assert!(
        !bytes.contains(&0x1b) && !bytes.contains(&0x07) && bad.is_empty(),
        "{what} prints control characters {bad:?}:\n{text}"
    );
    text
}

fn check_every_browse_command(db: &str) {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["ls", db], "traj "),
        (vec!["tree", db], "param "),
        (vec!["tree", db], "result "),
        (vec!["tree", db, "results.runs.run_00000001"], ""),
        (vec!["show", db, "label"], "param "),
        (vec!["show", db, "label"], "ann "),
        (vec!["show", db, "summary"], "result "),
        (vec!["show", db, "summary"], "res "),
        (vec!["show", db, "list"], ""),
        (vec!["show", db, "speed"], "m/s "),
        (vec!["show", db, "results.runs.run_00000001.word"], "w "),
        (vec!["info", db], "traj "),
        (vec!["runs", db], ""),
        (vec!["runs", db, "--where", "x > 1"], ""),
        (vec!["export", db, "--format", "json"], ""),
    ];
    for (args, prefix) in cases {
        let (ok, stdout, stderr) = run_pet(&args);
        let text = assert_inert(&format!("pet {args:?}"), &stdout);
        assert_inert(&format!("pet {args:?} (stderr)"), &stderr);
        assert!(ok, "pet {args:?}: {}", String::from_utf8_lossy(&stderr));
        if !prefix.is_empty() {
            assert!(
                text.contains(&format!("{prefix}{SHOWN}")),
                "pet {args:?} should show {prefix}{SHOWN}:\n{text}"
            );
        }
    }
}

#[test]
fn stored_text_cannot_drive_the_terminal_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_store(dir.path(), "evil.db");
    check_every_browse_command(db.to_str().unwrap());
}

#[cfg(feature = "hdf5")]
#[test]
fn stored_text_cannot_drive_the_terminal_hdf5() {
    let dir = tempfile::tempdir().unwrap();
    let h5 = hostile_store(dir.path(), "evil.h5");
    check_every_browse_command(h5.to_str().unwrap());
}

#[test]
fn forged_sqlite_text_is_escaped_in_output_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_store(dir.path(), "forged.db");
    // Texts pet itself never writes like this: version, type info, run names,
    // summaries, link targets, item names.
    sql(
        &db,
        "UPDATE trajectories SET pet_version = 'v' || char(27) || '[2J' || char(7);
         UPDATE nodes SET type_info = 'str' || char(27) || ']0;title' || char(7) WHERE type_info IS NOT NULL;
         UPDATE runs SET summary = 'x=1' || char(13) || char(27) || '[2K';
         UPDATE items SET item = 'it' || char(27) || '[5m' WHERE path = 'results.summary';",
    );
    let db = db.to_str().unwrap();
    for args in [
        vec!["ls", db],
        vec!["tree", db],
        vec!["info", db],
        vec!["runs", db],
        vec!["show", db, "summary"],
        vec!["show", db, "label"],
        vec!["export", db, "--format", "json"],
    ] {
        let (_, stdout, stderr) = run_pet(&args);
        assert_inert(&format!("pet {args:?}"), &stdout);
        assert_inert(&format!("pet {args:?} (stderr)"), &stderr);
    }
    // A forged run name is refused, and the message quoting it is inert.
    let bad_run = dir.path().join("bad-run.db");
    std::fs::copy(db, &bad_run).unwrap();
    sql(
        &bad_run,
        "UPDATE runs SET name = 'run' || char(27) || '[1A' || char(7) WHERE idx = 0;",
    );
    let bad_run = bad_run.to_str().unwrap();
    for args in [
        vec!["runs", bad_run],
        vec!["tree", bad_run],
        vec!["ls", bad_run],
    ] {
        let (_, stdout, stderr) = run_pet(&args);
        assert_inert(&format!("pet {args:?}"), &stdout);
        assert_inert(&format!("pet {args:?} (stderr)"), &stderr);
    }
    let (ok, stdout, stderr) = run_pet(&["info", db]);
    let info = String::from_utf8(stdout).unwrap();
    assert!(
        ok && info.contains("by pet v\\u{1b}[2J\\u{7}"),
        "{info}{}",
        String::from_utf8_lossy(&stderr)
    );
}

#[test]
fn deeply_nested_where_expressions_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_store(dir.path(), "ca.db");
    let db = db.to_str().unwrap();
    // Each fits in one command-line argument (at most 128 KiB on Linux) and in
    // the expression length limit, and nests far deeper than allowed.
    let n = 30_000;
    for expr in [
        format!("{}x{}", "(".repeat(n), ")".repeat(n)),
        format!("{}x > 1", "(".repeat(2 * n)),
        format!("{}(x > 1)", "!".repeat(2 * n)),
        format!("{}x > 1", "- ".repeat(n)),
        format!("x{} > 1", " + 1".repeat(n / 2)),
    ] {
        // `--where=…`: the expression may start with '-'.
        let arg = format!("--where={expr}");
        let o = pet().args(["runs", db, &arg]).output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(1),
            "expected a clean error, got {:?}: {stderr}",
            o.status
        );
        assert!(
            stderr.contains("bad --where expression")
                && stderr.contains("nests deeper than 128 levels"),
            "{stderr}"
        );
    }
    let long = format!("x > 1{}", " ".repeat(70_000));
    let o = pet().args(["runs", db, "--where", &long]).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && stderr.contains("at most 65536 are accepted"),
        "{stderr}"
    );
    // Nesting within the limit still works.
    let ok = format!("{}x{} > 1", "(".repeat(100), ")".repeat(100));
    let o = pet().args(["runs", db, "--where", &ok]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 of 2 runs match"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A leaf whose stored shape is forged is reported as unreadable, with what
/// is wrong, not as missing with advice to list the tree.
#[test]
fn a_forged_shape_is_reported_as_unreadable_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    let db = hostile_store(dir.path(), "forged.db");
    sql(
        &db,
        "UPDATE items SET kind = 'array', dtype = 'f64', shape = '[2305843009213693952]', data = x''
         WHERE path = 'results.runs.run_00000000.word';",
    );
    let p = db.to_str().unwrap();
    let (ok, _, err) = run_pet(&["show", p, "results.runs.run_00000000.word"]);
    let err = String::from_utf8_lossy(&err);
    assert!(!ok);
    assert!(
        err.contains("cannot read") && err.contains("larger than this machine"),
        "{err}"
    );
    assert!(!err.contains("no node"), "{err}");
}
