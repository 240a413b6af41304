//! Process mode: N worker processes (this program started again, entering
//! [`crate::serve_if_worker`]) run the function; one thread per worker feeds it
//! tasks, so a crash in native code kills one run, not the sweep.

use serde::de::DeserializeOwned;

use super::budget::Budget;
use super::pool::with_pool;
use super::Executor;
use crate::error::EnvError;
use crate::execute::Outcome;
use crate::spawn::Spawner;

/// Runs `coordinate` with `n` worker processes started with `args` (default:
/// this program's own arguments).
pub fn run<T, R>(
    n: usize,
    budget: &Budget,
    args: Option<Vec<String>>,
    coordinate: impl FnOnce(&mut dyn Executor<T>) -> R,
) -> Result<R, EnvError>
where
    T: DeserializeOwned + Send,
{
    let spawner = Spawner::new(args)?;
    let spawner = &spawner;
    Ok(with_pool(
        n,
        budget,
        move |queue, tx| {
            let mut worker = None;
            while let Some((point, snap)) = queue.pop() {
                let index = point.index;
                let mut w = match worker.take() {
                    Some(w) => w,
                    None => match spawner.spawn() {
                        Ok(w) => w,
                        Err(e) => {
                            let message = e.to_string();
                            if tx.send(Outcome::Failed { index, message }).is_err() {
                                break;
                            }
                            continue;
                        }
                    },
                };
                let (outcome, alive) = w.run(point, &snap);
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
        },
        coordinate,
    ))
}
