//! Thread mode: N threads of this process run the function.

use pet_core::Run;

use super::budget::Budget;
use super::pool::with_pool;
use super::Executor;
use crate::error::RunResult;
use crate::execute::execute;

/// Runs `coordinate` with `n` worker threads.
pub fn run<T, F, R>(
    n: usize,
    budget: &Budget,
    f: &F,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> R
where
    T: Send,
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    with_pool(
        n,
        budget,
        |queue, tx| {
            while let Some((point, snap)) = queue.pop() {
                if tx.send(execute(&snap.traj, &point, f)).is_err() {
                    return;
                }
            }
        },
        coordinate,
    )
}
