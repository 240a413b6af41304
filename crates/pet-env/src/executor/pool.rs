//! A pool of workers fed from one queue: the executor shared by the thread and
//! process modes (only what a worker does with a task differs).

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use super::Executor;
use crate::execute::Outcome;
use crate::queue::{Queue, Snapshot};

/// The coordinator's side of a pool.
struct Pool<'a, T> {
    queue: &'a Queue,
    rx: Receiver<Outcome<T>>,
    in_flight: usize,
}

impl<T> Pool<'_, T> {
    /// An outcome from `get`, counted off the runs in flight; `None` when none is.
    fn take(
        &mut self,
        get: impl FnOnce(&Receiver<Outcome<T>>) -> Option<Outcome<T>>,
    ) -> Option<Outcome<T>> {
        if self.in_flight == 0 {
            return None;
        }
        let out = get(&self.rx);
        if out.is_some() {
            self.in_flight -= 1;
        }
        out
    }
}

impl<T> Executor<T> for Pool<'_, T> {
    fn submit(&mut self, index: usize, snap: &Arc<Snapshot>) {
        self.in_flight += 1;
        self.queue.push((index, snap.clone()));
    }

    fn recv(&mut self) -> Option<Outcome<T>> {
        self.take(|rx| rx.recv().ok())
    }

    fn try_recv(&mut self) -> Option<Outcome<T>> {
        self.take(|rx| rx.try_recv().ok())
    }

    fn cancel_queued(&mut self) -> usize {
        let n = self.queue.clear();
        self.in_flight -= n;
        n
    }
}

/// Starts `workers` scoped threads, each running `worker(queue, tx)` until the
/// queue closes, and runs `coordinate` with the pool.
pub fn with_pool<T, R, W>(
    workers: usize,
    worker: W,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> R
where
    T: Send,
    W: Fn(&Queue, Sender<Outcome<T>>) + Sync,
{
    let queue = Queue::default();
    let (tx, rx) = channel();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (tx, queue, worker) = (tx.clone(), &queue, &worker);
            s.spawn(move || worker(queue, tx));
        }
        drop(tx);
        let mut pool = Pool {
            queue: &queue,
            rx,
            in_flight: 0,
        };
        let out = coordinate(&mut pool);
        queue.clear();
        queue.close();
        out
    })
}
