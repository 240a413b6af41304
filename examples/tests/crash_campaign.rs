//! The crash campaign, short: `crash_campaign` kills small sweeps 5 times per
//! mode (sequential, threads, processes) on SQLite, HDF5 and MongoDB, and
//! every failure count in its table must be zero, with the kills made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_crash_campaign");

/// Kills per backend × mode.
const KILLS: usize = 5;

/// Runs the campaign on `backend` (600 runs of 4 KB, kills after 2..700 ms
/// unless `extra` says otherwise) and checks its table.
fn campaign(backend: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    // The first of a flag given twice counts: `extra` comes first.
    let out = Command::new(EXE)
        .args(extra)
        .args(["--backends", backend, "--kills", &KILLS.to_string()])
        .args([
            "--runs", "600", "--kb", "4", "--min-ms", "2", "--max-ms", "700",
        ])
        .arg("--dir")
        .arg(dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with(&format!("| {backend} |")))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(
        rows.len(),
        3,
        "one row per mode expected;\nstdout:\n{stdout}\nstderr (end):\n{}",
        tail(&stderr)
    );
    for row in &rows {
        let n = |col: usize| row[col].parse::<usize>().unwrap();
        assert!(n(3) >= KILLS, "too few kills: {row:?}");
        let failures: Vec<usize> = (5..=9).map(n).collect();
        assert!(
            failures.iter().all(|&f| f == 0),
            "failures on {backend} {}: {row:?}\n{stdout}\nstderr (end):\n{}",
            row[1],
            tail(&stderr)
        );
    }
    assert!(out.status.success(), "{stdout}\n{}", tail(&stderr));
    eprintln!("{stdout}");
}

/// The last 4000 bytes of `s`.
fn tail(s: &str) -> &str {
    let mut at = s.len().saturating_sub(4000);
    while !s.is_char_boundary(at) {
        at += 1;
    }
    &s[at..]
}

#[test]
fn sqlite_survives_every_kill() {
    campaign("sqlite", &[]);
}

#[cfg(feature = "hdf5")]
#[test]
fn hdf5_survives_every_kill() {
    campaign("hdf5", &[]);
}

#[cfg(feature = "mongo")]
#[test]
fn mongo_survives_every_kill() {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/mongo-test-server.sh");
    let uri = pet_core::testkit::mongo_server::server_uri(&script);
    // The test server stores about 50 runs a second: fewer runs, later kills.
    let args = ["--mongo-url", &uri, "--runs", "60", "--max-ms", "2500"];
    campaign("mongo", &args);
}
