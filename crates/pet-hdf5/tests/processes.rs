//! One writer per file across processes, many threads through one writer, and
//! crash safety under SIGKILL. Child processes are this test binary re-run with
//! `PET_HDF5_CHILD` set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use pet_core::testkit::crash::{self, say};
use pet_core::testkit::sweep::create_int_sweep;
use pet_core::{LoadSpec, PetError, Store, Trajectory};
use pet_hdf5::Hdf5Store;

const CHILD: &str = "PET_HDF5_CHILD";

fn spawn_child(role: &str, file: &Path, url_opts: &str) -> std::process::Child {
    spawn_crashing(role, file, url_opts, "")
}

/// A child that aborts at `crash_at` (`PET_HDF5_CRASH_AT`; empty: never).
fn spawn_crashing(role: &str, file: &Path, url_opts: &str, crash_at: &str) -> std::process::Child {
    let envs = [
        ("PET_FILE", file.as_os_str()),
        ("PET_URL_OPTS", OsStr::new(url_opts)),
        ("PET_HDF5_CRASH_AT", OsStr::new(crash_at)),
    ];
    crash::child_command(CHILD, role, envs)
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn child")
}

fn sweep(file: &Path, n: usize) {
    create_int_sweep(Arc::new(Hdf5Store::open(file).unwrap()), "sweep", n);
}

/// Entry point of child processes; does nothing in a normal test run.
#[test]
fn child_entry() {
    let Some(role) = crash::child_role(CHILD) else {
        return;
    };
    let file = std::env::var("PET_FILE").unwrap();
    let url = format!("hdf5://{file}{}", std::env::var("PET_URL_OPTS").unwrap());
    if role == "open" {
        // Only opens the store (recovering it), then closes it.
        drop(Hdf5Store::from_url(&url).unwrap());
        say("opened");
        return;
    }
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::from_url(&url).unwrap());
    match role.as_str() {
        // Holds the file open for writing until stdin closes.
        "holder" => {
            say("open");
            let mut buf = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut buf);
        }
        // Creates a store (and aborts at a crash point of its creation).
        "create" => {
            create_int_sweep(store, "sweep", 10);
            say("created");
        }
        // Stores runs one by one and reports each one stored, until killed.
        "crash" => {
            let t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
            crash::store_runs_reporting(&t, &store, "sweep", 3000);
        }
        other => panic!("unknown child role {other}"),
    }
}

#[test]
fn a_second_process_gets_a_clear_error_while_one_writes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("busy.h5");
    sweep(&file, 10);
    let mut child = spawn_child("holder", &file, "");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    crash::wait_for_line(&mut lines, "open");
    for url in [
        format!("hdf5://{}", file.display()),
        format!("hdf5://{}?mode=ro", file.display()),
    ] {
        let e = Hdf5Store::from_url(&url)
            .err()
            .expect("second writer must fail");
        assert!(
            matches!(e, PetError::Backend { .. }) && e.to_string().contains("another process"),
            "{e}"
        );
    }
    drop(child.stdin.take());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(child.wait().unwrap().success(), "{rest:?}");
    // Once the writer is gone the file opens and nothing was lost.
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
    assert_eq!(store.read_runs("sweep").unwrap().len(), 10);
}

#[test]
fn many_threads_store_through_one_writer() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("threads.h5");
    let n = 400;
    sweep(&file, n);
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
    let t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    let threads = 4;
    std::thread::scope(|s| {
        for k in 0..threads {
            let t = &t;
            let file = file.clone();
            s.spawn(move || {
                // Each thread opens its own handle: they share one writer.
                let store = Hdf5Store::open(&file).unwrap();
                for i in (k..n).step_by(threads) {
                    let mut run = t.run(i).unwrap();
                    let v: i64 = run.param("i").unwrap();
                    run.add_result("v", v * 3).unwrap();
                    store.store_run("sweep", &run.finish()).unwrap();
                }
            });
        }
    });
    drop(t);
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
    let mut t = Trajectory::load(store, "sweep", LoadSpec::default()).unwrap();
    crash::check_all_stored(&mut t, n, 1, 1);
}

