//! The storage API: [`Store`] (what everyone uses, with the checks every
//! backend needs), [`Backend`] (what a backend implements), the records they
//! exchange, backend descriptors, shared file-store steps, and the in-memory store.

pub mod append;
pub mod backend;
pub mod change;
pub mod claims;
pub mod column;
pub mod descriptor;
pub mod file;
pub mod memory;
pub mod records;
pub mod writers;

pub use append::PointAppend;
pub use backend::Backend;
pub use change::Change;
pub use claims::{ClaimRequest, Claimed, LocalClaims, RunCounts, StoredRuns};
pub use column::ColumnPath;
pub use descriptor::{Access, Descriptor, OpenFn};
pub use memory::MemoryStore;
pub use records::{LoadLevel, LoadSpec, ReadSpec, RunInfo, RunRecord, TrajectoryInfo};

use crate::tree::{LeafData, LeafRole, NodeRecord};
use crate::{name, PetError, Result};

/// A place where trajectories live. Object-safe and synchronous; usable from
/// many threads at once (`&self` everywhere).
///
/// Implemented for every [`Backend`]: each method checks its input (names,
/// records, runs) and refuses writes to a read-only store with
/// [`PetError::ReadOnly`] before the backend sees the call, so no backend can
/// forget a check and nothing of a refused call is stored.
pub trait Store: Send + Sync {
    /// Where this store lives, as a URL (`sqlite:///tmp/a.db`, `memory://`).
    fn location(&self) -> String;

    /// True when writes are refused.
    fn is_read_only(&self) -> bool;

    /// All trajectories in the store.
    fn list(&self) -> Result<Vec<TrajectoryInfo>>;

    /// Creates an empty trajectory.
    fn create(&self, info: &TrajectoryInfo) -> Result<()>;

    /// Creates a trajectory holding `nodes` and `runs`, seen by nobody before
    /// it is whole; [`PetError::TrajectoryExists`] when another writer created it first.
    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()>;

    /// Information about one trajectory.
    fn info(&self, traj: &str) -> Result<TrajectoryInfo>;

    /// Deletes a trajectory and everything in it.
    fn remove_trajectory(&self, traj: &str) -> Result<()>;

    /// Inserts or replaces nodes, atomically as one batch.
    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()>;

    /// Inserts or replaces run information; a run the store holds as
    /// completed is never changed (another writer finished it).
    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()>;

    /// Appends new points to explored parameters, all of them or none: each
    /// [`PointAppend`] must start at the number of points its parameter holds
    /// ([`PetError::AppendConflict`] otherwise) and the parameter must be
    /// explored already. Costs the new points, not the stored ones.
    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()>;

