//! The trajectory: the root of the tree, its index, lookup by path and shortcut,
//! and the parts split into submodules (building, access, exploration, runs,
//! persistence, merging).

mod access;
mod build;
mod column;
mod explore;
mod merge;
mod names;
mod persist;
mod runs;
mod unload;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

pub(crate) use access::PARAM_BRANCHES;
pub use column::Column;
pub use explore::{cartesian_product, vals};
pub use merge::MergeOptions;
pub use runs::RunPoint;

use crate::name::{self, BRANCHES};
use crate::storage::{RunInfo, Store, TrajectoryInfo};
use crate::tree::{Node, NodeKind};
use crate::{PetError, Result};

/// A tree of parameters and results plus the runs that explore the parameters.
pub struct Trajectory {
    info: TrajectoryInfo,
    /// Nodes by full path, each boxed: a tree slot is then a path and a
    /// pointer, so the half-empty slots of a tree filled in path order cost
    /// 32 bytes, not a whole node's.
    nodes: BTreeMap<String, Box<Node>>,
    by_name: names::NameIndex,
    runs: Vec<RunInfo>,
    explored: Vec<String>,
    current: Option<usize>,
    locked: Mutex<BTreeSet<String>>,
    store: Option<Arc<dyn Store>>,
    dirty: BTreeSet<String>,
    removed: BTreeSet<String>,
    runs_dirty: bool,
    /// Explored parameters an expansion extended since the last store, with the
    /// index of their first point not stored yet (written as appends unless
    /// the node is also in `dirty`).
    appended: BTreeMap<String, usize>,
    /// Runs whose information changed since the last store (all of them when `runs_dirty`).
    runs_changed: BTreeSet<usize>,
    /// When false, `store` writes expansions the old way (every point, every run).
    append_only: bool,
    /// Per branch of [`PARAMETER_BRANCHES`]: everything of it outside the runs
    /// that the store holds is in memory with its data, so
    /// [`Trajectory::load_parameters`] has nothing to read there. True for a
    /// trajectory built in memory (its store got what it holds) and after a
    /// read of the branch with data; a skeleton read or an unload there clears it.
    params_in_memory: [bool; 3],
}

/// The branches [`Trajectory::load_parameters`] loads: what runs read.
const PARAMETER_BRANCHES: [&str; 3] = [name::CONFIG, name::PARAMETERS, name::DERIVED];

/// Which of [`PARAMETER_BRANCHES`] holds `path`, for nodes outside the runs.
fn parameter_branch(path: &str) -> Option<usize> {
    if name::run_of_path(path).is_some() {
        return None;
    }
    let branch = name::split_branch(path).0;
    PARAMETER_BRANCHES.iter().position(|b| *b == branch)
}

impl std::fmt::Debug for Trajectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trajectory")
            .field("name", &self.info.name)
            .field("nodes", &self.nodes.len())
            .field("runs", &self.runs.len())
            .field("explored", &self.explored)
            .field("store", &self.store.as_ref().map(|s| s.location()))
            .finish()
    }
}

impl Trajectory {
    /// A new, empty trajectory in memory (attach a store with [`Trajectory::store_to`]).
    pub fn new(name: &str) -> Result<Self> {
        let info = TrajectoryInfo::new(name, "")?;
        Ok(Self::from_info(info))
    }

    fn from_info(info: TrajectoryInfo) -> Self {
        let mut t = Trajectory {
            info,
            nodes: BTreeMap::new(),
            by_name: names::NameIndex::default(),
            runs: vec![RunInfo::pending(0, String::new())],
            explored: Vec::new(),
            current: None,
            locked: Mutex::new(BTreeSet::new()),
            store: None,
            dirty: BTreeSet::new(),
            removed: BTreeSet::new(),
            runs_dirty: true,
            appended: BTreeMap::new(),
            runs_changed: BTreeSet::new(),
            append_only: true,
            params_in_memory: [true; 3],
        };
        for b in BRANCHES {
            t.nodes.insert(b.to_string(), Box::new(Node::group()));
            t.dirty.insert(b.to_string());
        }
        t
    }

    /// The trajectory's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Name, comment, creation time and pet version.
    pub fn info(&self) -> &TrajectoryInfo {
        &self.info
    }

    /// Sets the trajectory's comment (written when the trajectory is first stored).
    pub fn set_description(&mut self, comment: &str) {
        self.info.comment = comment.to_string();
    }

    /// Number of nodes in memory (groups, leaves and links).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The store this trajectory reads from and writes to, if any.
    pub fn store_handle(&self) -> Option<&Arc<dyn Store>> {
        self.store.as_ref()
    }

