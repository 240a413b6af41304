//! [`Backend`]: the storage primitives a backend implements, without the checks
//! every store needs (those live once, in [`Store`](super::Store)).

use crate::tree::{LeafData, NodeRecord};
use crate::Result;

use super::{
    ClaimRequest, Claimed, ColumnPath, PointAppend, ReadSpec, RunCounts, RunInfo, RunRecord,
    StoredRuns, TrajectoryInfo,
};

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
/// - writers sharing the store never undo each other (the rules of
///   [`writers`](super::writers)): `write_runs` never changes a completed run,
///   and `store_runs` keeps the first complete copy of a run;
/// - a claim ([`Backend::claim_runs`]) is atomic: two workers never hold a
///   live lease on the same run, and a completed run is never handed out;
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

    /// Creates a trajectory holding `nodes` and `runs` (already validated) so
    /// that nobody sees it before it is whole: another process that finds the
    /// trajectory finds all of it. This default creates it and then writes,
    /// which is not whole: every backend overrides it (one transaction, one
    /// lock, or a mark that hides the trajectory until it is whole).
    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        self.create(info)?;
        self.write_nodes(&info.name, nodes)?;
        self.write_runs(&info.name, runs)
    }

    /// Information about one trajectory.
    fn info(&self, traj: &str) -> Result<TrajectoryInfo>;

    /// Deletes a trajectory and everything in it.
    fn remove_trajectory(&self, traj: &str) -> Result<()>;

    /// Inserts or replaces nodes (already validated), atomically as one batch.
    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()>;

    /// Inserts or replaces run information (already validated); a run the
    /// store holds as completed is left as it is.
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

    /// Writes a [`Change`](super::Change) (already validated, not empty): all
    /// of it or, after a failure or a crash, none of it where the backend can
    /// (one transaction, one journal frame, one lock). This default writes it
    /// in steps ([`Change::write_in_steps`](super::Change::write_in_steps)), in
    /// the order that keeps a crash between steps harmless.
    fn write_change(&self, traj: &str, change: &super::Change<'_>) -> Result<()> {
        change.write_in_steps(self, traj)
    }

    /// Stores finished runs (already validated): each run whole or not at all;
    /// a failing batch stores none of them. A run the store already holds as
    /// completed is left as it is and reported in
    /// [`StoredRuns::already_completed`]. Storing a run ends every claim on it.
    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns>;

    /// Leases up to `req.max` pending runs to `req.worker` until `req.until`,
    /// in index order, atomically (request already validated): a run with a
    /// live lease of another worker or a completed run is never handed out.
    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed>;

    /// Extends `worker`'s leases on `runs` to `until`; returns how many of
    /// them it still held (a lease that expired may have gone to another worker).
    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize>;

    /// Ends `worker`'s leases on `runs` (others' leases stay), so other
    /// workers may claim the runs at once.
    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()>;

    /// How many runs the trajectory has and how many are completed.
    fn run_counts(&self, traj: &str) -> Result<RunCounts>;

    /// Nodes at `prefix` and below (all nodes for `""`), sorted by path, as `spec` asks.
    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// Every node run `index` stored, wherever the run placed it: under
    /// `results.runs.run_…` and `derived_parameters.runs.run_…`, and any other
    /// path with the run's name as a part (`results.summary.run_00000003.z`).
    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// The data of one leaf.
    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData>;

    /// The data of `column`'s leaf in every run that holds it, handed to
    /// `each` by increasing run index (runs without it left out); the first
    /// error of `each` stops the read. This default reads each run's leaf on
    /// its own ([`column::read_each`](super::column::read_each)); a backend
    /// overrides it with one query.
    fn read_column_each(
        &self,
        traj: &str,
        column: &ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()> {
        super::column::read_each(self, traj, column, each)
    }

    /// Run information, sorted by index.
    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>>;

    /// Deletes the node at `path` and everything below it; returns how many nodes went.
    fn delete(&self, traj: &str, path: &str) -> Result<usize>;

    /// Puts everything written so far into the store's own files (a
    /// checkpoint of a journal or write-ahead log), reporting what fails;
    /// the handle stays usable and a second call costs nothing. This default
    /// has nothing to flush.
    fn close(&self) -> Result<()> {
        Ok(())
    }
}