    /// Writes everything one [`Trajectory::store`](crate::Trajectory::store)
    /// writes as one change ([`Change`]): whole on backends that can (SQLite,
    /// HDF5, memory), else in an order that no crash between steps can harm.
    fn write_change(&self, traj: &str, change: &Change<'_>) -> Result<()>;

    /// Stores finished runs: each run whole or not at all; a batch with one
    /// invalid run stores none of them. The first complete copy of a run
    /// wins: runs the store already holds as completed are kept as they are
    /// and reported. Storing a run ends every claim on it.
    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns>;

    /// Stores one finished run (its info and its nodes) as one atomic step.
    fn store_run(&self, traj: &str, run: &RunRecord) -> Result<StoredRuns> {
        self.store_runs(traj, std::slice::from_ref(run))
    }

    /// Leases up to `req.max` pending runs to `req.worker` (see [`claims`]).
    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed>;

    /// Extends `worker`'s leases on `runs` to `until`; returns how many it still held.
    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize>;

    /// Ends `worker`'s leases on `runs`, so other workers may claim them at once.
    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()>;

    /// How many runs the trajectory has and how many are completed.
    fn run_counts(&self, traj: &str) -> Result<RunCounts>;

    /// Nodes at `prefix` and below (all nodes for `""`), sorted by path, as `spec` asks.
    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// Every node run `index` stored, wherever the run placed it.
    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>>;

    /// The data of one leaf.
    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData>;

    /// The data of `column`'s leaf in every run that holds it, handed to
    /// `each` as `(run, data)` by increasing run index, in one query where
    /// the backend can: what [`Trajectory::column`](crate::Trajectory::column)
    /// reads. Nothing is collected, so a column of 10^6 runs takes the memory
    /// of the caller's own vector only; the first error of `each` stops the
    /// read and is returned as it is. `each` must not call the store (a
    /// backend may hold its lock while reading).
    fn read_column_each(
        &self,
        traj: &str,
        column: &ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()>;

    /// [`Store::read_column_each`] collected into a vector.
    fn read_column(&self, traj: &str, column: &ColumnPath) -> Result<Vec<(usize, LeafData)>> {
        let mut rows = Vec::new();
        self.read_column_each(traj, column, &mut |i, d| {
            rows.push((i, d));
            Ok(())
        })?;
        Ok(rows)
    }

    /// Run information, sorted by index.
    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>>;

    /// Deletes the node at `path` and everything below it; returns how many nodes went.
    fn delete(&self, traj: &str, path: &str) -> Result<usize>;

    /// Flushes everything written into the store's files and reports what
    /// fails (dropping the last handle flushes too, silently); idempotent,
    /// and the handle stays usable.
    fn close(&self) -> Result<()>;
}

impl<B: Backend + ?Sized> Store for B {
    fn location(&self) -> String {
        Backend::location(self)
    }

    fn is_read_only(&self) -> bool {
        Backend::is_read_only(self)
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        let list = Backend::list(self).map_err(|e| located(self, "trajectory list", e))?;
        for i in &list {
            name::validate_part(&i.name).map_err(|e| stored(self, "trajectory list", e))?;
        }
        Ok(list)
    }

    fn create(&self, info: &TrajectoryInfo) -> Result<()> {
        name::validate_part(&info.name)?;
        writable(self)?;
        Backend::create(self, info)
    }

    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        name::validate_part(&info.name)?;
        validate_records(nodes)?;
        runs.iter().try_for_each(RunInfo::validate)?;
        writable(self)?;
        Backend::create_with(self, info, nodes, runs)
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        trajectory_name(traj)?;
        Backend::info(self, traj)
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        trajectory_name(traj)?;
        writable(self)?;
        Backend::remove_trajectory(self, traj)
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        trajectory_name(traj)?;
        validate_records(nodes)?;
        writable(self)?;
        Backend::write_nodes(self, traj, nodes)
    }

    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        trajectory_name(traj)?;
        runs.iter().try_for_each(RunInfo::validate)?;
        writable(self)?;
        Backend::write_runs(self, traj, runs)
    }

    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        trajectory_name(traj)?;
        append::validate_appends(appends)?;
        writable(self)?;
        if appends.is_empty() {
            return Ok(());
        }
        let at = appends.first().map_or("", |a| a.path);
        Backend::append_points(self, traj, appends).map_err(|e| located(self, at, e))
    }

    fn write_change(&self, traj: &str, change: &Change<'_>) -> Result<()> {
        trajectory_name(traj)?;
        change.validate()?;
        writable(self)?;
        if change.is_empty() {
            return Ok(());
        }
        let at = change.appends.first().map_or("", |a| a.path);
        Backend::write_change(self, traj, change).map_err(|e| located(self, at, e))
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns> {
        trajectory_name(traj)?;
        runs.iter().try_for_each(RunRecord::validate)?;
        records::distinct_runs(runs)?;
        writable(self)?;
        Backend::store_runs(self, traj, runs)
    }

    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed> {
        trajectory_name(traj)?;
        req.validate()?;
        writable(self)?;
        let claimed =
            Backend::claim_runs(self, traj, req).map_err(|e| located(self, "run table", e))?;
        if let Claimed::Runs(runs) = &claimed {
            let fits = runs.len() <= req.max && runs.iter().all(|&i| req.wants(i));
            if !fits {
                return Err(stored(
                    self,
                    "run table",
                    PetError::invalid(format!(
                        "a claim of at most {} runs below {} handed out {runs:?}",
                        req.max, req.below
                    )),
                ));
            }
        }
        Ok(claimed)
    }

    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize> {
        trajectory_name(traj)?;
        claims::validate_worker(worker)?;
        claims::lease_times(crate::now(), until)?;
        writable(self)?;
        if runs.is_empty() {
            return Ok(0);
        }
        Backend::renew_claims(self, traj, worker, runs, until)
    }

    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()> {
        trajectory_name(traj)?;
        claims::validate_worker(worker)?;
        writable(self)?;
        if runs.is_empty() {
            return Ok(());
        }
        Backend::release_claims(self, traj, worker, runs)
    }

    fn run_counts(&self, traj: &str) -> Result<RunCounts> {
        trajectory_name(traj)?;
        let counts = Backend::run_counts(self, traj).map_err(|e| located(self, "run table", e))?;
        if counts.completed > counts.runs {
            return Err(stored(
                self,
                "run table",
                PetError::invalid(format!(
                    "{} completed runs of {}",
                    counts.completed, counts.runs
                )),
            ));
        }
        Ok(counts)
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        trajectory_name(traj)?;
        if !prefix.is_empty() {
            name::validate_path(prefix)?;
        }
        let nodes =
            Backend::read_nodes(self, traj, prefix, spec).map_err(|e| located(self, prefix, e))?;
        for n in &nodes {
            n.validate().map_err(|e| stored(self, &n.path, e))?;
            if !under(&n.path, prefix) {
                return Err(stored(
                    self,
                    &n.path,
                    PetError::invalid(format!("read below '{prefix}' but lies elsewhere")),
                ));
            }
        }
        Ok(nodes)
    }

    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        trajectory_name(traj)?;
        crate::bounds::run_index(index)?;
        let nodes = Backend::read_run_nodes(self, traj, index, spec)
            .map_err(|e| located(self, &name::run_name(index), e))?;
        for n in &nodes {
            n.validate().map_err(|e| stored(self, &n.path, e))?;
        }
        Ok(nodes)
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        trajectory_name(traj)?;
        name::validate_path(path)?;
        let data = Backend::read_data(self, traj, path).map_err(|e| located(self, path, e))?;
        let role = LeafRole::for_path(path)?;
        data.validate(path, role)
            .map_err(|e| stored(self, path, e))?;
        Ok(data)
    }

    fn read_column_each(
        &self,
        traj: &str,
        column: &ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()> {
        trajectory_name(traj)?;
        name::validate_path(&column.path_of(0))?;
        let at = column.pattern();
        let role = LeafRole::for_path(&column.group)?;
        let mut order = column::RowOrder::default();
        // An error of `each` is the caller's own: kept aside and returned
        // as it is, not placed in the store like the backend's.
        let mut caller: Option<PetError> = None;
        let read = Backend::read_column_each(self, traj, column, &mut |i, d| {
            order.check(i).map_err(|e| stored(self, &at, e))?;
            // The run's own path only when there is something to say about it.
            if d.validate(&at, role).is_err() {
                let path = column.path_of(i);
                d.validate(&path, role)
                    .map_err(|e| stored(self, &path, e))?;
            }
            each(i, d).map_err(|e| {
                caller = Some(e);
                PetError::invalid("the column's reader stopped")
            })
        });
        match (caller, read) {
            (Some(e), _) => Err(e),
            (None, r) => r.map_err(|e| located(self, &at, e)),
        }
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        trajectory_name(traj)?;
        let runs = Backend::read_runs(self, traj).map_err(|e| located(self, "run table", e))?;
        for r in &runs {
            r.validate().map_err(|e| stored(self, "run table", e))?;
        }
        Ok(runs)
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        trajectory_name(traj)?;
        name::validate_path(path)?;
        writable(self)?;
        Backend::delete(self, traj, path)
    }

    fn close(&self) -> Result<()> {
        if Backend::is_read_only(self) {
            return Ok(());
        }
        Backend::close(self).map_err(|e| located(self, "", e))
    }
}

