//! pet: parameter explorations of numerical simulations.
//!
//! Describe parameters, choose the points to explore, hand a simulation
//! function to the [`Environment`]; pet runs it at every point (threads or worker
//! processes), stores every run the moment it finishes into one store (SQLite by
//! default; HDF5 and MongoDB behind the `hdf5` and `mongo` features), resumes an
//! interrupted sweep, and records provenance. Later, load lazily and find runs.
//!
//! ```
//! use pet::{vals, Environment, Mode};
//!
//! # let dir = tempfile::tempdir()?;
//! # let url = format!("sqlite://{}", dir.path().join("mult.db").display());
//! let mut env = Environment::open(&url)?.mode(Mode::Threads(2))
//! #   .log_dir(None).progress(false)
//!     ;
//! let mut traj = env.trajectory("mult", "x times y", |t| {
//!     t.add_parameter("x", 1.0, "first factor")?;
//!     t.add_parameter("y", 1.0, "second factor")?;
//!     t.explore_cartesian([("x", vals([1.0, 2.0, 3.0, 4.0])), ("y", vals([6.0, 7.0, 8.0]))])
//! })?;
//! let report = env.run(&mut traj, |run| {
//!     let z = run.param::<f64>("x")? * run.param::<f64>("y")?;
//!     run.add_result("z", z)?;
//!     Ok(z)
//! })?;
//! assert_eq!(report.results[0], (0, 6.0));
//! let hits = traj.find_runs(|p| Ok(p.f64("x")? > 3.0))?;
//! assert_eq!(hits, vec![9, 10, 11]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use pet_core::*;
pub use pet_env::*;

/// The names most programs need, in one import.
pub mod prelude {
    pub use pet_core::{
        cartesian_product, parameters, vals, Column, LoadLevel, LoadSpec, Parameters, PetError,
        Run, Store, Trajectory, Value,
    };
    pub use pet_env::{EnvError, Environment, GitPolicy, LogLevel, Mode, RunResult};
}
