//! Copies of `shared_sweep` sharing one store: started at once, in different
//! modes, they run every point exactly once between them; with one copy
//! killed (SIGKILL) mid-sweep, the others finish its claimed points once the
//! lease ends. On one SQLite file and on one MongoDB database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use common::{check_store, ran, start};

/// Four copies at once, in four modes: the K's sum to N.
pub fn four_copies_at_once(dir: &Path, url: &str) {
    let n = 240;
    let modes: [&[&str]; 4] = [
        &["--mode", "seq"],
        &["--mode", "threads=2"],
        &["--mode", "processes=2"],
        &["--mode", "seq", "--sleep-ms", "5"],
    ];
    let copies: Vec<Child> = modes.iter().map(|m| start(dir, url, n, m, None)).collect();
    let ks: Vec<usize> = copies.into_iter().map(ran).collect();
    eprintln!("runs per copy: {ks:?}");
    assert_eq!(ks.iter().sum::<usize>(), n, "{ks:?}");
    assert!(
        ks.iter().filter(|&&k| k > 0).count() >= 2,
        "the sweep was not shared: {ks:?}"
    );
    check_store(url, n);
    // Run again: nothing is left, so nothing runs.
    assert_eq!(ran(start(dir, url, n, &[], None)), 0);
}

/// One copy (on another host name) killed mid-sweep: the others finish every
/// point, the killed copy's claimed points once its lease (2 s) has ended.
pub fn killed_copy_is_finished_by_others(dir: &Path, url: &str) {
    let n = 300;
    let lease = 2.0;
    // The victim runs under another host name (a UTS namespace): the others
    // cannot tell whether it is alive, so they wait for its leases to end, as
    // copies on other machines do.
    let elsewhere = [
        "unshare",
        "--uts",
        "sh",
        "-c",
        "hostname \"$0\" && exec \"$@\"",
        "elsewhere",
    ];
    let victim = common::start_as(&elsewhere, dir, url, n, &["--mode", "seq"], Some("2"));
    let others: Vec<Child> = [
        ["--mode", "threads=2"],
        ["--mode", "seq"],
        ["--mode", "processes=2"],
    ]
    .iter()
    .map(|m| start(dir, url, n, m, Some("2")))
    .collect();
    // Kill the victim once it has stored runs (and holds a claim on more).
    let start_wait = Instant::now();
    let store = pet::open_store(url).unwrap();
    loop {
        let done = store.run_counts("shared").map(|c| c.completed).unwrap_or(0);
        if done >= 40 || start_wait.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut victim = victim;
    victim.kill().unwrap();
    victim.wait().unwrap();
    let killed_at = pet::now();
    let ks: Vec<usize> = others.into_iter().map(ran).collect();
    let finished = check_store(url, n);
    let last = finished.iter().copied().fold(f64::MIN, f64::max);
    eprintln!(
        "survivors ran {ks:?} of {n}; the killed copy stored {}; last run finished {:.2} s after the kill",
        n - ks.iter().sum::<usize>(),
        last - killed_at
    );
    // Whether the victim stored a run before the kill depends on timing; the
    // lease check below shows that it held claims the others had to wait for.
    assert!(ks.iter().sum::<usize>() <= n, "{ks:?}");
    assert!(
        last - killed_at >= lease / 2.0,
        "the killed copy's claimed runs were not left to its lease: last run {:.2} s after the kill",
        last - killed_at
    );
}

#[test]
fn sqlite_four_copies_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    four_copies_at_once(dir.path(), &url);
}

#[test]
fn sqlite_killed_copy_is_finished_by_others() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    killed_copy_is_finished_by_others(dir.path(), &url);
}

#[cfg(feature = "mongo")]
fn mongo_url(tag: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/mongo-test-server.sh");
    let uri = pet_core::testkit::mongo_server::server_uri(&script);
    let (base, query) = uri.split_once('?').unwrap_or((uri.as_str(), ""));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let db = format!("shared_{tag}_{}_{nanos}", std::process::id());
    let base = base.trim_end_matches('/');
    if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    }
}

#[cfg(feature = "mongo")]
#[test]
fn mongo_four_copies_at_once() {
    let dir = tempfile::tempdir().unwrap();
    four_copies_at_once(dir.path(), &mongo_url("four"));
}

#[cfg(feature = "mongo")]
#[test]
fn mongo_killed_copy_is_finished_by_others() {
    let dir = tempfile::tempdir().unwrap();
    killed_copy_is_finished_by_others(dir.path(), &mongo_url("kill"));
}

/// A copy killed with SIGKILL and started again at once on the same host
/// takes over the dead copy's claims without waiting for their lease (60 s):
/// a dead process on this host holds no lease.
#[test]
fn a_restarted_copy_takes_over_its_dead_predecessors_claims_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("restart.db").display());
    let n = 200;
    let mut first = start(dir.path(), &url, n, &["--mode", "threads=2"], None);
    let store = pet::open_store(&url).unwrap();
    let wait = Instant::now();
    while store.run_counts("shared").map(|c| c.completed).unwrap_or(0) < 30 {
        assert!(
            wait.elapsed() < Duration::from_secs(60),
            "the first copy stored nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let done = store.run_counts("shared").unwrap().completed;
    let restarted = Instant::now();
    let k = ran(start(dir.path(), &url, n, &["--mode", "threads=2"], None));
    let took = restarted.elapsed();
    eprintln!(
        "the restarted copy ran {k} runs in {:.1} s",
        took.as_secs_f64()
    );
    assert_eq!(k, n - done);
    assert!(
        took < Duration::from_secs(30),
        "it waited for the dead copy's leases: {took:?}"
    );
    check_store(&url, n);
}
