//! Retrying a store call that failed for a reason that may pass (another
//! writer holding the lock, a full disk being cleaned, a database failing
//! over): exponential backoff for a bounded time, then the first error.

use std::time::{Duration, Instant};

use pet_core::PetError;

use crate::error::EnvError;
use crate::logging::RunLog;

/// Environment variable that overrides [`EnvOptions::store_retry`](crate::EnvOptions::store_retry), in seconds.
pub const STORE_RETRY_ENV: &str = "PET_STORE_RETRY_SECS";

/// The retry bound: `PET_STORE_RETRY_SECS` when set, else `configured`.
pub fn bound(configured: Duration) -> Duration {
    std::env::var(STORE_RETRY_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(configured)
}

/// Runs `f` until it succeeds, fails with a non-transient error, or `limit`
/// has passed since the first failure; the error returned is the first one.
pub fn store_with_retry<T>(
    limit: Duration,
    log: &RunLog,
    store: &str,
    what: &str,
    mut f: impl FnMut() -> pet_core::Result<T>,
) -> Result<T, EnvError> {
    let mut first: Option<(PetError, Instant)> = None;
    let mut pause = Duration::from_millis(50);
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        match f() {
            Ok(v) => {
                if first.is_some() {
                    log.notice(&format!("{what} succeeded after {attempts} attempts"));
                }
                return Ok(v);
            }
            Err(e) if !e.is_transient() => return Err(first.map_or(e, |(f, _)| f).into()),
            Err(e) => {
                let since = first.as_ref().map_or_else(Instant::now, |(_, t)| *t);
                if since.elapsed() >= limit {
                    let (source, t) = first.unwrap_or((e, since));
                    return Err(EnvError::StoreFailed {
                        store: store.to_string(),
                        attempts,
                        seconds: t.elapsed().as_secs_f64(),
                        source,
                    });
                }
                log.error(&format!(
                    "{what} into {store} failed ({e}); retrying in {:.2} s",
                    pause.as_secs_f64()
                ));
                if first.is_none() {
                    first = Some((e, since));
                }
                std::thread::sleep(pause.min(limit.saturating_sub(since.elapsed())));
                pause = (pause * 2).min(Duration::from_secs(5));
            }
        }
    }
}
