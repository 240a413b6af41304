//! Creating, loading and storing trajectories through a [`Store`].

use std::sync::Arc;

use super::Trajectory;
use crate::name::BRANCHES;
use crate::storage::{
    Change, LoadLevel, LoadSpec, PointAppend, ReadSpec, RunInfo, Store, TrajectoryInfo,
};
use crate::tree::{LeafData, NodeKind, NodeRecord};
use crate::{PetError, Result};

/// Records a read vector holds before [`Trajectory::absorb`] gives back its
/// emptied half (below this, shrinking would cost more than it frees).
const SHRINK_FROM: usize = 1 << 14;

impl Trajectory {
    /// Creates a new trajectory in `store` (an error if the name is taken) and
    /// writes its empty skeleton.
    pub fn create(store: Arc<dyn Store>, name: &str, comment: &str) -> Result<Self> {
        let mut t = Trajectory::new(name)?;
        t.info.comment = comment.to_string();
        t.store_to(store)?;
        Ok(t)
    }

    /// Creates this in-memory trajectory in `store`, writes everything, and keeps
    /// the store attached.
    ///
    /// The trajectory is created whole ([`Store::create_with`]): another
    /// process sees all of it or none of it, and when another writer created
    /// it first this fails with [`PetError::TrajectoryExists`] and writes nothing.
    pub fn store_to(&mut self, store: Arc<dyn Store>) -> Result<()> {
        let records: Vec<NodeRecord> = self
            .nodes
            .iter()
            .map(|(p, n)| NodeRecord {
                path: p.clone(),
                node: (**n).clone(),
            })
            .collect();
        store.create_with(&self.info, &records, &self.runs)?;
        self.dirty.clear();
        self.removed.clear();
        self.runs_dirty = false;
        self.appended.clear();
        self.runs_changed.clear();
        self.store = Some(store);
        Ok(())
    }

    /// Loads a trajectory, each branch to the level in `spec`; data of nodes
    /// loaded as skeleton (or not at all) auto-loads when touched by full path.
    pub fn load(store: Arc<dyn Store>, name: &str, spec: LoadSpec) -> Result<Self> {
        let info = store.info(name)?;
        let mut t = Trajectory::from_info(info);
        t.store = Some(store.clone());
        for (branch, level) in spec.levels() {
            if level > LoadLevel::Nothing {
                let read = ReadSpec {
                    with_data: level == LoadLevel::Data,
                    include_runs: spec.runs,
                };
                t.load_subtree(branch, read)?;
            }
            if let Some(b) = super::parameter_branch(branch) {
                t.params_in_memory[b] = level == LoadLevel::Data;
            }
        }
        let runs = store.read_runs(name)?;
        if !runs.is_empty() {
            t.runs = runs;
        }
        t.dirty.clear();
        t.runs_dirty = false;
        t.add_missing_runs();
        Ok(t)
    }

    /// Adds pending runs for explored points the run table lacks: what a
    /// store written in steps leaves when a crash came between its points and
    /// its runs ([`Change::write_in_steps`]). The next store writes them.
    fn add_missing_runs(&mut self) {
        let stored = self
            .explored
            .iter()
            .filter_map(|p| match &self.nodes.get(p)?.kind {
                NodeKind::Leaf { type_info, .. } => type_info
                    .rsplit_once("explored len=")
                    .and_then(|(_, n)| n.parse::<usize>().ok()),
                _ => None,
            })
            .min();
        let Some(points) = stored else {
            return;
        };
        for i in self.runs.len()..points {
            let summary = self.summary(i);
            self.runs.push(RunInfo::pending(i, summary));
            self.runs_changed.insert(i);
        }
    }

    /// Loads (more of) a branch or subtree, by full path, to `level`, per-run
    /// subtrees below it included.
    pub fn load_branch(&mut self, path: &str, level: LoadLevel) -> Result<usize> {
        match level {
            LoadLevel::Nothing => Ok(0),
            LoadLevel::Skeleton => self.load_subtree(path, ReadSpec::SKELETON),
            LoadLevel::Data => self.load_subtree(path, ReadSpec::DATA),
        }
    }

