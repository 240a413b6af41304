//! Sequential mode: every run on the calling thread, one after another, when
//! the coordinator asks for the next outcome.

use std::collections::VecDeque;
use std::sync::Arc;

use pet_core::{PointValues, Run};

use super::{Executor, Finished};
use crate::error::RunResult;
use crate::execute::execute;
use crate::queue::Snapshot;

struct Inline<'a, F> {
    f: &'a F,
    queue: VecDeque<(PointValues, Arc<Snapshot>)>,
}

impl<T, F> Executor<T> for Inline<'_, F>
where
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    fn submit(&mut self, point: PointValues, snap: &Arc<Snapshot>) {
        self.queue.push_back((point, snap.clone()));
    }

    fn recv(&mut self) -> Option<Finished<T>> {
        let (point, snap) = self.queue.pop_front()?;
        let outcome = execute(&snap.traj, &point, self.f);
        let bytes = outcome.approx_bytes();
        Some((outcome, bytes))
    }

    fn try_recv(&mut self) -> Option<Finished<T>> {
        None
    }

    fn cancel_queued(&mut self) -> usize {
        let n = self.queue.len();
        self.queue.clear();
        n
    }
}

/// Runs `coordinate` with an inline executor.
pub fn run<T, F, R>(f: &F, coordinate: impl FnOnce(&mut dyn Executor<T>) -> R) -> R
where
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    coordinate(&mut Inline {
        f,
        queue: VecDeque::new(),
    })
}
