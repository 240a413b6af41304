//! [`PypetStore`]: the read-only [`Backend`] over one pypet file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pet_core::location::Location;
use pet_core::storage::{
    descriptor, file, Backend, ClaimRequest, Claimed, ReadSpec, RunCounts, RunInfo, RunRecord,
    StoredRuns, TrajectoryInfo,
};
use pet_core::{name, LeafData, NodeRecord, PetError, Result};

use crate::error::{bad, io};
use crate::overview::{self, Info};
use crate::report::{Outcome, Report};
use crate::tree::{self, Cache, Reader};
use crate::{Source, DESCRIPTOR};

/// What the store knows about one trajectory once it was first asked for.
struct Traj {
    info: Info,
    comment: String,
    runs: Vec<RunInfo>,
    cache: Cache,
    report: Report,
}

struct Inner {
    h5: hdf5::File,
    raw: std::fs::File,
    raw_len: u64,
    names: Vec<String>,
    trajs: BTreeMap<String, Traj>,
}

/// A pypet HDF5 file opened read-only as a pet store.
pub struct PypetStore {
    path: PathBuf,
    inner: Mutex<Inner>,
}

impl PypetStore {
    /// Opens a pypet file; a file that is not one is an error saying what it is.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        file::prepare(path, true, "pypet://results/old.hdf5")?;
        let h5 = pet_hdf5::file_access().open(path).map_err(|e| {
            bad(
                &path.display().to_string(),
                format!("HDF5 cannot open it: {e}"),
            )
        })?;
        let names = pet_hdf5::foreign::pypet_trajectories(&h5);
        if names.is_empty() {
            return Err(bad(
                &path.display().to_string(),
                "an HDF5 file, but not one pypet wrote (no trajectory group with pypet's overview/info table)",
            ));
        }
        let raw = std::fs::File::open(path).map_err(|e| io("cannot open the file", e))?;
        let raw_len = raw
            .metadata()
            .map_err(|e| io("cannot read the file's size", e))?
            .len();
        Ok(PypetStore {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner {
                h5,
                raw,
                raw_len,
                names,
                trajs: BTreeMap::new(),
            }),
        })
    }

    /// Opens a store from a URL: `pypet://old.hdf5`.
    pub fn from_url(url: &str) -> Result<Self> {
        let (_, loc) = descriptor::resolve(url, &[&DESCRIPTOR])?;
        Self::from_location(&loc)
    }

    /// Opens the store a resolved location names.
    pub fn from_location(loc: &Location) -> Result<Self> {
        Self::open(&loc.rest)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What reading trajectory `traj` found so far: nodes read, converted,
    /// carried as opaque pickles, skipped with their reasons. Complete once
    /// every node was read (after a migration, or [`PypetStore::read_all`]).
    pub fn report(&self, traj: &str) -> Result<Report> {
        self.with(traj, |_, t| Ok(t.report.clone()))
    }

    /// Reads every node of `traj` once (with data) and returns the complete report.
    pub fn read_all(&self, traj: &str) -> Result<Report> {
        self.with(traj, |src, t| {
            let mut r = Reader {
                src,
                traj,
                cache: &mut t.cache,
                report: &mut t.report,
            };
            r.read("", ReadSpec::DATA)?;
            Ok(t.report.clone())
        })
    }

    fn with<T>(
        &self,
        traj: &str,
        f: impl FnOnce(&Source<'_>, &mut Traj) -> Result<T>,
    ) -> Result<T> {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *g;
        if !inner.names.iter().any(|n| n == traj) {
            return Err(PetError::NoTrajectory(traj.to_string()));
        }
        let src = Source {
            h5: &inner.h5,
            raw: &inner.raw,
            raw_len: inner.raw_len,
        };
        if !inner.trajs.contains_key(traj) {
            let t = load(&src, traj)?;
            inner.trajs.insert(traj.to_string(), t);
        }
        let t = inner
            .trajs
            .get_mut(traj)
            .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))?;
        f(&src, t)
    }

    fn reading<T>(&self, traj: &str, f: impl FnOnce(&mut Reader<'_>) -> Result<T>) -> Result<T> {
        self.with(traj, |src, t| {
            let mut r = Reader {
                src,
                traj,
                cache: &mut t.cache,
                report: &mut t.report,
            };
            f(&mut r)
        })
    }

    fn refuse(&self) -> PetError {
        PetError::Foreign {
            location: Backend::location(self),
            format: "pypet",
        }
    }
}

