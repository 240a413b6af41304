//! What the server knows of the store: one snapshot per trajectory (its
//! parameters and runs table), replaced whole when the store's run counts change,
//! so a sweep still running shows its new runs without the page reloading.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use pet_core::storage::RunCounts;
use pet_core::{LoadSpec, Store, Trajectory, TrajectoryInfo};
use pet_view::RunTable;

use crate::error::{ApiError, ServeError};

/// One trajectory as last read.
pub struct Snapshot {
    /// Name, comment, creation.
    pub info: TrajectoryInfo,
    /// The trajectory, parameters loaded, results as skeleton.
    pub traj: Trajectory,
    /// The runs table.
    pub table: RunTable,
    /// The run counts it was read at.
    pub counts: RunCounts,
    /// Grows by one at each re-read.
    pub generation: u64,
    /// When it was read, and how long reading took.
    pub read_at: Instant,
    /// How long reading it took.
    pub read_took: Duration,
}

impl Snapshot {
    /// True when a re-read may start: a re-read waits at least twice as long as
    /// the last one took, so a large trajectory whose sweep is still running
    /// keeps the server busy at most a third of the time.
    fn may_reread(&self) -> bool {
        self.read_at.elapsed() >= self.read_took * 2
    }
}

/// The store and its snapshots.
pub struct AppState {
    /// The store, opened read-only by the caller.
    pub store: Arc<dyn Store>,
    /// How the store was named on the command line.
    pub url: String,
    snaps: RwLock<BTreeMap<String, Arc<Snapshot>>>,
}

impl AppState {
    /// Reads every trajectory of the store.
    pub fn new(store: Arc<dyn Store>, url: &str) -> Result<AppState, ServeError> {
        let state = AppState {
            store,
            url: url.to_string(),
            snaps: RwLock::new(BTreeMap::new()),
        };
        state.refresh()?;
        Ok(state)
    }

    /// The snapshots, by name.
    pub fn snapshots(&self) -> Vec<Arc<Snapshot>> {
        match self.snaps.read() {
            Ok(m) => m.values().cloned().collect(),
            Err(p) => p.into_inner().values().cloned().collect(),
        }
    }

    /// One trajectory's snapshot.
    pub fn get(&self, name: &str) -> Result<Arc<Snapshot>, ApiError> {
        let m = match self.snaps.read() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        m.get(name).cloned().ok_or_else(|| {
            ApiError::not_found(format!(
                "the store holds no trajectory '{name}'; it holds: {}",
                m.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// Re-reads the trajectories whose run counts changed, adds new ones and
    /// drops removed ones. Returns how many it re-read.
    pub fn refresh(&self) -> Result<usize, ServeError> {
        let listed = self.store.list()?;
        let old: BTreeMap<String, Arc<Snapshot>> = match self.snaps.read() {
            Ok(m) => m.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut next = BTreeMap::new();
        let mut reread = 0;
        for info in listed {
            let counts = self.store.run_counts(&info.name)?;
            match old.get(&info.name) {
                Some(s) if s.counts == counts || !s.may_reread() => {
                    next.insert(info.name.clone(), s.clone());
                }
                prev => {
                    let generation = prev.map_or(1, |s| s.generation + 1);
                    let started = Instant::now();
                    let traj =
                        Trajectory::load(self.store.clone(), &info.name, LoadSpec::default())?;
                    let table = RunTable::build(&traj)?;
                    reread += 1;
                    next.insert(
                        info.name.clone(),
                        Arc::new(Snapshot {
                            info,
                            traj,
                            table,
                            counts,
                            generation,
                            read_at: Instant::now(),
                            read_took: started.elapsed(),
                        }),
                    );
                }
            }
        }
        match self.snaps.write() {
            Ok(mut m) => *m = next,
            Err(p) => *p.into_inner() = next,
        }
        Ok(reread)
    }
}
