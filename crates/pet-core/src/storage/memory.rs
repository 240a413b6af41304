//! An in-memory store: the reference backend used to test everything above the storage trait.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::descriptor::{Access, Descriptor, UrlOptions};
use super::{
    under, writers, Backend, Change, ClaimRequest, Claimed, LocalClaims, PointAppend, ReadSpec,
    RunCounts, RunInfo, RunRecord, Store, StoredRuns, TrajectoryInfo,
};
use crate::location::Location;
use crate::name;
use crate::tree::{LeafData, Node, NodeRecord};
use crate::{PetError, Result};

#[derive(Default)]
struct MemTraj {
    info: Option<TrajectoryInfo>,
    nodes: BTreeMap<String, Node>,
    runs: BTreeMap<usize, RunInfo>,
}

impl MemTraj {
    fn put(&mut self, rec: &NodeRecord) {
        for a in name::ancestors(&rec.path) {
            self.nodes.entry(a.to_string()).or_insert_with(Node::group);
        }
        let mut node = rec.node.clone();
        if node.data.is_none() && node.is_leaf() {
            node.data = self.nodes.get(&rec.path).and_then(|n| n.data.clone());
        }
        self.nodes.insert(rec.path.clone(), node);
    }

    /// Writes run information, leaving completed runs as they are.
    fn put_runs(&mut self, runs: &[RunInfo]) {
        let done = |i| self.runs.get(&i).is_some_and(|r: &RunInfo| r.completed);
        let changed: Vec<RunInfo> = writers::changeable_infos(runs, done)
            .into_iter()
            .cloned()
            .collect();
        for r in changed {
            self.runs.insert(r.index, r);
        }
    }

    /// Checks every append against the stored lists (before any grows).
    fn check_appends(&self, appends: &[PointAppend<'_>]) -> Result<()> {
        for a in appends {
            match self.nodes.get(a.path).and_then(|n| n.data.as_ref()) {
                Some(LeafData::Param { value, explored }) => {
                    a.check_stored(value, explored.as_ref().map(Vec::len))?
                }
                Some(LeafData::Result { .. }) => {
                    return Err(PetError::Explore(format!("'{}' is a result", a.path)))
                }
                None => return Err(PetError::NotFound(a.path.to_string())),
            }
        }
        Ok(())
    }

    /// Appends points [`MemTraj::check_appends`] accepted.
    fn append_checked(&mut self, appends: &[PointAppend<'_>]) {
        for a in appends {
            if let Some(node) = self.nodes.get_mut(a.path) {
                if let Some(LeafData::Param {
                    explored: Some(list),
                    ..
                }) = &mut node.data
                {
                    list.extend_from_slice(a.values);
                }
                node.refresh_kind();
            }
        }
    }

    /// Removes the node at `path` and everything below; returns how many went.
    fn remove(&mut self, path: &str) -> usize {
        let doomed: Vec<String> = self
            .nodes
            .range(path.to_string()..)
            .take_while(|(p, _)| p.starts_with(path))
            .filter(|(p, _)| under(p, path))
            .map(|(p, _)| p.clone())
            .collect();
        for p in &doomed {
            self.nodes.remove(p);
        }
        doomed.len()
    }
}

/// A node as a record, with or without its data as `spec` asks.
fn record(path: &str, node: &Node, spec: ReadSpec) -> NodeRecord {
    NodeRecord {
        path: path.to_string(),
        node: if spec.with_data {
            node.clone()
        } else {
            node.skeleton()
        },
    }
}

/// The memory backend: `memory://`, a fresh empty store per open.
pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "memory",
    feature: "(always built in)",
    schemes: &["memory"],
    extensions: &[],
    file: false,
    options: UrlOptions::Only(&[]),
    example: "memory://",
    open: Some(open),
};

fn open(loc: &Location, default: Access) -> Result<Arc<dyn Store>> {
    let store = MemoryStore::new();
    Ok(Arc::new(
        if Access::from_location(loc, default)?.is_read_only() {
            store.read_only_view()
        } else {
            store
        },
    ))
}

/// Keeps trajectories in process memory; nothing survives the process.
#[derive(Default)]
pub struct MemoryStore {
    trajs: Arc<Mutex<BTreeMap<String, MemTraj>>>,
    claims: Arc<LocalClaims>,
    read_only: bool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A handle on the same trajectories that refuses every write.
    pub fn read_only_view(&self) -> Self {
        MemoryStore {
            trajs: self.trajs.clone(),
            claims: self.claims.clone(),
            read_only: true,
        }
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, MemTraj>> {
        // A panic while holding the lock cannot leave a half-written batch because
        // every batch is validated before the first mutation.
        self.trajs.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with<T>(&self, traj: &str, f: impl FnOnce(&mut MemTraj) -> Result<T>) -> Result<T> {
        let mut g = self.lock();
        let t = g
            .get_mut(traj)
            .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))?;
        f(t)
    }
}

impl Backend for MemoryStore {
    fn location(&self) -> String {
        "memory://".into()
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        Ok(self
            .lock()
            .values()
            .filter_map(|t| t.info.clone())
            .collect())
    }

