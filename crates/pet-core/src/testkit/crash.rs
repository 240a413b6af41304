//! Multi-process and crash tests: the test binary re-runs itself as a child that
//! reports `stored N` on stdout for every run it stored, is killed with SIGKILL,
//! and the store is checked for every reported run and no half-stored one.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;

use crate::{LoadLevel, Store, Trajectory};

/// The name of the test that child processes run (`fn child_entry` in the test file).
pub const CHILD_TEST: &str = "child_entry";

/// A command that re-runs this test binary's `child_entry` test alone, with
/// `var` set to `role` and `envs` set, stdout piped and stderr inherited.
pub fn child_command<K, V>(var: &str, role: &str, envs: impl IntoIterator<Item = (K, V)>) -> Command
where
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        CHILD_TEST,
        "--exact",
        "--nocapture",
        "--test-threads=1",
        "-q",
    ])
    .env(var, role)
    .envs(envs)
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    cmd
}

/// The role of this process when it is a child (`var` set), or `None` in a normal test run.
pub fn child_role(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// In a child spawned with `PET_DB` and `PET_ARGS` set: its role (from `var`), the
/// database and the numbers of `PET_ARGS`; `None` in a normal test run.
pub fn child_db_args(var: &str) -> Option<(String, String, Vec<usize>)> {
    let role = child_role(var)?;
    Some((
        role,
        std::env::var("PET_DB").unwrap(),
        env_numbers("PET_ARGS"),
    ))
}

/// The comma-separated numbers in environment variable `var`.
pub fn env_numbers(var: &str) -> Vec<usize> {
    std::env::var(var)
        .unwrap()
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect()
}

/// Writes one line to stdout and flushes it, so the parent sees it at once.
pub fn say(line: &str) {
    let out = std::io::stdout();
    let mut lock = out.lock();
    writeln!(lock, "{line}").unwrap();
    lock.flush().unwrap();
}

/// Child side: stores every run of `traj` one by one (results `a`, an `array_len`
/// f64 array `b` and items `c`), saying `stored N` after each, until killed.
pub fn store_runs_reporting(t: &Trajectory, store: &Arc<dyn Store>, traj: &str, array_len: usize) {
    for i in 0..t.len() {
        let mut run = t.run(i).unwrap();
        let v: i64 = run.param("i").unwrap();
        run.add_result("a", v).unwrap();
        run.add_result("b", ndarray::Array1::from_elem(array_len, v as f64))
            .unwrap();
        run.add_result_items("c", [("x", (v * 2).into()), ("y", "done".into())], "")
            .unwrap();
        store.store_run(traj, &run.finish()).unwrap();
        say(&format!("stored {i}"));
    }
}

/// The run index of a `stored N` line.
fn stored_index(line: &str) -> Option<usize> {
    line.strip_prefix("stored ").and_then(|i| i.parse().ok())
}

/// Reads the lines of a child's stdout until it says `want` (panics if it ends first).
pub fn wait_for_line(lines: &mut Lines<BufReader<ChildStdout>>, want: &str) {
    loop {
        if lines.next().expect("child ended early").unwrap() == want {
            break;
        }
    }
}

/// Parent side: reads `stored N` lines until `reports` came, SIGKILLs the child,
/// and returns every run index it reported (also those said before the kill landed).
pub fn kill_after_reports(child: &mut Child, reports: usize) -> Vec<usize> {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut reported = Vec::new();
    while reported.len() < reports {
        let line = lines.next().expect("child ended early").unwrap();
        if let Some(i) = line.strip_prefix("stored ") {
            reported.push(i.parse::<usize>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reported.extend(lines.map_while(Result::ok).filter_map(|l| stored_index(&l)));
    reported
}

/// Checks a store after the crash of a child running [`store_runs_reporting`] over
/// `n` runs: every reported run is complete, the child was killed mid-way, every
/// complete run has all its data (array of `array_len`), and no run is half-stored.
/// `context` is appended to the failure message. Returns the completed runs.
pub fn check_after_crash(
    t: &mut Trajectory,
    n: usize,
    reported: &[usize],
    array_len: usize,
    context: &str,
) -> Vec<usize> {
    let completed: Vec<usize> = (0..n)
        .filter(|&i| t.run_info(i).unwrap().completed)
        .collect();
    for &i in reported {
        assert!(
            t.run_info(i).unwrap().completed,
            "run {i} was reported stored but is not complete{context}"
        );
    }
    assert!(completed.len() >= reported.len());
    assert!(
        completed.len() < n,
        "the child should have been killed mid-way"
    );
    t.load_branch("results.runs", LoadLevel::Data).unwrap();
    for &i in &completed {
        let base = format!("results.runs.run_{i:08}");
        assert_eq!(t.get_as::<i64>(&format!("{base}.a")).unwrap(), i as i64);
        let b: ndarray::ArrayD<f64> = t.get_as(&format!("{base}.b")).unwrap();
        assert_eq!(b.len(), array_len);
        assert!(b.iter().all(|&x| x == i as f64));
        assert_eq!(
            t.get_item(&format!("{base}.c"), "y").unwrap(),
            "done".into()
        );
    }
    // Nothing half-stored: every stored leaf belongs to a completed run.
    assert_eq!(
        t.leaves("results.runs").len(),
        3 * completed.len(),
        "half-stored runs found"
    );
    completed
}

/// Stores run `index` of `traj` (result `a` = -1): the store takes new runs after a crash.
pub fn store_after_crash(t: &Trajectory, store: &Arc<dyn Store>, traj: &str, index: usize) {
    let mut run = t.run(index).unwrap();
    run.add_result("a", -1i64).unwrap();
    store.store_run(traj, &run.finish()).unwrap();
}

/// Checks that writers stored every one of the `n` runs of `t` (loaded afresh)
/// with `leaves_per_run` results each, and result `v` = 3 i for every `step`-th run.
pub fn check_all_stored(t: &mut Trajectory, n: usize, leaves_per_run: usize, step: usize) {
    assert_eq!(t.len(), n);
    assert!(
        t.pending_runs().is_empty(),
        "lost {} runs: {:?}",
        t.pending_runs().len(),
        t.pending_runs()
    );
    t.load_branch("results.runs", LoadLevel::Data).unwrap();
    assert_eq!(t.leaves("results.runs").len(), leaves_per_run * n);
    for i in (0..n).step_by(step) {
        assert_eq!(
            t.get_as::<i64>(&format!("results.runs.run_{i:08}.v"))
                .unwrap(),
            3 * i as i64
        );
    }
}

/// The completed runs of `t` with the time each finished: what a resume must
/// leave as it is ([`check_not_run_again`]).
pub fn finish_times(t: &Trajectory) -> Vec<(usize, f64)> {
    t.run_infos()
        .iter()
        .filter(|r| r.completed)
        .map(|r| (r.index, r.finished.unwrap()))
        .collect()
}

/// Checks that every run of `before` ([`finish_times`] of an earlier load)
/// still has its finish time in `t`: none of them ran again.
pub fn check_not_run_again(t: &Trajectory, before: &[(usize, f64)]) {
    for &(i, finished) in before {
        assert_eq!(
            t.run_info(i).unwrap().finished,
            Some(finished),
            "run {i} was run again"
        );
    }
}
