//! The adaptive example resumed after SIGKILL: the second run continues the
//! generations the first had not finished and reaches the same best point, with
//! the same points, as an uninterrupted run with the same seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use pet::{LoadSpec, Trajectory};

const EXE: &str = env!("CARGO_BIN_EXE_adaptive");

fn run_to_end(dir: &Path, url: &str) -> Vec<String> {
    let out = Command::new(EXE)
        .arg(url)
        .current_dir(dir)
        .env("PET_PROGRESS", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn points(url: &str) -> Vec<(String, bool)> {
    let store = pet::open_store(url).unwrap();
    let t = Trajectory::load(store, "adaptive", LoadSpec::default()).unwrap();
    (0..t.len())
        .map(|i| {
            let r = t.run_info(i).unwrap();
            (r.summary.clone(), r.completed)
        })
        .collect()
}

#[test]
fn adaptive_resumed_after_sigkill_reaches_the_same_best_point() {
    let dir = tempfile::tempdir().unwrap();
    let whole = format!("sqlite://{}", dir.path().join("whole.db").display());
    let lines = run_to_end(dir.path(), &whole);
    let best = lines.last().unwrap().clone();
    assert!(best.starts_with("best of 160 runs"), "{lines:?}");

    let cut = format!("sqlite://{}", dir.path().join("cut.db").display());
    let mut child = Command::new(EXE)
        .args([cut.as_str(), "--sleep-ms", "20"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().starts_with("generation 3:") {
            break;
        }
    }
    // SIGKILL in the middle of generation 4.
    std::thread::sleep(std::time::Duration::from_millis(60));
    child.kill().unwrap();
    child.wait().unwrap();
    let before = points(&cut);
    let done_before = before.iter().filter(|p| p.1).count();
    assert!(
        (64..160).contains(&done_before),
        "the kill must land mid-sweep: {done_before} runs done"
    );

    let lines = run_to_end(dir.path(), &cut);
    assert!(
        lines.iter().any(|l| l.starts_with("resuming: ")),
        "{lines:?}"
    );
    assert_eq!(lines.last().unwrap(), &best, "{lines:?}");
    let after = points(&cut);
    assert_eq!(after, points(&whole), "the same points, all completed");
    assert!(after.iter().all(|p| p.1));
}
