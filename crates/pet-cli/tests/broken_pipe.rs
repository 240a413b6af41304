//! `pet tree STORE | head`: the reader leaves early; `pet` ends quietly
//! instead of panicking with "failed printing to stdout: Broken pipe".
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use pet_core::{vals, RunInfo, RunRecord, Trajectory};

#[test]
fn a_reader_that_leaves_early_ends_pet_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("many.db");
    let url = db.to_str().unwrap();
    let store = pet_stores::open(url).unwrap();
    let mut t = Trajectory::create(store.clone(), "many", "").unwrap();
    t.add_parameter("x", 0i64, "").unwrap();
    t.explore([("x", vals((0..3000i64).collect::<Vec<_>>()))])
        .unwrap();
    t.store().unwrap();
    let records: Vec<RunRecord> = (0..t.len())
        .map(|i| {
            let mut run = t.run(i).unwrap();
            run.add_result("z", i as f64).unwrap();
            run.finish()
        })
        .collect();
    store.store_runs("many", &records).unwrap();
    let _: Vec<RunInfo> = store.read_runs("many").unwrap();
    for args in [vec!["tree", url], vec!["runs", url]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pet"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The pipe closes here, long before pet has printed everything.
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "pet {args:?}: {err}");
        assert!(status.success(), "pet {args:?}: {status} {err}");
    }
}
