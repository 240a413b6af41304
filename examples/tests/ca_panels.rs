//! The cellular automata example end to end: the sweep, then `ca_analysis`
//! drawing one labelled panel per rule with `pet-view` (PNG and SVG).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn run(exe: &str, args: &[&str], dir: &std::path::Path) -> String {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env("PET_PROGRESS", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{exe}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_analysis_draws_each_rule_with_its_label() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ca.db").display());
    run(env!("CARGO_BIN_EXE_cellular_automata"), &[&url], dir.path());
    let printed = run(
        env!("CARGO_BIN_EXE_ca_analysis"),
        &[&url, "--out", "ca.svg"],
        dir.path(),
    );
    assert!(
        printed.contains("runs with 30 < rule_number < 120: run_00000002, run_00000003"),
        "{printed}"
    );
    let svg = std::fs::read_to_string(dir.path().join("ca.svg")).unwrap();
    for label in [
        "rule 10",
        "rule 30",
        "rule 90, selected",
        "rule 110, selected",
        "rule 184",
        "rule 190",
    ] {
        assert!(
            svg.contains(&format!("\n{label}\n</text>")),
            "no panel label {label:?}"
        );
    }
    run(
        env!("CARGO_BIN_EXE_ca_analysis"),
        &[&url, "--out", "ca.png"],
        dir.path(),
    );
    let png = std::fs::read(dir.path().join("ca.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    // Three panels of 400 cells per row, with gaps.
    assert!((1200..=1300).contains(&width), "width {width}");
}
