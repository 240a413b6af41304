//! Python interop: a venv made by `scripts/pyenv.sh` runs a backend's
//! `tests/python/*.py` script, which reads a store without pet.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Run, Trajectory};

/// The workspace root (two levels above pet-core's manifest directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of the interop venv, made (or reused) by `scripts/pyenv.sh` with `extra` packages.
pub fn interop_python(extra: &[&str]) -> PathBuf {
    let py = Command::new("bash")
        .arg(workspace_root().join("scripts/pyenv.sh"))
        .args(extra)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "could not set up the Python venv: {}",
        String::from_utf8_lossy(&py.stderr)
    );
    String::from_utf8(py.stdout).unwrap().trim().into()
}

/// Runs `python script args…`, asserts it succeeds and its stdout contains `expect`.
pub fn run_script<I, S>(python: &Path, script: &Path, args: I, expect: &str)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(expect), "{stdout}");
}

/// Run `i` of the interop product sweep (parameters `x`, `y`) with results `z` = x y
/// and a 3×2 array `trace` of z; returns it unfinished, and z.
pub fn mult_run(t: &Trajectory, i: usize) -> (Run<'_>, i64) {
    let mut run = t.run(i).unwrap();
    let z = run.param::<i64>("x").unwrap() * run.param::<i64>("y").unwrap();
    run.add_result("z", z).unwrap();
    run.add_result("trace", ndarray::Array2::from_elem((3, 2), z as f64))
        .unwrap();
    (run, z)
}