    fn create(&self, info: &TrajectoryInfo) -> Result<()> {
        Backend::create_with(self, info, &[], &[])
    }

    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        let mut g = self.lock();
        if g.contains_key(&info.name) {
            return Err(PetError::TrajectoryExists(info.name.clone()));
        }
        let mut t = MemTraj {
            info: Some(info.clone()),
            ..MemTraj::default()
        };
        nodes.iter().for_each(|n| t.put(n));
        for r in runs {
            t.runs.insert(r.index, r.clone());
        }
        g.insert(info.name.clone(), t);
        Ok(())
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        self.with(traj, |t| {
            t.info
                .clone()
                .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))
        })
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        match self.lock().remove(traj) {
            Some(_) => {
                self.claims.forget(traj);
                Ok(())
            }
            None => Err(PetError::NoTrajectory(traj.to_string())),
        }
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        self.with(traj, |t| {
            nodes.iter().for_each(|n| t.put(n));
            Ok(())
        })
    }

    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        self.with(traj, |t| {
            t.put_runs(runs);
            Ok(())
        })
    }

    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        self.with(traj, |t| {
            // Every append is checked before the first list grows: all or nothing.
            t.check_appends(appends)?;
            t.append_checked(appends);
            Ok(())
        })
    }

    /// The whole change under one lock, checked before the first write.
    fn write_change(&self, traj: &str, change: &Change<'_>) -> Result<()> {
        self.with(traj, |t| {
            t.check_appends(change.appends)?;
            t.append_checked(change.appends);
            for p in change.removed {
                t.remove(p);
            }
            change.nodes.iter().for_each(|n| t.put(n));
            t.put_runs(change.runs);
            Ok(())
        })
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns> {
        let report = self.with(traj, |t| {
            let done = |i| t.runs.get(&i).is_some_and(|r: &RunInfo| r.completed);
            let (keep, report) = writers::first_copies(runs, |r| r.info.index, done);
            let keep: Vec<RunRecord> = keep.into_iter().cloned().collect();
            for run in keep {
                run.nodes.iter().for_each(|n| t.put(n));
                t.runs.insert(run.info.index, run.info);
            }
            Ok(report)
        })?;
        self.claims.end(traj, runs.iter().map(|r| r.info.index));
        Ok(report)
    }

    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed> {
        self.with(traj, |t| {
            let pending = t.runs.values().filter(|r| !r.completed).map(|r| r.index);
            Ok(self.claims.claim(traj, pending, req))
        })
    }

    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize> {
        self.with(traj, |_| Ok(self.claims.renew(traj, worker, runs, until)))
    }

    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()> {
        self.with(traj, |_| {
            self.claims.release(traj, worker, runs);
            Ok(())
        })
    }

    fn run_counts(&self, traj: &str) -> Result<RunCounts> {
        self.with(traj, |t| {
            Ok(RunCounts {
                runs: t.runs.len(),
                completed: t.runs.values().filter(|r| r.completed).count(),
            })
        })
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.with(traj, |t| {
            Ok(t.nodes
                .range(prefix.to_string()..)
                .take_while(|(p, _)| p.starts_with(prefix))
                .filter(|(p, _)| under(p, prefix) && spec.includes(prefix, p))
                .map(|(p, n)| record(p, n, spec))
                .collect())
        })
    }

    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.with(traj, |t| {
            Ok(t.nodes
                .iter()
                .filter(|(p, _)| name::run_of_path(p) == Some(index))
                .map(|(p, n)| record(p, n, spec))
                .collect())
        })
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        self.with(traj, |t| {
            t.nodes
                .get(path)
                .and_then(|n| n.data.clone())
                .ok_or_else(|| PetError::NotFound(path.to_string()))
        })
    }

    fn read_column_each(
        &self,
        traj: &str,
        column: &super::ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()> {
        let mut rows = self.with(traj, |t| {
            let prefix = format!("{}.", column.group);
            Ok(t.nodes
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .filter_map(|(p, n)| Some((column.run_of(p)?, n.data.clone()?)))
                .collect::<Vec<_>>())
        })?;
        rows.sort_by_key(|(i, _)| *i);
        rows.into_iter().try_for_each(|(i, d)| each(i, d))
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.with(traj, |t| Ok(t.runs.values().cloned().collect()))
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        self.with(traj, |t| match t.remove(path) {
            0 => Err(PetError::NotFound(path.to_string())),
            n => Ok(n),
        })
    }
}
