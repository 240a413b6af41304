//! A pool of workers fed from one queue: the executor shared by the thread and
//! process modes (only what a worker does with a task differs).

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use pet_core::PointValues;

use super::budget::Budget;
use super::{Executor, Finished};
use crate::execute::Outcome;
use crate::queue::{Queue, Snapshot};

/// A worker's way to hand back outcomes: waits while the writer is behind.
pub struct Outbox<'a, T> {
    tx: Sender<(Outcome<T>, usize)>,
    budget: &'a Budget,
}

impl<T> Outbox<'_, T> {
    /// Hands an outcome to the coordinator once it fits in the budget; an
    /// error when the coordinator is gone.
    pub fn send(&self, outcome: Outcome<T>) -> Result<(), ()> {
        let bytes = outcome.approx_bytes();
        self.budget.acquire(bytes);
        self.tx.send((outcome, bytes)).map_err(|_| {
            self.budget.release(bytes);
        })
    }
}

/// The coordinator's side of a pool.
struct Pool<'a, T> {
    queue: &'a Queue,
    rx: Receiver<(Outcome<T>, usize)>,
    budget: &'a Budget,
    in_flight: usize,
}

impl<T> Pool<'_, T> {
    /// An outcome from `get`, counted off the runs in flight; `None` when none is.
    fn take(
        &mut self,
        get: impl FnOnce(&Receiver<(Outcome<T>, usize)>) -> Option<(Outcome<T>, usize)>,
    ) -> Option<Finished<T>> {
        if self.in_flight == 0 {
            return None;
        }
        let (out, bytes) = get(&self.rx)?;
        self.in_flight -= 1;
        self.budget.release(bytes);
        Some((out, bytes))
    }
}

impl<T> Executor<T> for Pool<'_, T> {
    fn submit(&mut self, point: PointValues, snap: &Arc<Snapshot>) {
        self.in_flight += 1;
        self.queue.push((point, snap.clone()));
    }

    fn recv(&mut self) -> Option<Finished<T>> {
        self.take(|rx| rx.recv().ok())
    }

    fn try_recv(&mut self) -> Option<Finished<T>> {
        self.take(|rx| rx.try_recv().ok())
    }

    fn cancel_queued(&mut self) -> usize {
        let n = self.queue.clear();
        self.in_flight -= n;
        n
    }
}

/// Starts `workers` scoped threads, each running `worker(queue, outbox)` until
/// the queue closes, and runs `coordinate` with the pool; finished runs waiting
/// for the coordinator are bounded by `budget`.
pub fn with_pool<T, R, W>(
    workers: usize,
    budget: &Budget,
    worker: W,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> R
where
    T: Send,
    W: Fn(&Queue, Outbox<'_, T>) + Sync,
{
    let queue = Queue::default();
    let (tx, rx) = channel();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (queue, worker) = (&queue, &worker);
            let outbox = Outbox {
                tx: tx.clone(),
                budget,
            };
            s.spawn(move || worker(queue, outbox));
        }
        drop(tx);
        let mut pool = Pool {
            queue: &queue,
            rx,
            budget,
            in_flight: 0,
        };
        let out = coordinate(&mut pool);
        queue.clear();
        queue.close();
        // Workers blocked on a full budget: drain so they can see the closed queue.
        while let Ok((_, bytes)) = pool.rx.recv() {
            budget.release(bytes);
        }
        out
    })
}
