//! Shared by the tests of `shared_sweep`: starting copies, reading their
//! `ran K runs` line, checking the store they shared.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod hosts;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use pet::{LoadSpec, Trajectory};

pub const EXE: &str = env!("CARGO_BIN_EXE_shared_sweep");

/// Starts one copy in `dir` with extra arguments and environment.
pub fn start(dir: &Path, url: &str, n: usize, args: &[&str], lease: Option<&str>) -> Child {
    start_as(&[], dir, url, n, args, lease)
}

/// [`start`] under a command prefix (`ip netns exec HOST ...`).
pub fn start_as(
    prefix: &[&str],
    dir: &Path,
    url: &str,
    n: usize,
    args: &[&str],
    lease: Option<&str>,
) -> Child {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(EXE);
            c
        }
        None => Command::new(EXE),
    };
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
pub fn ran(mut child: Child) -> usize {
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
pub fn check_store(url: &str, n: usize) -> Vec<f64> {
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
