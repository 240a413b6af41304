//! Records exchanged with stores: trajectory info, run info, whole runs, and load levels.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::name::{self, DERIVED, RESULTS};
use crate::tree::{NodeKind, NodeRecord};
use crate::{PetError, Result};

/// Identity and metadata of a trajectory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryInfo {
    /// Unique name within the store.
    pub name: String,
    /// Free-text description.
    pub comment: String,
    /// Creation time, seconds since the Unix epoch.
    pub created: f64,
    /// Version of pet that created it.
    pub pet_version: String,
}

impl TrajectoryInfo {
    /// Info for a new trajectory created now by this pet version.
    pub fn new(name: &str, comment: &str) -> Result<Self> {
        name::validate_part(name)?;
        Ok(TrajectoryInfo {
            name: name.to_string(),
            comment: comment.to_string(),
            created: crate::now(),
            pet_version: crate::VERSION.to_string(),
        })
    }
}

/// Bookkeeping of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Run index, from 0 (the name, `run_00000042`, is [`RunInfo::name`]).
    pub index: usize,
    /// True once the run's results are stored.
    pub completed: bool,
    /// Start time (Unix seconds), if started.
    pub started: Option<f64>,
    /// Finish time (Unix seconds), if finished.
    pub finished: Option<f64>,
    /// Short summary of the explored values (`x=1, y=6`).
    pub summary: String,
}

impl RunInfo {
    /// A run that has not happened yet.
    pub fn pending(index: usize, summary: String) -> Self {
        RunInfo {
            index,
            completed: false,
            started: None,
            finished: None,
            summary,
        }
    }

    /// Seconds between start and finish.
    pub fn runtime(&self) -> Option<f64> {
        Some(self.finished? - self.started?)
    }

    /// The run's name, `run_00000042` for 42.
    pub fn name(&self) -> String {
        name::run_name(self.index)
    }

    /// Checks that the index is in range.
    pub fn validate(&self) -> Result<()> {
        crate::bounds::run_index(self.index)
    }
}

/// A whole run as stores receive it: its info and the nodes it produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's bookkeeping.
    pub info: RunInfo,
    /// Results and derived parameters the run added.
    pub nodes: Vec<NodeRecord>,
}

impl RunRecord {
    /// Checks that every node is valid, lies under `results` or `derived_parameters`
    /// inside this run's own subtree, appears once and lies below no leaf of the
    /// record; [`Store`](super::Store) calls this before a backend writes anything.
    pub fn validate(&self) -> Result<()> {
        self.info.validate()?;
        let mut seen = BTreeSet::new();
        for n in &self.nodes {
            n.validate()?;
            let branch = name::split_branch(&n.path).0;
            if branch != RESULTS && branch != DERIVED {
                return Err(PetError::invalid(format!(
                    "a run may only add results and derived parameters, not '{}'",
                    n.path
                )));
            }
            if name::run_of_path(&n.path) != Some(self.info.index) {
                return Err(PetError::invalid(format!(
                    "run {} may only add nodes inside its own group {}, not '{}'",
                    self.info.index,
                    self.info.name(),
                    n.path
                )));
            }
            if matches!(n.node.kind, NodeKind::Leaf { .. }) && n.node.data.is_none() {
                return Err(PetError::invalid(format!(
                    "run leaf '{}' has no data",
                    n.path
                )));
            }
            if !seen.insert(n.path.as_str()) {
                return Err(PetError::AlreadyExists(n.path.clone()));
            }
        }
        no_leaf_has_children(&self.nodes)
    }
}

/// Refuses a batch of nodes in which a node lies below a leaf or link of the
/// same batch (`a` stored as a result, then `a.b`).
pub fn no_leaf_has_children(nodes: &[NodeRecord]) -> Result<()> {
    let ends: BTreeSet<&str> = nodes
        .iter()
        .filter(|n| !matches!(n.node.kind, NodeKind::Group))
        .map(|n| n.path.as_str())
        .collect();
    for n in nodes {
        if let Some(a) = name::ancestors(&n.path).find(|a| ends.contains(a)) {
            return Err(PetError::invalid(format!(
                "cannot store '{}': '{a}' is a leaf or link, not a group",
                n.path
            )));
        }
    }
    Ok(())
}

