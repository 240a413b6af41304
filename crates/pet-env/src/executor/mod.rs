//! Run modes behind one interface: the coordinator submits runs to an
//! [`Executor`] and receives their outcomes, whatever executes them. The one
//! `match` over [`Mode`] is [`with_executor`]; each mode is one module (MPI
//! ranks, with feature `mpi`, included).

mod budget;
#[cfg(feature = "mpi")]
mod mpi;
mod pool;
mod processes;
mod sequential;
mod threads;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use pet_core::{PointValues, Run};

use crate::error::{EnvError, RunResult};
use crate::execute::Outcome;
use crate::options::{EnvOptions, Mode};
use crate::queue::Snapshot;

/// An outcome with its approximate size in bytes.
pub type Finished<T> = (Outcome<T>, usize);

/// What the coordinator drives: submit runs, receive outcomes.
pub trait Executor<T> {
    /// Schedules the run of `point` against `snap`.
    fn submit(&mut self, point: PointValues, snap: &Arc<Snapshot>);

    /// The next outcome and its approximate size in bytes (measured once, by
    /// whoever produced it), waiting for it; `None` when nothing is scheduled.
    fn recv(&mut self) -> Option<Finished<T>>;

    /// An outcome that is already available, without waiting or running work inline.
    fn try_recv(&mut self) -> Option<Finished<T>>;

    /// Drops every run not started yet; returns how many.
    fn cancel_queued(&mut self) -> usize;
}

/// Runs `coordinate` with the executor of `opts.mode`; its workers (threads or
/// processes) live exactly as long as the call.
pub fn with_executor<T, F, R>(
    opts: &EnvOptions,
    f: &F,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> Result<R, EnvError>
where
    T: Serialize + DeserializeOwned + Send,
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    let budget = budget::Budget::new(opts.max_waiting_runs, opts.max_waiting_bytes);
    match opts.mode {
        Mode::Sequential => Ok(sequential::run(f, coordinate)),
        Mode::Threads(n) => Ok(threads::run(workers(n, "Threads")?, &budget, f, coordinate)),
        Mode::Processes(n) => processes::run(
            workers(n, "Processes")?,
            &budget,
            opts.worker_args.clone(),
            coordinate,
        ),
        Mode::Mpi => mpi_mode(f, &budget, coordinate),
    }
}

/// `Mode::Mpi`: the world's other ranks run the tasks; a world of one rank runs them here.
#[cfg(feature = "mpi")]
fn mpi_mode<T, F, R>(
    f: &F,
    budget: &budget::Budget,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> Result<R, EnvError>
where
    T: Serialize + DeserializeOwned + Send,
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    crate::mpi::check()?;
    match crate::mpi::world() {
        Some((size, _)) if size > 1 && !crate::mpi::direct() => {
            Ok(mpi::run(size - 1, budget, coordinate))
        }
        // One rank, or every rank storing its own runs: this rank runs them.
        _ => Ok(sequential::run(f, coordinate)),
    }
}

/// `Mode::Mpi` without the feature: refused by [`check`] before anything runs.
#[cfg(not(feature = "mpi"))]
fn mpi_mode<T, F, R>(
    _f: &F,
    _budget: &budget::Budget,
    _coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> Result<R, EnvError> {
    Err(no_mpi())
}

#[cfg(not(feature = "mpi"))]
fn no_mpi() -> EnvError {
    EnvError::Worker(
        "Mode::Mpi needs pet built with the `mpi` feature (cargo build --features mpi; \
         it links the system's Open MPI: apt-get install libopenmpi-dev openmpi-bin libclang-dev)"
            .into(),
    )
}

/// Refuses modes that cannot run (no workers), before a sweep records anything.
pub fn check(mode: &Mode) -> Result<(), EnvError> {
    match mode {
        Mode::Sequential => Ok(()),
        Mode::Threads(n) => workers(*n, "Threads").map(|_| ()),
        Mode::Processes(n) => workers(*n, "Processes").map(|_| ()),
        #[cfg(feature = "mpi")]
        Mode::Mpi => crate::mpi::check(),
        #[cfg(not(feature = "mpi"))]
        Mode::Mpi => Err(no_mpi()),
    }
}

fn workers(n: usize, mode: &str) -> Result<usize, EnvError> {
    if n == 0 {
        return Err(EnvError::Worker(format!(
            "Mode::{mode}(0) has no worker; give at least 1, or use Mode::Sequential"
        )));
    }
    Ok(n)
}
