//! The sweep the Environment's integration tests run (x × y on a 4 × 3
//! grid), their SQLite store, and the Environment on it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use pet_core::{vals, Trajectory};
use pet_env::{Environment, GitPolicy, Mode};

/// The SQLite store of a test's directory.
pub fn url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("sweep.db").display())
}

/// An Environment on `dir`'s store in `mode`, logging into `dir/logs`, with
/// no progress bar and no git.
pub fn env(dir: &Path, mode: Mode) -> Environment {
    Environment::open(&url(dir))
        .unwrap()
        .mode(mode)
        .log_dir(Some(dir.join("logs")))
        .progress(false)
        .git(GitPolicy::Off)
}

/// Arguments that make this test binary run only test `name` (the worker processes' `main`).
pub fn rerun_test(name: &str) -> Vec<String> {
    [name, "--exact", "--nocapture", "--test-threads=1"]
        .map(String::from)
        .to_vec()
}

/// Parameters `x` (1..=4) and `y` (6..=8), explored as a cartesian product.
pub fn grid(t: &mut Trajectory) -> pet_core::Result<()> {
    t.add_parameter("x", 0i64, "first factor")?;
    t.add_parameter("y", 0i64, "second factor")?;
    t.explore_cartesian([("x", vals([1i64, 2, 3, 4])), ("y", vals([6i64, 7, 8]))])
}

/// Stores and returns `z = x * y`.
pub fn multiply(run: &mut pet_core::Run) -> pet_env::RunResult<i64> {
    let z = run.param::<i64>("x")? * run.param::<i64>("y")?;
    run.add_result("z", z)?;
    Ok(z)
}