/// Reads a trajectory's overview tables and summary comments.
fn load(src: &Source<'_>, traj: &str) -> Result<Traj> {
    let at = format!("/{traj}");
    let tg = src.h5.group(&at).map_err(|_| tree::no_group(&at))?;
    let ov = overview::group(&tg)?;
    let ov_at = format!("{at}/overview");
    let info = overview::info(src, &ov, &ov_at)?;
    let runs = overview::runs(src, &ov, info.length, &ov_at)?;
    let mut cache = Cache::default();
    for b in [name::RESULTS, name::DERIVED] {
        cache
            .summaries
            .insert(b.to_string(), overview::summary(src, &ov, b, &ov_at)?);
    }
    let comment = crate::attrs::string(&tg, "SRVC_INIT_COMMENT", &at)?
        .unwrap_or_else(|| info.comment.clone());
    let mut report = Report {
        trajectory: traj.to_string(),
        ..Report::default()
    };
    tree::root_extras(&tg, traj, &mut report)?;
    let explored = overview::explorations(src, &ov, &ov_at)?;
    for e in explored {
        if name::validate_path(&e).is_err() {
            report.record(
                &e,
                Outcome::Skipped("an explored parameter whose name is not a pet name".into()),
            );
        }
    }
    Ok(Traj {
        info,
        comment,
        runs,
        cache,
        report,
    })
}

impl Backend for PypetStore {
    fn location(&self) -> String {
        format!("pypet://{}", self.path.display())
    }

    fn is_read_only(&self) -> bool {
        true
    }

    fn foreign(&self) -> Option<&'static str> {
        Some("pypet")
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        let names = {
            let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            g.names.clone()
        };
        names
            .iter()
            .filter(|n| name::validate_part(n).is_ok())
            .map(|n| self.info(n))
            .collect()
    }

    fn create(&self, _info: &TrajectoryInfo) -> Result<()> {
        Err(self.refuse())
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        self.with(traj, |_, t| {
            Ok(TrajectoryInfo {
                name: traj.to_string(),
                comment: t.comment.clone(),
                created: t.info.timestamp,
                pet_version: format!("pypet {}", t.info.version),
            })
        })
    }

    fn remove_trajectory(&self, _traj: &str) -> Result<()> {
        Err(self.refuse())
    }

    fn write_nodes(&self, _traj: &str, _nodes: &[NodeRecord]) -> Result<()> {
        Err(self.refuse())
    }

    fn write_runs(&self, _traj: &str, _runs: &[RunInfo]) -> Result<()> {
        Err(self.refuse())
    }

    fn store_runs(&self, _traj: &str, _runs: &[RunRecord]) -> Result<StoredRuns> {
        Err(self.refuse())
    }

    fn claim_runs(&self, _traj: &str, _req: &ClaimRequest<'_>) -> Result<Claimed> {
        Err(self.refuse())
    }

    fn renew_claims(&self, _traj: &str, _w: &str, _runs: &[usize], _until: f64) -> Result<usize> {
        Err(self.refuse())
    }

    fn release_claims(&self, _traj: &str, _worker: &str, _runs: &[usize]) -> Result<()> {
        Err(self.refuse())
    }

    fn run_counts(&self, traj: &str) -> Result<RunCounts> {
        self.with(traj, |_, t| {
            Ok(RunCounts {
                runs: t.runs.len(),
                completed: t.runs.iter().filter(|r| r.completed).count(),
            })
        })
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(traj, |r| r.read(prefix, spec))
    }

    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(traj, |r| r.run_nodes(index, spec))
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        self.reading(traj, |r| {
            r.read(path, ReadSpec::DATA)?
                .into_iter()
                .find(|n| n.path == path)
                .and_then(|n| n.node.data)
                .ok_or_else(|| PetError::NotFound(path.to_string()))
        })
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.with(traj, |_, t| Ok(t.runs.clone()))
    }

    fn delete(&self, _traj: &str, _path: &str) -> Result<usize> {
        Err(self.refuse())
    }
}