    /// Replaces `crun`/`$` parts with the current run's name.
    pub(crate) fn expand_crun(&self, path: &str) -> Result<String> {
        if !name::has_crun(path) {
            return Ok(path.to_string());
        }
        let idx = self
            .current
            .ok_or_else(|| PetError::NoCurrentRun(path.to_string()))?;
        Ok(name::replace_crun(path, idx))
    }

    /// Resolves a full path or a shortcut to the full path of an existing node
    /// (without following links). Shortcuts match the trailing parts of a path;
    /// among matches the shallowest wins, and a tie is an `Ambiguous` error.
    pub fn resolve(&self, name: &str) -> Result<String> {
        self.resolve_in(name, &BRANCHES)
    }

    pub(crate) fn resolve_in(&self, name: &str, branches: &[&str]) -> Result<String> {
        let name = self.expand_crun(name)?;
        if BRANCHES.contains(&name::split_branch(&name).0) {
            return if self.nodes.contains_key(&name) {
                Ok(name)
            } else {
                Err(PetError::NotFound(name))
            };
        }
        let suffix = format!(".{name}");
        let mut found: Vec<&str> = self
            .by_name
            .paths(name::last(&name))
            .filter(|p| p.ends_with(&suffix))
            .filter(|p| branches.contains(&name::split_branch(p).0))
            .collect();
        let Some(min) = found.iter().map(|p| name::depth(p)).min() else {
            return Err(PetError::NotFound(name));
        };
        found.retain(|p| name::depth(p) == min);
        // In path order, whichever part of the index each came from.
        found.sort_unstable();
        if found.len() == 1 {
            Ok(found[0].to_string())
        } else {
            Err(PetError::Ambiguous {
                name,
                candidates: found.into_iter().map(str::to_string).collect(),
            })
        }
    }

    /// Resolves and follows links (up to a depth of 16) to the target node's path.
    pub fn resolve_target(&self, name: &str) -> Result<String> {
        let mut path = self.resolve(name)?;
        for _ in 0..16 {
            match self.nodes.get(&path).map(|n| &n.kind) {
                Some(NodeKind::Link { target }) => {
                    if !self.nodes.contains_key(target) {
                        return Err(PetError::NotFound(format!(
                            "{target} (target of link {path})"
                        )));
                    }
                    path = target.clone();
                }
                _ => return Ok(path),
            }
        }
        Err(PetError::invalid(format!(
            "links starting at '{name}' form a cycle"
        )))
    }

    /// The node at a path or shortcut, following links.
    pub fn node(&self, name: &str) -> Result<&Node> {
        let path = self.resolve_target(name)?;
        self.nodes
            .get(&path)
            .map(|n| &**n)
            .ok_or(PetError::NotFound(path))
    }

    /// Full paths of the direct children of a group (`""` lists the branches).
    pub fn children(&self, group: &str) -> Result<Vec<String>> {
        let prefix = if group.is_empty() {
            String::new()
        } else {
            let g = self.resolve_target(group)?;
            format!("{g}.")
        };
        Ok(self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| !p[prefix.len()..].contains('.'))
            .map(|(p, _)| p.clone())
            .collect())
    }

    /// Full paths of every leaf at or below `prefix` (`""` for all), in path order.
    pub fn leaves(&self, prefix: &str) -> Vec<String> {
        self.nodes
            .range(prefix.to_string()..)
            .take_while(|(p, _)| p.starts_with(prefix))
            .filter(|(p, n)| crate::storage::under(p, prefix) && n.is_leaf())
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Every node in memory, in path order.
    pub fn iter_nodes(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.nodes.iter().map(|(p, n)| (p, &**n))
    }

    /// Inserts a node and any missing ancestor groups, keeping the name index.
    fn insert_node(&mut self, path: String, node: Node, mark_dirty: bool) {
        let ancestors: Vec<String> = name::ancestors(&path).map(str::to_string).collect();
        for a in ancestors {
            if !self.nodes.contains_key(&a) {
                self.index_add(&a);
                self.nodes.insert(a.clone(), Box::new(Node::group()));
                if mark_dirty {
                    self.dirty.insert(a);
                }
            }
        }
        if !self.nodes.contains_key(&path) {
            self.index_add(&path);
        }
        if mark_dirty {
            self.removed.remove(&path);
            self.dirty.insert(path.clone());
        }
        self.nodes.insert(path, Box::new(node));
    }

    fn index_add(&mut self, path: &str) {
        self.by_name.add(path);
    }

    /// Takes `paths` out of memory (nodes and name index).
    fn forget_nodes(&mut self, paths: &[String]) {
        for p in paths {
            self.nodes.remove(p);
            if let Some(b) = parameter_branch(p) {
                self.params_in_memory[b] = false;
            }
        }
        self.by_name.remove_all(paths);
    }
}
