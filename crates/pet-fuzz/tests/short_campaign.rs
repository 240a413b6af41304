//! The short version of the fuzz campaign, run by the test suite: every target,
//! a few thousand inputs, under the 2 GiB memory limit. No input may panic,
//! abort or hang inside pet; what crashes inside the HDF5 C library itself is
//! counted apart (and located with gdb, which the setup script installs).
#![allow(clippy::unwrap_used)]

use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_pet-fuzz");

fn column(header: &str, name: &str) -> usize {
    header
        .split('|')
        .map(str::trim)
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column '{name}' in {header}"))
}

#[test]
fn every_target_survives_a_short_campaign() {
    assert!(
        Command::new("gdb").arg("--version").output().is_ok(),
        "gdb is needed to tell failures inside libhdf5 from pet's own; run scripts/setup-debian.sh"
    );
    let out = Command::new(EXE)
        .args(["--inputs", "4000", "--seed", "7", "--hang-secs", "10"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    eprintln!("{table}");
    assert!(out.status.success(), "the campaign failed:\n{table}");
    let header = table.lines().find(|l| l.starts_with("| target")).unwrap();
    let (panics, aborts, hangs, libhdf5, inputs) = (
        column(header, "panics"),
        column(header, "aborts"),
        column(header, "hangs"),
        column(header, "of which in libhdf5"),
        column(header, "inputs"),
    );
    let list = Command::new(EXE).arg("list").output().unwrap();
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(names.len() >= 9, "{names:?}");
    for name in &names {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("target {name} did not run"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let n = |i: usize| cells[i].parse::<u64>().unwrap();
        assert!(n(inputs) >= 100, "{row}");
        assert_eq!(n(panics), 0, "{row}");
        assert_eq!(
            n(aborts) + n(hangs),
            n(libhdf5),
            "a failure inside pet: {row}"
        );
    }
}

/// A node document whose length prefix claims 2 GiB: before the fix, decoding
/// allocated what the prefix said and died under the memory limit.
#[test]
fn a_bson_length_bomb_is_refused_under_the_memory_limit() {
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2097152; exec \"$0\" repro bson-node --seed 1 --input 3431")
        .arg(EXE)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("refused: ") && text.contains("not a BSON document"),
        "{text}"
    );
}