    /// Loads the data of every parameter, config item and derived parameter
    /// (per-run derived parameters excluded): what runs read. A branch that
    /// is in memory whole already is not read again: one this trajectory
    /// built and stored, or loaded with data (an unload or a skeleton read
    /// there makes it read again).
    pub fn load_parameters(&mut self) -> Result<()> {
        if self.store.is_none() {
            return Ok(());
        }
        for (b, branch) in super::PARAMETER_BRANCHES.iter().enumerate() {
            if !self.params_in_memory[b] {
                self.load_subtree(branch, ReadSpec::DATA.without_runs())?;
                self.params_in_memory[b] = true;
            }
        }
        Ok(())
    }

    /// Loads what run `index` stored (its results and derived parameters) to `level`;
    /// returns how many nodes were read.
    pub fn load_run(&mut self, index: usize, level: LoadLevel) -> Result<usize> {
        self.run_info(index)?;
        if level == LoadLevel::Nothing {
            return Ok(0);
        }
        let store = self
            .store
            .clone()
            .ok_or_else(|| PetError::NoStore(self.info.name.clone()))?;
        let spec = ReadSpec {
            with_data: level == LoadLevel::Data,
            include_runs: true,
        };
        let records = store.read_run_nodes(&self.info.name, index, spec)?;
        Ok(self.absorb(records))
    }

    /// Reads nodes at and below `prefix` into memory without marking them dirty;
    /// nodes already in memory keep their data unless fresh data was read.
    pub(crate) fn load_subtree(&mut self, prefix: &str, spec: ReadSpec) -> Result<usize> {
        let store = self
            .store
            .clone()
            .ok_or_else(|| PetError::NoStore(self.info.name.clone()))?;
        let records = store.read_nodes(&self.info.name, prefix, spec)?;
        if records.is_empty() && !BRANCHES.contains(&prefix) {
            return Err(PetError::NotFound(prefix.to_string()));
        }
        Ok(self.absorb(records))
    }

    /// Puts records read from the store into memory without marking them dirty;
    /// returns how many. The records are taken in path order from the back of
    /// the reversed vector, which shrinks as it empties, so a full load holds
    /// the tree and what is left of the records, never both whole (a million
    /// runs' records are 300 MiB).
    fn absorb(&mut self, mut records: Vec<NodeRecord>) -> usize {
        let n = records.len();
        records.reverse();
        while let Some(NodeRecord { path, mut node }) = records.pop() {
            if node.data.is_none() {
                if let Some(old) = self.nodes.get(&path) {
                    node.data = old.data.clone();
                }
                if node.data.is_none() && matches!(node.kind, NodeKind::Leaf { .. }) {
                    if let Some(b) = super::parameter_branch(&path) {
                        self.params_in_memory[b] = false;
                    }
                }
            }
            if let NodeKind::Leaf { explored: true, .. } = node.kind {
                if !self.explored.contains(&path) {
                    self.explored.push(path.clone());
                }
            }
            self.insert_node(path, node, false);
            if records.capacity() > SHRINK_FROM && records.len() < records.capacity() / 2 {
                records.shrink_to_fit();
            }
        }
        n
    }

    /// Writes every change since the last store or load: new and changed nodes,
    /// removals, and run information. Points an expansion added to a stored
    /// parameter are appended ([`Store::append_points`]) and only new or
    /// changed runs are written, so storing after an expansion costs what it
    /// added, not the whole trajectory; a parameter that changed otherwise too
    /// (comment, annotations) is written whole.
    pub fn store(&mut self) -> Result<()> {
        let store = self
            .store
            .clone()
            .ok_or_else(|| PetError::NoStore(self.info.name.clone()))?;
        let name = self.info.name.clone();
        let removed: Vec<String> = self.removed.iter().cloned().collect();
        let records: Vec<NodeRecord> = self
            .dirty
            .iter()
            .filter_map(|p| {
                self.nodes.get(p).map(|n| NodeRecord {
                    path: p.clone(),
                    node: (**n).clone(),
                })
            })
            .collect();
        let appends: Vec<PointAppend<'_>> = self
            .appended
            .iter()
            .filter(|(p, _)| !self.dirty.contains(*p))
            .filter_map(|(p, &start)| {
                let values = match self.nodes.get(p)?.data.as_ref()? {
                    LeafData::Param {
                        explored: Some(list),
                        ..
                    } => list.get(start..)?,
                    _ => return None,
                };
                (!values.is_empty()).then_some(PointAppend {
                    path: p,
                    start,
                    values,
                })
            })
            .collect();
        let changed: Vec<RunInfo>;
        let runs: &[RunInfo] = if self.runs_dirty {
            &self.runs
        } else {
            changed = self
                .runs_changed
                .iter()
                .filter_map(|&i| self.runs.get(i).cloned())
                .collect();
            &changed
        };
        // One change: removals, nodes, appended points and runs together.
        store.write_change(
            &name,
            &Change {
                removed: &removed,
                nodes: &records,
                appends: &appends,
                runs,
            },
        )?;
        self.removed.clear();
        self.dirty.clear();
        self.appended.clear();
        self.runs_dirty = false;
        self.runs_changed.clear();
        Ok(())
    }

