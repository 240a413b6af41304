//! Sharing a sweep with other copies of the program on one store: this
//! copy's worker id, the lease length (`PET_LEASE_SECS`), and the lease
//! keeper, a thread that renews the leases on the runs this copy holds and
//! follows the whole sweep's progress while the runs execute.

use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::ProgressBar;
use pet_core::Store;

use crate::error::EnvError;
use crate::token::Token;

/// Environment variable that overrides [`EnvOptions::lease`](crate::EnvOptions::lease), in seconds.
pub const LEASE_ENV: &str = "PET_LEASE_SECS";

/// The lease: `PET_LEASE_SECS` when set, else `configured`; a value that is
/// not a positive number of seconds is an error, not silently ignored.
pub fn lease(configured: Duration) -> Result<Duration, EnvError> {
    let secs = match std::env::var(LEASE_ENV) {
        Ok(v) => v.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s > 0.0).ok_or_else(|| {
            EnvError::Config(format!(
                "{LEASE_ENV}={v:?} is not a lease length; give a positive number of seconds (for example {LEASE_ENV}=30)"
            ))
        })?,
        Err(_) => configured.as_secs_f64(),
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(EnvError::Config(format!(
            "the lease must be a positive time, not {secs} s"
        )));
    }
    Ok(Duration::from_secs_f64(
        secs.clamp(0.05, pet_core::storage::claims::MAX_LEASE_SECS),
    ))
}

/// This copy's worker id: host name, process id and a random part, so that
/// copies on different machines (or a restarted copy) never share one.
pub fn worker_id() -> String {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let host: String = host.chars().filter(|c| !c.is_control()).take(100).collect();
    let random: String = Token::generate().to_hex().chars().take(12).collect();
    format!("{host}:{}:{random}", std::process::id())
}

/// True when `worker` (an id of [`worker_id`]) was a process on this host
/// that no longer runs: its leases need not be waited for. Only where the
/// system lists processes under `/proc`; a reused pid counts as alive (waiting
/// for the lease is the safe side).
pub fn gone(worker: &str) -> bool {
    let mut parts = worker.rsplitn(3, ':');
    let (Some(_random), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    let here = gethostname::gethostname().to_string_lossy().into_owned();
    let proc_dir = std::path::Path::new("/proc");
    host == here
        && pid != std::process::id()
        && proc_dir.join("self").exists()
        && !proc_dir.join(pid.to_string()).exists()
}

/// What the keeper shares with the coordinator.
#[derive(Default)]
struct State {
    held: BTreeSet<usize>,
    stop: bool,
    /// The last error renewing leases, reported once by the coordinator.
    error: Option<String>,
}

/// The shared part of a [`Keeper`].
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Renews this copy's leases every third of the lease and sets the progress
/// bar from the whole sweep's completed runs; stops when dropped.
pub struct Keeper {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the keeper needs to know about the sweep.
pub struct Sweep {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The trajectory's name.
    pub traj: String,
    /// This copy's worker id.
    pub worker: String,
    /// The lease length.
    pub lease: Duration,
    /// The progress bar of this copy.
    pub progress: ProgressBar,
    /// Runs completed when this copy started (the bar counts from there).
    pub done_before: usize,
}

impl Keeper {
    /// Starts the keeper thread.
    pub fn start(sweep: Sweep) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("pet-lease-keeper".into())
            .spawn(move || keep(&s, &sweep))
            .ok();
        Keeper { shared, thread }
    }

    /// Records runs this copy now holds.
    pub fn hold(&self, runs: &[usize]) {
        self.shared.lock().held.extend(runs.iter().copied());
    }

    /// Forgets runs this copy no longer holds (stored, failed or released).
    pub fn drop_runs(&self, runs: impl IntoIterator<Item = usize>) {
        let mut st = self.shared.lock();
        for i in runs {
            st.held.remove(&i);
        }
    }

    /// Runs this copy holds.
    pub fn held(&self) -> Vec<usize> {
        self.shared.lock().held.iter().copied().collect()
    }

    /// Number of runs this copy holds (queued or running).
    pub fn in_flight(&self) -> usize {
        self.shared.lock().held.len()
    }

    /// The first renewal error since the last call, if any.
    pub fn take_error(&self) -> Option<String> {
        self.shared.lock().error.take()
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The keeper thread's loop.
fn keep(shared: &Shared, sweep: &Sweep) {
    let tick = (sweep.lease / 3).clamp(Duration::from_millis(20), Duration::from_secs(2));
    let mut st = shared.lock();
    loop {
        let (next, _) = shared
            .wake
            .wait_timeout(st, tick)
            .unwrap_or_else(|p| p.into_inner());
        st = next;
        if st.stop {
            return;
        }
        let held: Vec<usize> = st.held.iter().copied().collect();
        drop(st);
        let until = pet_core::now() + sweep.lease.as_secs_f64();
        let renewed = sweep
            .store
            .renew_claims(&sweep.traj, &sweep.worker, &held, until);
        // Counting runs costs a scan of the run table: only for a bar on screen.
        let counts = if sweep.progress.is_hidden() {
            None
        } else {
            sweep.store.run_counts(&sweep.traj).ok()
        };
        if let Some(c) = counts {
            let pos = c.completed.saturating_sub(sweep.done_before) as u64;
            sweep
                .progress
                .set_length(c.runs.saturating_sub(sweep.done_before) as u64);
            if pos > sweep.progress.position() {
                sweep.progress.set_position(pos);
            }
        }
        st = shared.lock();
        if let Err(e) = renewed {
            if st.error.is_none() {
                st.error = Some(e.to_string());
            }
        }
    }
}
