//! [`Backend`]: the storage primitives a backend implements, without the checks
//! every store needs (those live once, in [`Store`](super::Store)).

use crate::tree::{LeafData, NodeRecord};
use crate::Result;

use super::{PointAppend, ReadSpec, RunInfo, RunRecord, TrajectoryInfo};

/// What a storage backend implements. Every type that implements it is a
/// [`Store`](super::Store) through a blanket implementation that first checks
/// names, records and runs and refuses writes to a read-only store; a backend
/// therefore receives only valid input and never repeats those checks.
///
/// Call these methods through [`Store`](super::Store), never directly.
///
/// Conventions every backend follows (the conformance suite checks them):
/// - paths are full dotted paths (`results.runs.run_00000001.z`);
/// - writing a node creates its missing ancestor groups and never changes existing ones;
/// - writing a leaf whose `data` is `None` updates its metadata and keeps the stored data;
/// - [`Backend::store_runs`] stores each run whole or not at all, and a batch
///   that fails stores none of its runs;
/// - [`Backend::append_points`] appends to explored parameters only, from the
///   number of points stored, all of the batch or nothing;
/// - a missing trajectory is [`PetError::NoTrajectory`](crate::PetError::NoTrajectory),
///   a missing path [`PetError::NotFound`](crate::PetError::NotFound);
/// - creating an existing trajectory is [`PetError::TrajectoryExists`](crate::PetError::TrajectoryExists).
pub trait Backend: Send + Sync {
    /// Where this store lives, as a URL (`sqlite:///tmp/a.db`, `memory://`).
    fn location(&self) -> String;

    /// True when this handle was opened read-only (by request or for lack of
    /// permission); [`Store`](super::Store) then refuses every write.
    fn is_read_only(&self) -> bool;

    /// The program that wrote this store's file when pet only reads it
    /// (`pypet`; also the scheme of the backend): writes are then refused with
    /// [`PetError::Foreign`](crate::PetError::Foreign), which says to migrate,
    /// instead of [`PetError::ReadOnly`](crate::PetError::ReadOnly).
    fn foreign(&self) -> Option<&'static str> {
        None
    }

    /// All trajectories in the store.
    fn list(&self) -> Result<Vec<TrajectoryInfo>>;

    /// Creates an empty trajectory (its name is already checked).
    fn create(&self, info: &TrajectoryInfo) -> Result<()>;

    /// Information about one trajectory.
    fn info(&self, traj: &str) -> Result<TrajectoryInfo>;

    /// Deletes a trajectory and everything in it.
    fn remove_trajectory(&self, traj: &str) -> Result<()>;

    /// Inserts or replaces nodes (already validated), atomically as one batch.
    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()>;

    /// Inserts or replaces run information (already validated).
    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()>;

    /// Appends new points to explored parameters (already validated by
    /// [`PointAppend::validate`]), all of them or none: the batch is refused
    /// with nothing written when a parameter is missing
    /// ([`NotFound`](crate::PetError::NotFound)), is not explored
    /// ([`Explore`](crate::PetError::Explore)), holds a number of points other
    /// than its append's `start` ([`AppendConflict`](crate::PetError::AppendConflict))
    /// or has another type than the new points
    /// ([`TypeMismatch`](crate::PetError::TypeMismatch)); [`PointAppend::check_stored`] makes those
    /// checks. The stored type description (`… explored len=N`) follows the new
    /// length, so reading the parameter back gives what writing it whole would.
    ///
    /// This default ([`append::rewrite`](super::append::rewrite)) reads each
    /// parameter whole and rewrites it with [`Backend::write_nodes`], which
    /// costs all its points; a backend overrides it with a write of only the
    /// new points.
    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        super::append::rewrite(self, traj, appends)
    }

    /// Stores finished runs (already validated): each run whole or not at all;
    /// a failing batch stores none of them.
    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<()>;

    /// Nodes at `prefix` and below (all nodes for `""`), sorted by path, as `spec` asks.
    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// Every node run `index` stored, wherever the run placed it: under
    /// `results.runs.run_…` and `derived_parameters.runs.run_…`, and any other
    /// path with the run's name as a part (`results.summary.run_00000003.z`).
    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// The data of one leaf.
    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData>;

    /// Run information, sorted by index.
    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>>;

    /// Deletes the node at `path` and everything below it; returns how many nodes went.
    fn delete(&self, traj: &str, path: &str) -> Result<usize>;
}
