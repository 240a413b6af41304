//! Crash points for crash tests: with `PET_HDF5_CRASH_AT=<point>[:<n>]` the
//! process aborts (as a SIGKILL would stop it: no destructor, no flush) the
//! n-th time (default first) it reaches that point of a checkpoint or of a
//! store's creation, so a test can kill a writer exactly inside a flush.
//! Points: `log-written` (the commit log is whole, no page applied yet),
//! `half-applied` (half of the checkpoint's pages are in the file),
//! `created` (a new store is complete under its temporary name).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The variable that names the crash point.
pub const VAR: &str = "PET_HDF5_CRASH_AT";

fn wanted() -> Option<&'static (String, u64)> {
    static WANTED: OnceLock<Option<(String, u64)>> = OnceLock::new();
    WANTED
        .get_or_init(|| {
            let v = std::env::var(VAR).ok()?;
            let (point, n) = match v.split_once(':') {
                Some((p, n)) => (p.to_string(), n.parse().ok()?),
                None => (v, 1),
            };
            Some((point, n))
        })
        .as_ref()
}

/// Aborts the process when `point` is the crash point and this is its n-th visit.
pub fn reach(point: &str) {
    static SEEN: AtomicU64 = AtomicU64::new(0);
    if let Some((p, n)) = wanted() {
        if p == point && SEEN.fetch_add(1, Ordering::SeqCst) + 1 == *n {
            std::process::abort();
        }
    }
}
