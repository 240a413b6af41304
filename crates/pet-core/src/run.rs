//! One run's view of a trajectory: the parameter values of its point, and the
//! results it produces, gathered into a [`RunRecord`] that a store writes atomically.

use serde::{Deserialize, Serialize};

use crate::name::{self, DERIVED, RESULTS, RUNS};
use crate::storage::{RunInfo, RunRecord};
use crate::tree::{LeafData, LeafRole, Node, NodeRecord};
use crate::value::{FromValue, Value};
use crate::{PetError, Result, Trajectory};

/// The explored values of one run, taken out of the trajectory
/// ([`Trajectory::point_values`]): with a base snapshot that holds no explored
/// lists ([`Trajectory::base_snapshot`]) it is all a run needs, so what a
/// worker receives per run does not grow with the number of points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointValues {
    /// The run index.
    pub index: usize,
    /// `(full path, value)` of every explored parameter at this run.
    pub values: Vec<(String, Value)>,
    /// The run's parameter summary (`x=1, y=6`).
    pub summary: String,
}

/// A run in progress: read parameters, add results, then [`Run::finish`].
pub struct Run<'a> {
    traj: &'a Trajectory,
    index: usize,
    point: Option<&'a PointValues>,
    started: f64,
    nodes: Vec<NodeRecord>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(traj: &'a Trajectory, index: usize) -> Self {
        Run {
            traj,
            index,
            point: None,
            started: crate::now(),
            nodes: Vec::new(),
        }
    }

    /// A run of `point` against `base`, whose explored parameters `point` overrides.
    pub(crate) fn at_point(base: &'a Trajectory, point: &'a PointValues) -> Self {
        Run {
            point: Some(point),
            ..Run::new(base, point.index)
        }
    }

    /// The run index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The run name (`run_00000003`).
    pub fn name(&self) -> String {
        name::run_name(self.index)
    }

    /// The trajectory this run belongs to.
    pub fn trajectory(&self) -> &'a Trajectory {
        self.traj
    }

    /// A parameter's (or config item's) value in this run.
    pub fn value(&self, name: &str) -> Result<&'a Value> {
        let path = self
            .traj
            .resolve_in(name, &crate::trajectory::PARAM_BRANCHES)?;
        if let Some((_, v)) = self
            .point
            .and_then(|point| point.values.iter().find(|(p, _)| *p == path))
        {
            return Ok(v);
        }
        self.traj.param_value_of(path, self.index)
    }

    /// A parameter's value in this run, converted strictly to `T`.
    pub fn param<T: FromValue>(&self, name: &str) -> Result<T> {
        T::from_value_at(self.value(name)?, name)
    }

    fn run_path(&self, branch: &str, name: &str) -> Result<String> {
        let path = if name::has_crun(name) {
            format!("{branch}.{}", name::replace_crun(name, self.index))
        } else {
            format!("{branch}.{RUNS}.{}.{name}", name::run_name(self.index))
        };
        name::validate_path(&path)?;
        Ok(path)
    }

    fn push(&mut self, path: String, role: LeafRole, data: LeafData, comment: &str) -> Result<()> {
        data.validate(&path, role)?;
        if self.nodes.iter().any(|n| n.path == path) {
            return Err(PetError::AlreadyExists(path));
        }
        let inside = |outer: &str, inner: &str| {
            inner.len() > outer.len()
                && inner.starts_with(outer)
                && inner.as_bytes().get(outer.len()) == Some(&b'.')
        };
        if let Some(n) = self
            .nodes
            .iter()
            .find(|n| inside(&n.path, &path) || inside(&path, &n.path))
        {
            return Err(PetError::invalid(format!(
                "cannot add '{path}': this run already added '{}', and a result cannot hold another below it",
                n.path
            )));
        }
        self.nodes.push(NodeRecord {
            path,
            node: Node::leaf(role, data, comment),
        });
        Ok(())
    }

    /// Adds a result of this run (under `results.runs.run_XXXXXXXX` unless the
    /// name places `crun`/`$` itself).
    pub fn add_result(&mut self, name: &str, value: impl Into<Value>) -> Result<()> {
        self.add_result_commented(name, value, "")
    }

    /// Adds a result with a comment.
    pub fn add_result_commented(
        &mut self,
        name: &str,
        value: impl Into<Value>,
        comment: &str,
    ) -> Result<()> {
        let path = self.run_path(RESULTS, name)?;
        let item = name::last(&path).to_string();
        let items = crate::tree::Items::one(item, value.into());
        self.push(path, LeafRole::Result, LeafData::Result { items }, comment)
    }

    /// Adds a result with several named items.
    pub fn add_result_items<K: Into<String>>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = (K, Value)>,
        comment: &str,
    ) -> Result<()> {
        let path = self.run_path(RESULTS, name)?;
        let items = items.into_iter().map(|(k, v)| (k.into(), v)).collect();
        self.push(path, LeafRole::Result, LeafData::Result { items }, comment)
    }

    /// Adds a derived parameter of this run.
    pub fn add_derived(
        &mut self,
        name: &str,
        value: impl Into<Value>,
        comment: &str,
    ) -> Result<()> {
        let path = self.run_path(DERIVED, name)?;
        let data = LeafData::Param {
            value: value.into(),
            explored: None,
        };
        self.push(path, LeafRole::Derived, data, comment)
    }

    /// Nodes added so far.
    pub fn nodes(&self) -> &[NodeRecord] {
        &self.nodes
    }

    /// Ends the run: a completed [`RunRecord`] ready to store.
    pub fn finish(self) -> RunRecord {
        let summary = match self.point {
            Some(p) => p.summary.clone(),
            None => self.traj.summary(self.index),
        };
        let mut info = RunInfo::pending(self.index, summary);
        info.completed = true;
        info.started = Some(self.started);
        info.finished = Some(crate::now());
        RunRecord {
            info,
            nodes: self.nodes,
        }
    }
}
