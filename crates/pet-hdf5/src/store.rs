//! [`Hdf5Store`]: the [`Backend`] implementation over one HDF5 file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pet_core::location::Location;
use pet_core::storage::{
    descriptor, file, writers, Backend, Change, ClaimRequest, Claimed, PointAppend, ReadSpec,
    RunCounts, RunInfo, RunRecord, StoredRuns, TrajectoryInfo,
};
use pet_core::{Access, LeafData, NodeRecord, PetError, Result};

use crate::file::Shared;
use crate::ops::OpRef;
use crate::options::{Hdf5Options, DESCRIPTOR};
use crate::read::Reader;
use crate::registry;

/// A pet store in one HDF5 file. Cheap to share between threads (`Arc`); every
/// handle of one file in a process shares a single writer; a second process
/// that opens the file while it is written gets a clear error.
pub struct Hdf5Store {
    shared: Arc<Shared>,
    read_only: bool,
}

fn bad(path: &Path, reason: &str) -> PetError {
    PetError::BadLocation {
        url: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let cwd =
        std::env::current_dir().map_err(|e| bad(path, &format!("no current directory: {e}")))?;
    let p = cwd.join(path);
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(file)) => match dir.canonicalize() {
            Ok(d) => Ok(d.join(file)),
            Err(_) => Ok(p),
        },
        _ => Err(bad(path, "give a file name such as results/sweep.h5")),
    }
}

impl Hdf5Store {
    /// Opens (creating if needed) a store file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, Hdf5Options::default())
    }

    /// Opens a store from a URL: `hdf5:///abs/sweep.h5`, `hdf5://rel/sweep.h5`,
    /// or a path ending in `.h5`; options `?mode=ro`, `sync=full`,
    /// `compression=none|lzf|shuffle-deflate1|deflate9`, `checkpoint=N`, `recovery=backup`.
    pub fn from_url(url: &str) -> Result<Self> {
        let (_, loc) = descriptor::resolve(url, &[&DESCRIPTOR])?;
        Self::from_location(&loc, Access::ReadWrite)
    }

    /// Opens the store a resolved `hdf5://` location names; `access` applies
    /// when the location has no `mode=`.
    pub fn from_location(loc: &Location, access: Access) -> Result<Self> {
        Self::open_with(&loc.rest, Hdf5Options::from_location(loc, access)?)
    }

    /// Opens a store file with explicit options.
    pub fn open_with(path: impl AsRef<Path>, mut opts: Hdf5Options) -> Result<Self> {
        let path = path.as_ref();
        opts.read_only = file::prepare(path, opts.read_only, "results/sweep.h5")?;
        let key = absolute(path)?;
        let shared = registry::get_or_open(&key, || Shared::open(&key, opts, opts.read_only))?;
        let read_only = opts.read_only || shared.read_only;
        Ok(Hdf5Store { shared, read_only })
    }

    /// The HDF5 file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Runs `f` with a reader of `traj`, after the columns buffered for it are written.
    fn reading<T>(&self, traj: &str, f: impl FnOnce(&Reader<'_>) -> Result<T>) -> Result<T> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.flush_columns()?;
            f(&Reader {
                file: &i.file,
                traj,
            })
        })
    }

    /// Writes everything to the HDF5 file now and empties the journal.
    pub fn checkpoint(&self) -> Result<()> {
        self.shared.with(|i| i.checkpoint())
    }
}

impl Backend for Hdf5Store {
    fn location(&self) -> String {
        format!("hdf5://{}", self.path().display())
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        self.shared.with(|i| i.list())
    }

    fn create(&self, info: &TrajectoryInfo) -> Result<()> {
        Backend::create_with(self, info, &[], &[])
    }

    /// Creates the trajectory and writes its nodes and runs under the writer's
    /// lock, so no handle in the process sees it half made (the file has one
    /// writing process).
    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        self.shared.with(|i| {
            if i.traj_group(&info.name).is_ok() {
                return Err(PetError::TrajectoryExists(info.name.clone()));
            }
            let mut ops = vec![OpRef::Create(info)];
            if !nodes.is_empty() {
                ops.push(OpRef::Nodes(&info.name, nodes));
            }
            if !runs.is_empty() {
                ops.push(OpRef::Runs(&info.name, runs));
            }
            i.change_all(&ops)
        })
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        self.shared.with(|i| i.info(traj))
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Remove(traj))
        })?;
        self.shared.claims.forget(traj);
        Ok(())
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Nodes(traj, nodes))
        })
    }

    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Runs(traj, runs))
        })
    }

    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Points(traj, appends))
        })
    }

    /// The whole change as one journal frame: it reaches the file at one
    /// checkpoint, or (after a failure or a crash) not at all.
    fn write_change(&self, traj: &str, change: &Change<'_>) -> Result<()> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            let mut ops = Vec::new();
            if !change.appends.is_empty() {
                ops.push(OpRef::Points(traj, change.appends));
            }
            ops.extend(change.removed.iter().map(|p| OpRef::Delete(traj, p)));
            if !change.nodes.is_empty() {
                ops.push(OpRef::Nodes(traj, change.nodes));
            }
            if !change.runs.is_empty() {
                ops.push(OpRef::Runs(traj, change.runs));
            }
            if ops.is_empty() {
                return Ok(());
            }
            i.change_all(&ops)
        })
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns> {
        let report = self.shared.with(|i| {
            i.traj_group(traj)?;
            let table = i.runs(traj)?;
            let (keep, report) =
                writers::first_copies(runs, |r| r.info.index, |r| table.is_completed(r));
            if report.already_completed.is_empty() {
                i.change(OpRef::StoreRuns(traj, runs))?;
            } else {
                let keep: Vec<RunRecord> = keep.into_iter().cloned().collect();
                i.change(OpRef::StoreRuns(traj, &keep))?;
            }
            Ok(report)
        })?;
        self.shared
            .claims
            .end(traj, runs.iter().map(|r| r.info.index));
        Ok(report)
    }

    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed> {
        self.shared.with(|i| {
            let table = i.runs(traj)?;
            Ok(self.shared.claims.claim(traj, table.pending(), req))
        })
    }

    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            Ok(self.shared.claims.renew(traj, worker, runs, until))
        })
    }

    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            self.shared.claims.release(traj, worker, runs);
            Ok(())
        })
    }

    fn run_counts(&self, traj: &str) -> Result<RunCounts> {
        self.shared.with(|i| Ok(i.runs(traj)?.counts()))
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(traj, |r| r.read(prefix, spec))
    }

    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(traj, |r| r.run_nodes(index, spec))
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        // A run's plain scalar lives in its bucket's column: read through
        // the column buffers, so reading every run's leaf reads each column once.
        let cached = self.shared.with(|i| {
            i.traj_group(traj)?;
            i.column_data(traj, path)
        })?;
        match cached {
            Some(d) => Ok(d),
            None => self.reading(traj, |r| r.data(path)),
        }
    }

    fn close(&self) -> Result<()> {
        self.checkpoint()
    }

    fn read_column_each(
        &self,
        traj: &str,
        column: &pet_core::storage::ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()> {
        self.reading(traj, |r| r.column(column, each))
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.shared.with(|i| {
            let g = i.traj_group(traj)?;
            i.runs(traj)?.list(&g)
        })
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        self.shared.with(|i| i.delete(traj, path))
    }
}