/// Refuses a batch of runs that holds one run twice (which copy would be
/// the run is not the store's to guess).
pub fn distinct_runs(runs: &[RunRecord]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for r in runs {
        if !seen.insert(r.info.index) {
            return Err(PetError::invalid(format!(
                "run {} appears twice in one batch of runs to store",
                r.info.name()
            )));
        }
    }
    Ok(())
}

/// What [`Store::read_nodes`](super::Store::read_nodes) returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadSpec {
    /// Include leaf data (otherwise a skeleton).
    pub with_data: bool,
    /// Include nodes inside per-run groups (`results.runs.run_00000042...`) when
    /// the prefix itself is not inside one.
    pub include_runs: bool,
}

impl ReadSpec {
    /// Names, types and metadata of every node.
    pub const SKELETON: ReadSpec = ReadSpec {
        with_data: false,
        include_runs: true,
    };
    /// Every node with its data.
    pub const DATA: ReadSpec = ReadSpec {
        with_data: true,
        include_runs: true,
    };

    /// The same, but leaving out per-run subtrees.
    pub fn without_runs(self) -> Self {
        ReadSpec {
            include_runs: false,
            ..self
        }
    }

    /// True when the node at `path`, read below `prefix`, belongs in the answer.
    pub fn includes(&self, prefix: &str, path: &str) -> bool {
        self.include_runs
            || name::run_of_path(prefix).is_some()
            || name::run_of_path(path).is_none()
    }
}

/// How much of a branch to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LoadLevel {
    /// Load nothing.
    Nothing,
    /// Names, types, comments and annotations, no data (data auto-loads on access).
    Skeleton,
    /// Everything.
    Data,
}

/// Load levels for the four top-level branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadSpec {
    /// `config`.
    pub config: LoadLevel,
    /// `parameters`.
    pub parameters: LoadLevel,
    /// `derived_parameters`.
    pub derived: LoadLevel,
    /// `results`.
    pub results: LoadLevel,
    /// Load per-run subtrees (`results.runs.run_*`, `derived_parameters.runs.run_*`)
    /// eagerly. When false they stay in the store until touched by full path or
    /// loaded with [`Trajectory::load_run`](crate::Trajectory::load_run); the run
    /// table still lists every run. Keeps opening a million-run trajectory fast.
    pub runs: bool,
}

impl Default for LoadSpec {
    /// Config and parameters with data, derived parameters and results as
    /// skeleton, per-run subtrees on demand.
    fn default() -> Self {
        LoadSpec {
            config: LoadLevel::Data,
            parameters: LoadLevel::Data,
            derived: LoadLevel::Skeleton,
            results: LoadLevel::Skeleton,
            runs: false,
        }
    }
}

impl LoadSpec {
    /// Everything with data.
    pub fn all() -> Self {
        Self::uniform(LoadLevel::Data)
    }

    /// The same level for all branches, per-run subtrees included.
    pub fn uniform(level: LoadLevel) -> Self {
        LoadSpec {
            config: level,
            parameters: level,
            derived: level,
            results: level,
            runs: true,
        }
    }

    /// Skeleton of every branch, per-run subtrees on demand: the fastest way to
    /// open a large trajectory.
    pub fn skeleton() -> Self {
        LoadSpec {
            runs: false,
            ..Self::uniform(LoadLevel::Skeleton)
        }
    }

    /// `(branch, level)` pairs in canonical order.
    pub fn levels(&self) -> [(&'static str, LoadLevel); 4] {
        [
            (name::CONFIG, self.config),
            (name::PARAMETERS, self.parameters),
            (name::DERIVED, self.derived),
            (RESULTS, self.results),
        ]
    }
}
