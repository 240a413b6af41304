//! MPI mode (feature `mpi`): on rank 0, one pool thread per worker rank sends
//! its rank the base snapshot (again whenever it changes) and the tasks queued
//! at that moment (at most [`PIPELINE`]), and waits for their replies; a rank
//! gets more as soon as it has finished, so fast and slow ranks balance
//! themselves. The coordinator
//! stores what comes back, as in every other mode.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use pet_core::PointValues;

use super::budget::Budget;
use super::pool::with_pool;
use super::Executor;
use crate::execute::Outcome;
use crate::mpi;
use crate::protocol::ToWorker;
use crate::queue::Snapshot;

/// Runs `coordinate` with the `workers` worker ranks (1..=workers) of the MPI world.
pub fn run<T, R>(
    workers: usize,
    budget: &Budget,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> R
where
    T: DeserializeOwned + Send,
{
    let next = AtomicUsize::new(1);
    with_pool(
        workers,
        budget,
        |queue, tx| {
            let rank = next.fetch_add(1, Ordering::SeqCst);
            let mut sent: Option<u64> = None;
            let mut broken: Option<String> = None;
            loop {
                // Tasks queued already go out together: the rank works through
                // them while their replies travel back (no idle round trip per run).
                let tasks = queue.pop_some(PIPELINE);
                if tasks.is_empty() {
                    break;
                }
                let indices: Vec<usize> = tasks.iter().map(|(p, _)| p.index).collect();
                let outcomes: Vec<Outcome<T>> = match &broken {
                    Some(message) => failed_all(&indices, message),
                    None => exchange(rank, &mut sent, tasks).unwrap_or_else(|message| {
                        let message = format!("rank {rank} is out of the sweep: {message}");
                        broken = Some(message.clone());
                        failed_all(&indices, &message)
                    }),
                };
                for outcome in outcomes {
                    if tx.send(outcome).is_err() {
                        return;
                    }
                }
            }
        },
        coordinate,
    )
}

/// Most tasks sent to one rank before its first reply comes back.
const PIPELINE: usize = 16;

fn failed_all<T>(indices: &[usize], message: &str) -> Vec<Outcome<T>> {
    indices
        .iter()
        .map(|&index| Outcome::Failed {
            index,
            message: message.to_string(),
        })
        .collect()
}

/// Tasks on `rank`, in order (the snapshot first wherever that rank has
/// another version); their outcomes in the same order.
fn exchange<T: DeserializeOwned>(
    rank: usize,
    sent: &mut Option<u64>,
    tasks: Vec<(PointValues, Arc<Snapshot>)>,
) -> Result<Vec<Outcome<T>>, String> {
    let n = tasks.len();
    for (point, snap) in tasks {
        if *sent != Some(snap.version) {
            mpi::send(
                rank,
                &ToWorker::Snapshot {
                    function: snap.function.clone(),
                    info: snap.traj.info().clone(),
                    nodes: snap.traj.param_records(),
                    runs: snap.traj.run_infos().to_vec(),
                },
            )?;
            *sent = Some(snap.version);
        }
        mpi::send(rank, &ToWorker::Task { point })?;
    }
    (0..n)
        .map(|_| Ok(mpi::recv(rank)?.into_outcome()))
        .collect()
}