    /// True when memory holds changes the store does not have yet (what
    /// [`Trajectory::store`] would write).
    pub fn has_changes(&self) -> bool {
        !self.dirty.is_empty()
            || !self.removed.is_empty()
            || !self.appended.is_empty()
            || !self.runs_changed.is_empty()
            || self.runs_dirty
    }

    /// Stores what changed (if anything did) and flushes the store
    /// ([`Store::close`]), reporting every error; dropping the trajectory
    /// instead keeps changes in memory only. Idempotent; without a store it
    /// does nothing.
    pub fn close(&mut self) -> Result<()> {
        let Some(store) = self.store.clone() else {
            return Ok(());
        };
        if self.has_changes() {
            self.store()?;
        }
        store.close()
    }

    /// Parameter-like nodes (config, parameters, derived parameters; not those of
    /// single runs) with their data, as records: what a run needs to execute.
    pub fn param_records(&self) -> Vec<NodeRecord> {
        self.param_nodes()
            .map(|(p, n)| NodeRecord {
                path: p.clone(),
                node: n.clone(),
            })
            .collect()
    }

    /// Parameter-like nodes: everything but results and nodes of single runs.
    fn param_nodes(&self) -> impl Iterator<Item = (&String, &crate::tree::Node)> {
        self.iter_nodes()
            .filter(|(p, _)| super::parameter_branch(p).is_some())
    }

    /// Rebuilds an in-memory trajectory (no store) from its info, nodes and runs.
    pub fn from_parts(
        info: TrajectoryInfo,
        nodes: Vec<NodeRecord>,
        runs: Vec<RunInfo>,
    ) -> Result<Self> {
        let mut t = Trajectory::from_info(info);
        for rec in nodes {
            rec.validate()?;
            if let NodeKind::Leaf { explored: true, .. } = rec.node.kind {
                t.explored.push(rec.path.clone());
            }
            t.insert_node(rec.path, rec.node, false);
        }
        if !runs.is_empty() {
            t.runs = runs;
        }
        t.dirty.clear();
        t.runs_dirty = false;
        Ok(t)
    }

    /// A store-less copy of what runs need besides their point: parameters,
    /// config and derived parameters with the explored parameters reduced to
    /// their defaults, and no run table. Its size does not grow with the number
    /// of points; runs execute against it with [`Trajectory::run_at`].
    pub fn base_snapshot(&self) -> Result<Self> {
        let nodes = self
            .param_nodes()
            .map(|(p, n)| {
                let data = match &n.data {
                    Some(crate::tree::LeafData::Param {
                        value,
                        explored: Some(_),
                    }) => Some(crate::tree::LeafData::Param {
                        value: value.clone(),
                        explored: None,
                    }),
                    other => other.clone(),
                };
                NodeRecord {
                    path: p.clone(),
                    node: crate::tree::Node {
                        kind: n.kind.clone(),
                        comment: n.comment.clone(),
                        annotations: n.annotations.clone(),
                        data,
                    },
                }
            })
            .collect();
        Self::from_parts(self.info.clone(), nodes, Vec::new())
    }

    /// A store-less copy holding what runs need: parameters, config, derived
    /// parameters and run information (no results).
    pub fn snapshot(&self) -> Result<Self> {
        Self::from_parts(self.info.clone(), self.param_records(), self.runs.clone())
    }
}
