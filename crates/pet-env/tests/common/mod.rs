//! The sweep the Environment's integration tests run: x × y on a 4 × 3 grid.
#![allow(dead_code)]

use pet_core::{vals, Trajectory};

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