fn crash_after(reports: usize, url_opts: &str, damage: bool) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crash.h5");
    let n = 20_000;
    sweep(&file, n);
    let mut child = spawn_child("crash", &file, url_opts);
    let reported = crash::kill_after_reports(&mut child, reports);
    if damage {
        // The worst case: the kill tore an HDF5 flush and the file no longer opens.
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[..2048].fill(0);
        std::fs::write(&file, bytes).unwrap();
        let e = Hdf5Store::open(&file)
            .err()
            .expect("a damaged file must not open");
        assert!(e.to_string().contains("journal"), "{e}");
    }
    // Opening replays the journal of the killed writer (and, in backup mode,
    // restores a damaged file from the copy taken at open first).
    let url = format!("hdf5://{}{url_opts}", file.display());
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::from_url(&url).unwrap());
    let mut t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    let context = format!(" ({url_opts}, kill after {reports})");
    let completed = crash::check_after_crash(&mut t, n, &reported, 3000, &context);
    // The file takes new runs after the crash, and the journal was emptied.
    crash::store_after_crash(&t, &store, "sweep", completed.len());
    drop(t);
    drop(store);
    let journal = dir.path().join("crash.h5.journal");
    assert!(std::fs::metadata(&journal).unwrap().len() <= 8);
    assert!(!dir.path().join("crash.h5.bak").exists());
}

#[test]
fn sigkill_while_storing_loses_no_reported_run_and_leaves_no_half_run() {
    // Frequent checkpoints (every 25 runs) so that kills also land inside HDF5 flushes.
    for reports in [1, 60, 333] {
        crash_after(reports, "?checkpoint=25", false);
    }
    // A flush after every run: most kills land inside or next to one.
    crash_after(200, "?checkpoint=1", false);
    // Default checkpoints: everything since the last one comes from the journal.
    crash_after(500, "", false);
}

#[test]
fn a_file_damaged_by_a_crash_is_restored_from_the_known_good_copy() {
    crash_after(150, "?recovery=backup", true);
}

/// Runs a "crash" child that aborts at `point` (inside a checkpoint), and
/// returns the runs it reported stored.
fn abort_inside_checkpoint(file: &Path, url_opts: &str, point: &str) -> Vec<usize> {
    let mut child = spawn_crashing("crash", file, url_opts, point);
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let reported: Vec<usize> = lines
        .map_while(Result::ok)
        .filter_map(|l| l.strip_prefix("stored ").and_then(|i| i.parse().ok()))
        .collect();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child did not reach {point}");
    reported
}

fn check_recovered(file: &Path, n: usize, reported: &[usize], context: &str) {
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(file).unwrap());
    let mut t = Trajectory::load(store.clone(), "sweep", LoadSpec::default()).unwrap();
    let completed = crash::check_after_crash(&mut t, n, reported, 3000, context);
    crash::store_after_crash(&t, &store, "sweep", completed.len());
}

#[test]
fn a_kill_inside_a_checkpoint_loses_nothing_and_the_file_opens() {
    // Every point of a checkpoint: after its commit log is whole, and with
    // half of its pages written into the file; early and late in the sweep.
    for point in [
        "log-written:3",
        "half-applied:3",
        "half-applied:40",
        "log-written:150",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("flush.h5");
        let n = 400;
        sweep(&file, n);
        let reported = abort_inside_checkpoint(&file, "?checkpoint=1", point);
        assert!(!reported.is_empty() || point.ends_with(":3"), "{point}");
        let commit = dir.path().join("flush.h5.commit");
        if point.starts_with("half-applied") {
            assert!(
                commit.exists(),
                "{point}: the torn checkpoint left no commit log"
            );
        }
        check_recovered(&file, n, &reported, &format!(" (killed at {point})"));
        assert!(
            !commit.exists(),
            "{point}: the commit log outlived the recovery"
        );
    }
}

#[test]
fn a_kill_during_recovery_is_recovered_by_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recover.h5");
    let n = 400;
    sweep(&file, n);
    // Killed with a journal to replay and a torn checkpoint ...
    let reported = abort_inside_checkpoint(&file, "?checkpoint=50", "half-applied:4");
    // ... then the resume is killed inside the checkpoint that ends its replay.
    let mut child = spawn_crashing("open", &file, "", "half-applied:1");
    assert!(
        !child.wait().unwrap().success(),
        "the recovery was not killed"
    );
    check_recovered(&file, n, &reported, " (killed during recovery)");
}

#[test]
fn a_kill_while_the_store_is_created_leaves_no_half_made_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.h5");
    let mut child = spawn_crashing("create", &file, "", "created");
    assert!(
        !child.wait().unwrap().success(),
        "the creation was not killed"
    );
    assert!(!file.exists(), "a half-made store is in place");
    // The next run creates the store as if nothing had happened.
    let mut child = spawn_crashing("create", &file, "", "");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    crash::wait_for_line(&mut lines, "created");
    assert!(child.wait().unwrap().success());
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).unwrap());
    assert_eq!(store.read_runs("sweep").unwrap().len(), 10);
    assert!(!dir.path().join("new.h5.creating").exists());
}
