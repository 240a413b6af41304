//! Sequential mode: every run on the calling thread, one after another, when
//! the coordinator asks for the next outcome. Short runs are handed over in
//! batches: while the runs take under [`SHORT_RUN`] each, the next ones run
//! before the finished ones are stored, for at most [`BATCH_WINDOW`], so a
//! million 0-ms runs cost a store call per batch, not per run.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pet_core::{PointValues, Run};

use super::{Executor, Finished};
use crate::error::RunResult;
use crate::execute::execute;
use crate::queue::Snapshot;

/// A run shorter than this lets the next run start before it is stored.
pub const SHORT_RUN: Duration = Duration::from_millis(1);

/// The longest a finished run waits for the runs after it (plus, at worst,
/// the one run that started inside the window).
pub const BATCH_WINDOW: Duration = Duration::from_millis(20);

struct Inline<'a, F> {
    f: &'a F,
    queue: VecDeque<(PointValues, Arc<Snapshot>)>,
    /// When the first run of the batch not handed over yet finished.
    batch_since: Option<Instant>,
    /// How long the last run took.
    last_run: Duration,
}

impl<F> Inline<'_, F> {
    fn next<T>(&mut self) -> Option<Finished<T>>
    where
        F: Fn(&mut Run) -> RunResult<T> + Sync,
    {
        let (point, snap) = self.queue.pop_front()?;
        let start = Instant::now();
        let outcome = execute(&snap.traj, &point, self.f);
        // A failure ends the batch: what it means (stop on error) is decided
        // before another run starts.
        self.last_run = match outcome {
            crate::execute::Outcome::Done { .. } => start.elapsed(),
            _ => Duration::MAX,
        };
        let bytes = outcome.approx_bytes();
        Some((outcome, bytes))
    }
}

impl<T, F> Executor<T> for Inline<'_, F>
where
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    fn submit(&mut self, point: PointValues, snap: &Arc<Snapshot>) {
        self.queue.push_back((point, snap.clone()));
    }

    fn recv(&mut self) -> Option<Finished<T>> {
        let done = self.next()?;
        self.batch_since = Some(Instant::now());
        Some(done)
    }

    fn try_recv(&mut self) -> Option<Finished<T>> {
        let since = self.batch_since?;
        if self.last_run >= SHORT_RUN || since.elapsed() >= BATCH_WINDOW {
            self.batch_since = None;
            return None;
        }
        let done = self.next();
        if done.is_none() {
            self.batch_since = None;
        }
        done
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
        batch_since: None,
        last_run: Duration::ZERO,
    })
}
