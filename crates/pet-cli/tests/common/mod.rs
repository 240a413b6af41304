//! What the CLI's integration tests share: the `pet` binary under test, and
//! forging an SQLite store from outside pet.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

/// The `pet` binary this crate builds.
pub fn pet() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("pet").unwrap()
}

/// Runs SQL on an SQLite file with Python's sqlite3 module (python3 is part of
/// the test setup; pet-cli has no SQLite driver of its own).
pub fn sql(db: &Path, script: &str) {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1])\n\
             c.executescript(sys.argv[2])\n\
             c.commit()\n\
             c.close()\n",
        )
        .arg(db)
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python3 sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
