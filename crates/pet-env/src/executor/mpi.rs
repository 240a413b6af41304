//! MPI mode (feature `mpi`): on rank 0, one pool thread per worker rank sends
//! its rank the base snapshot (again whenever it changes) and then one task at
//! a time, and waits for the reply; a rank gets its next run as soon as it
//! finishes one, so fast and slow ranks balance themselves. The coordinator
//! stores what comes back, as in every other mode.

use std::sync::atomic::{AtomicUsize, Ordering};

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
            while let Some((point, snap)) = queue.pop() {
                let index = point.index;
                let outcome = match &broken {
                    Some(message) => Outcome::Failed {
                        index,
                        message: message.clone(),
                    },
                    None => exchange(rank, &mut sent, point, &snap).unwrap_or_else(|message| {
                        broken = Some(format!("rank {rank} is out of the sweep: {message}"));
                        Outcome::Failed { index, message }
                    }),
                };
                if tx.send(outcome).is_err() {
                    break;
                }
            }
        },
        coordinate,
    )
}

/// One task on `rank`: the snapshot first if that rank has another version.
fn exchange<T: DeserializeOwned>(
    rank: usize,
    sent: &mut Option<u64>,
    point: PointValues,
    snap: &Snapshot,
) -> Result<Outcome<T>, String> {
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
    Ok(mpi::recv(rank)?.into_outcome())
}
