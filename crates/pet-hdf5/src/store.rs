//! [`Hdf5Store`]: the [`Store`] implementation over one HDF5 file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pet_core::location::Location;
use pet_core::storage::{validate_records, ReadSpec, RunInfo, RunRecord, Store, TrajectoryInfo};
use pet_core::{name, LeafData, NodeRecord, PetError, Result};

use crate::file::Shared;
use crate::ops::OpRef;
use crate::options::Hdf5Options;
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
    /// `compression=none|lzf|shuffle-deflate1|deflate9`, `checkpoint=N`.
    pub fn from_url(url: &str) -> Result<Self> {
        let loc = Location::parse(url)?;
        if loc.scheme != "hdf5" {
            return Err(PetError::BadLocation {
                url: url.to_string(),
                reason: format!("scheme '{}' is not hdf5://", loc.scheme),
            });
        }
        let opts = Hdf5Options::from_location(&loc)?;
        Self::open_with(&loc.rest, opts)
    }

    /// Opens a store file with explicit options.
    pub fn open_with(path: impl AsRef<Path>, mut opts: Hdf5Options) -> Result<Self> {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return Err(bad(
                    path,
                    "this is a directory; give a file name such as results/sweep.h5",
                ))
            }
            Ok(m) => {
                if m.permissions().readonly() {
                    opts.read_only = true;
                }
            }
            Err(_) if opts.read_only => {
                return Err(bad(
                    path,
                    "the file does not exist (opened read-only, so it is not created)",
                ))
            }
            Err(_) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        bad(
                            path,
                            &format!("cannot create directory {}: {e}", dir.display()),
                        )
                    })?;
                }
            }
        }
        let key = absolute(path)?;
        let shared = registry::get_or_open(&key, || Shared::open(&key, opts, opts.read_only))?;
        let read_only = opts.read_only || shared.read_only;
        Ok(Hdf5Store { shared, read_only })
    }

    /// The HDF5 file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// True when this handle cannot write.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Writes everything to the HDF5 file now and empties the journal.
    pub fn checkpoint(&self) -> Result<()> {
        self.shared.with(|i| i.checkpoint())
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(PetError::Backend {
                backend: "hdf5",
                message: format!(
                    "{} is open read-only (mode=ro or no write permission); nothing was changed",
                    self.path().display()
                ),
            });
        }
        Ok(())
    }
}

impl Store for Hdf5Store {
    fn location(&self) -> String {
        format!("hdf5://{}", self.path().display())
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        self.shared.with(|i| i.list())
    }

    fn create(&self, info: &TrajectoryInfo) -> Result<()> {
        name::validate_part(&info.name)?;
        self.writable()?;
        self.shared.with(|i| {
            if i.traj_group(&info.name).is_ok() {
                return Err(PetError::AlreadyExists(format!(
                    "trajectory '{}'",
                    info.name
                )));
            }
            i.change(OpRef::Create(info))
        })
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        self.shared.with(|i| i.info(traj))
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        self.writable()?;
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Remove(traj))
        })
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        validate_records(nodes)?;
        self.writable()?;
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Nodes(traj, nodes))
        })
    }

    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        self.writable()?;
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::Runs(traj, runs))
        })
    }

    fn store_run(&self, traj: &str, run: &RunRecord) -> Result<()> {
        self.store_runs(traj, std::slice::from_ref(run))
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<()> {
        runs.iter().try_for_each(RunRecord::validate)?;
        self.writable()?;
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.change(OpRef::StoreRuns(traj, runs))
        })
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.flush_columns()?;
            Reader {
                file: &i.file,
                traj,
            }
            .read(prefix, spec)
        })
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        self.shared.with(|i| {
            i.traj_group(traj)?;
            i.flush_columns()?;
            Reader {
                file: &i.file,
                traj,
            }
            .data(path)
        })
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.shared.with(|i| Ok(i.runs(traj)?.list()))
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        self.writable()?;
        self.shared.with(|i| i.delete(traj, path))
    }
}
