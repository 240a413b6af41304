//! The storage API every backend implements, the records it exchanges, and the in-memory store.

pub mod memory;
pub mod records;

pub use memory::MemoryStore;
pub use records::{LoadLevel, LoadSpec, ReadSpec, RunInfo, RunRecord, TrajectoryInfo};

use crate::tree::{LeafData, NodeRecord};
use crate::Result;

/// A place where trajectories live. Object-safe and synchronous; implementations
/// must be usable from many threads at once (`&self` everywhere).
///
/// Conventions every backend follows (the conformance suite checks them):
/// - paths are full dotted paths (`results.runs.run_00000001.z`);
/// - writing a node creates its missing ancestor groups and never changes existing ones;
/// - writing a leaf whose `data` is `None` updates its metadata and keeps the stored data;
/// - [`Store::store_run`] is atomic: after a crash the run is either whole or absent;
/// - a missing trajectory or path is [`crate::PetError::NotFound`];
/// - creating an existing trajectory is [`crate::PetError::AlreadyExists`].
pub trait Store: Send + Sync {
    /// Where this store lives, as a URL (`sqlite:///tmp/a.db`, `memory://`).
    fn location(&self) -> String;

    /// All trajectories in the store.
    fn list(&self) -> Result<Vec<TrajectoryInfo>>;

    /// Creates an empty trajectory.
    fn create(&self, info: &TrajectoryInfo) -> Result<()>;

    /// Information about one trajectory.
    fn info(&self, traj: &str) -> Result<TrajectoryInfo>;

    /// Deletes a trajectory and everything in it.
    fn remove_trajectory(&self, traj: &str) -> Result<()>;

    /// Inserts or replaces nodes, atomically as one batch.
    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()>;

    /// Inserts or replaces run information.
    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()>;

    /// Stores one finished run (its info and its nodes) as one atomic step.
    fn store_run(&self, traj: &str, run: &RunRecord) -> Result<()>;

    /// Stores several finished runs. Each run is atomic; a backend may commit the
    /// whole batch in one transaction (all or none), which is much faster.
    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<()> {
        runs.iter().try_for_each(|r| self.store_run(traj, r))
    }

    /// Nodes at `prefix` and below (all nodes for `""`), sorted by path, as `spec` asks.
    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// The nodes run `index` stored. The default reads the canonical places,
    /// `results.runs.run_…` and `derived_parameters.runs.run_…`; backends that
    /// index nodes by run override it to also find nodes a run placed elsewhere.
    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        let mut out = Vec::new();
        for branch in [crate::name::RESULTS, crate::name::DERIVED] {
            let prefix = format!(
                "{branch}.{}.{}",
                crate::name::RUNS,
                crate::name::run_name(index)
            );
            out.extend(self.read_nodes(traj, &prefix, spec)?);
        }
        Ok(out)
    }

    /// The data of one leaf.
    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData>;

    /// Run information, sorted by index.
    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>>;

    /// Deletes the node at `path` and everything below it; returns how many nodes went.
    fn delete(&self, traj: &str, path: &str) -> Result<usize>;
}

/// True when `path` is `prefix` or lies below it (`""` matches everything).
pub fn under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || (path.len() > prefix.len()
            && path.starts_with(prefix)
            && path.as_bytes()[prefix.len()] == b'.')
}

/// Checks a batch of records before a backend writes any of them.
pub fn validate_records(nodes: &[NodeRecord]) -> Result<()> {
    nodes.iter().try_for_each(NodeRecord::validate)
}
