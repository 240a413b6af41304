//! Copies of `shared_sweep` sharing one store: started at once, in different
//! modes, they run every point exactly once between them; with one copy
//! killed (SIGKILL) mid-sweep, the others finish its claimed points once the
//! lease ends. On one SQLite file and on one MongoDB database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pet::{LoadSpec, Trajectory};

const EXE: &str = env!("CARGO_BIN_EXE_shared_sweep");

/// Starts one copy in `dir` with extra arguments and environment.
fn start(dir: &Path, url: &str, n: usize, args: &[&str], lease: Option<&str>) -> Child {
    let mut cmd = Command::new(EXE);
    cmd.arg(url)
        .arg(n.to_string())
        .args(args)
        .current_dir(dir)
        .env("PET_PROGRESS", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(secs) = lease {
        cmd.env("PET_LEASE_SECS", secs);
    }
    cmd.spawn().unwrap()
}

/// Waits for a copy and returns the K of its `ran K runs` line.
fn ran(mut child: Child) -> usize {
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "a copy failed: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got {out:?}");
    lines[0]
        .strip_prefix("ran ")
        .and_then(|r| r.strip_suffix(" runs"))
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("not a 'ran K runs' line: {out:?}"))
}

/// Every point is stored, once, with the right value; returns the finish times.
fn check_store(url: &str, n: usize) -> Vec<f64> {
    let store = pet::open_store(url).unwrap();
    let mut t = Trajectory::load(store, "shared", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), n);
    assert!(
        t.pending_runs().is_empty(),
        "left pending: {:?}",
        t.pending_runs()
    );
    let mut finished = Vec::new();
    for i in 0..n {
        let sq = t
            .get_as::<i64>(&format!("results.runs.run_{i:08}.sq"))
            .unwrap();
        assert_eq!(sq, (i * i) as i64, "run {i}");
        finished.push(t.run_info(i).unwrap().finished.unwrap());
    }
    finished
}

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

/// One copy killed mid-sweep: the others finish every point, the killed
/// copy's claimed points once its lease (2 s) has ended.
pub fn killed_copy_is_finished_by_others(dir: &Path, url: &str) {
    let n = 300;
    let lease = 2.0;
    let victim = start(dir, url, n, &["--mode", "seq"], Some("2"));
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
    assert!(
        ks.iter().sum::<usize>() < n,
        "the killed copy stored nothing: {ks:?}"
    );
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
