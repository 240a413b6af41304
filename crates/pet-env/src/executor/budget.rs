//! Back-pressure between workers and the writer: finished runs waiting to be
//! stored are bounded by count and by bytes, and a worker with a finished run
//! waits while the writer is behind.

use std::sync::{Condvar, Mutex};

/// Bounds on the finished runs waiting for the writer.
pub struct Budget {
    state: Mutex<(usize, usize)>,
    freed: Condvar,
    max_runs: usize,
    max_bytes: usize,
}

impl Budget {
    /// At most `max_runs` runs and `max_bytes` bytes waiting (one run always
    /// fits, however large).
    pub fn new(max_runs: usize, max_bytes: usize) -> Self {
        Budget {
            state: Mutex::new((0, 0)),
            freed: Condvar::new(),
            max_runs: max_runs.max(1),
            max_bytes,
        }
    }

    /// Waits until a finished run of `bytes` fits, then counts it.
    pub fn acquire(&self, bytes: usize) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while s.0 > 0 && (s.0 >= self.max_runs || s.1.saturating_add(bytes) > self.max_bytes) {
            s = self.freed.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        s.0 += 1;
        s.1 = s.1.saturating_add(bytes);
    }

    /// A run of `bytes` left the queue (the writer took it).
    pub fn release(&self, bytes: usize) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0 = s.0.saturating_sub(1);
        s.1 = s.1.saturating_sub(bytes);
        drop(s);
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_worker_waits_while_the_writer_is_behind() {
        let b = Arc::new(Budget::new(10, 100));
        b.acquire(60);
        let b2 = b.clone();
        let t = std::thread::spawn(move || {
            b2.acquire(60);
            std::time::Instant::now()
        });
        std::thread::sleep(Duration::from_millis(100));
        let released = std::time::Instant::now();
        b.release(60);
        assert!(
            t.join().unwrap() >= released,
            "the second run waited for the first to leave"
        );
        // One run always fits, however large.
        b.release(60);
        b.acquire(1000);
    }
}
