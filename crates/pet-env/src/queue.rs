//! The shared task queue that worker threads pull runs from.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

use pet_core::{PointValues, Trajectory};

/// The store-less base of the trajectory that runs read (parameters without
/// their explored lists: [`Trajectory::base_snapshot`]), with a version number
/// that changes whenever it is rebuilt; each task brings its own point.
pub struct Snapshot {
    /// Increases with every new snapshot.
    pub version: u64,
    /// The name of the sweep's run function, which worker processes look up.
    pub function: String,
    /// The base: parameters, config, derived parameters; no explored lists.
    pub traj: Trajectory,
}

/// One unit of work: a run's point and the base it runs against.
pub type Task = (PointValues, Arc<Snapshot>);

#[derive(Default)]
struct State {
    tasks: VecDeque<Task>,
    closed: bool,
}

/// A blocking multi-consumer queue of tasks.
#[derive(Default)]
pub struct Queue {
    state: Mutex<State>,
    ready: Condvar,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a task.
    pub fn push(&self, task: Task) {
        self.lock().tasks.push_back(task);
        self.ready.notify_one();
    }

    /// Takes the next task, waiting for one; `None` once closed and empty.
    pub fn pop(&self) -> Option<Task> {
        let mut s = self.lock();
        loop {
            if let Some(t) = s.tasks.pop_front() {
                return Some(t);
            }
            if s.closed {
                return None;
            }
            s = self.ready.wait(s).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Takes the next task, waiting for one, and up to `max - 1` more that are
    /// queued already; empty once closed and empty.
    #[cfg(feature = "mpi")]
    pub fn pop_some(&self, max: usize) -> Vec<Task> {
        let Some(first) = self.pop() else {
            return Vec::new();
        };
        let mut got = vec![first];
        let mut s = self.lock();
        while got.len() < max {
            match s.tasks.pop_front() {
                Some(t) => got.push(t),
                None => break,
            }
        }
        got
    }

    /// Drops every queued task; returns how many were dropped.
    pub fn clear(&self) -> usize {
        let mut s = self.lock();
        let n = s.tasks.len();
        s.tasks.clear();
        n
    }

    /// No more tasks will come: waiting workers return.
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }
}