/// A `Format` error from a backend's read, with the store's location and the
/// path being read in front, so the message names the file and the place in it.
fn located<B: Backend + ?Sized>(b: &B, at: &str, e: PetError) -> PetError {
    match e {
        PetError::Format { location, reason } => {
            let store = b.location();
            let place = if location == crate::error::UNPLACED || location.is_empty() {
                at.to_string()
            } else {
                location
            };
            let location = if place.contains(&store) {
                place
            } else if place.is_empty() {
                store
            } else {
                format!("{store}, {place}")
            };
            PetError::Format { location, reason }
        }
        other => other,
    }
}

/// What a backend read back broke a rule pet enforces on writing: the store
/// was changed by something other than pet.
fn stored<B: Backend + ?Sized>(b: &B, at: &str, e: PetError) -> PetError {
    match e {
        PetError::Format { .. } => e,
        other => PetError::Format {
            location: format!("{} ({at})", b.location()),
            reason: format!("{other}; the store was changed by something other than pet"),
        },
    }
}

/// Refuses writes to a read-only store (a file of another program's format
/// with advice to migrate it).
fn writable<B: Backend + ?Sized>(b: &B) -> Result<()> {
    if b.is_read_only() {
        return Err(match b.foreign() {
            Some(format) => PetError::Foreign {
                location: b.location(),
                format,
            },
            None => PetError::ReadOnly {
                location: b.location(),
            },
        });
    }
    Ok(())
}

/// A trajectory name that breaks the rules cannot exist: say so before asking the backend.
fn trajectory_name(traj: &str) -> Result<()> {
    name::validate_part(traj)
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
    nodes.iter().try_for_each(NodeRecord::validate)?;
    records::no_leaf_has_children(nodes)
}
