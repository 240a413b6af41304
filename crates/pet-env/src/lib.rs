//! pet-env: the Environment that runs a simulation at every point of a
//! trajectory: sequentially, on threads, or in worker processes; storing every
//! run the moment it finishes; resumable; logged to console and files with a
//! separate error log; with a progress bar, immediate post-processing (which
//! may expand the trajectory) and provenance (git, host, versions, times).
//!
//! ```
//! use pet_env::{Environment, Mode};
//! use pet_core::vals;
//!
//! let dir = tempfile::tempdir()?;
//! let url = format!("sqlite://{}", dir.path().join("mult.db").display());
//! let mut env = Environment::open(&url)?
//!     .mode(Mode::Threads(2))
//!     .log_dir(Some(dir.path().join("logs")))
//!     .progress(false);
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
//! assert_eq!(report.results.len(), 12);
//! assert_eq!(report.results[5], (5, 16.0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod environment;
mod error;
mod execute;
mod executor;
mod handshake;
mod logging;
#[cfg(feature = "mpi")]
mod mpi;
mod open;
mod options;
pub mod protocol;
mod provenance;
mod queue;
mod reconcile;
mod retry;
mod share;
mod spawn;
mod token;
mod worker;

pub use environment::{Environment, FailedRun, RunReport};
pub use error::{BoxError, EnvError, RunResult};
pub use logging::LogLevel;

pub use open::{open_store, store_url, url_from_config, CONFIG_FILE, STORE_ENV};
pub use options::{EnvOptions, GitPolicy, Mode, OnStored};
pub use provenance::{git_state, GitInfo};
pub use retry::STORE_RETRY_ENV;
pub use share::LEASE_ENV;
pub use worker::{is_worker_process, serve_if_worker, serve_workers, WorkerFunctions};
