//! Dispatching runs to the execution mode: inline (sequential), worker threads,
//! or worker processes, behind one small interface the coordinator drives.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use pet_core::Run;

use crate::error::RunResult;
use crate::execute::{execute, Outcome};
use crate::options::Mode;
use crate::queue::{Queue, Snapshot};
use crate::spawn::Spawner;

/// What the coordinator uses: submit runs, receive outcomes.
pub struct Dispatcher<'a, T, F> {
    queue: &'a Queue,
    rx: Receiver<Outcome<T>>,
    in_flight: usize,
    inline: Option<&'a F>,
}

impl<T, F> Dispatcher<'_, T, F>
where
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    /// Schedules run `index` against `snap`.
    pub fn submit(&mut self, index: usize, snap: &Arc<Snapshot>) {
        self.in_flight += 1;
        self.queue.push((index, snap.clone()));
    }

    /// The next outcome, waiting for it; `None` when nothing is scheduled.
    pub fn recv(&mut self) -> Option<Outcome<T>> {
        if self.in_flight == 0 {
            return None;
        }
        let out = match self.inline {
            Some(f) => {
                let (index, snap) = self.queue.try_pop()?;
                Some(execute(&snap.traj, index, f))
            }
            None => self.rx.recv().ok(),
        };
        if out.is_some() {
            self.in_flight -= 1;
        }
        out
    }

    /// An outcome that is already available, without waiting (never runs inline work).
    pub fn try_recv(&mut self) -> Option<Outcome<T>> {
        if self.inline.is_some() || self.in_flight == 0 {
            return None;
        }
        let out = self.rx.try_recv().ok();
        if out.is_some() {
            self.in_flight -= 1;
        }
        out
    }

    /// Drops every run not started yet; returns how many.
    pub fn cancel_queued(&mut self) -> usize {
        let n = self.queue.clear();
        self.in_flight -= n;
        n
    }
}

fn thread_worker<T, F>(queue: &Queue, tx: Sender<Outcome<T>>, f: &F)
where
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    while let Some((index, snap)) = queue.pop() {
        if tx.send(execute(&snap.traj, index, f)).is_err() {
            return;
        }
    }
}

fn process_worker<T: DeserializeOwned>(queue: &Queue, tx: Sender<Outcome<T>>, spawner: &Spawner) {
    let mut worker = None;
    while let Some((index, snap)) = queue.pop() {
        let w = match worker.take() {
            Some(w) => w,
            None => match spawner.spawn() {
                Ok(w) => w,
                Err(e) => {
                    let _ = tx.send(Outcome::Failed {
                        index,
                        message: e.to_string(),
                    });
                    continue;
                }
            },
        };
        let mut w = w;
        let (outcome, alive) = w.run(index, &snap);
        if alive {
            worker = Some(w);
        }
        if tx.send(outcome).is_err() {
            break;
        }
    }
    if let Some(w) = worker {
        w.shutdown();
    }
}

/// Runs `coordinate` with a dispatcher for `mode`; worker threads and processes
/// live exactly as long as the call.
pub fn with_dispatcher<T, F, R>(
    mode: &Mode,
    spawner: Option<&Spawner>,
    f: &F,
    coordinate: impl FnOnce(&mut Dispatcher<'_, T, F>) -> R,
) -> R
where
    T: Serialize + DeserializeOwned + Send,
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    let queue = Queue::default();
    let (tx, rx) = channel();
    let workers = match mode {
        Mode::Sequential => 0,
        Mode::Threads(n) | Mode::Processes(n) => (*n).max(1),
    };
    if workers == 0 {
        let mut d = Dispatcher {
            queue: &queue,
            rx,
            in_flight: 0,
            inline: Some(f),
        };
        return coordinate(&mut d);
    }
    std::thread::scope(|s| {
        for _ in 0..workers {
            let (tx, queue) = (tx.clone(), &queue);
            match (mode, spawner) {
                (Mode::Processes(_), Some(sp)) => s.spawn(move || process_worker(queue, tx, sp)),
                _ => s.spawn(move || thread_worker(queue, tx, f)),
            };
        }
        drop(tx);
        let mut d = Dispatcher {
            queue: &queue,
            rx,
            in_flight: 0,
            inline: None,
        };
        let out = coordinate(&mut d);
        queue.clear();
        queue.close();
        out
    })
}
