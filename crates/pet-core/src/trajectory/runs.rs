//! Run bookkeeping: the current run, run information, points of runs, and
//! finding runs by predicate.

use super::access::PARAM_BRANCHES;
use super::Trajectory;
use crate::name::{self, RESULTS};
use crate::run::Run;
use crate::storage::{RunInfo, RunRecord};
use crate::tree::LeafData;
use crate::value::{FromValue, Value};
use crate::{PetError, Result};

/// One run of a trajectory: its index, information, parameter values and
/// (read when asked, never kept) results. [`Trajectory::runs`] iterates
/// them; [`Trajectory::find_runs`] hands them to predicates.
pub struct RunPoint<'a> {
    traj: &'a Trajectory,
    index: usize,
}

impl<'a> RunPoint<'a> {
    /// The run index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// A parameter's value in this run, by path or shortcut.
    pub fn value(&self, name: &str) -> Result<&Value> {
        self.traj.param_value_at(name, self.index)
    }

    /// A parameter's value in this run, converted strictly to `T`.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T> {
        T::from_value_at(self.value(name)?, name)
    }

    /// The run's information (completed, times, summary).
    pub fn info(&self) -> &'a RunInfo {
        &self.traj.runs[self.index]
    }

    /// The full path of the run's leaf `name`: `z` is
    /// `results.runs.run_N.z`; a full path may say `crun` for the run.
    pub fn path_of(&self, name: &str) -> String {
        if name::has_crun(name) {
            name::replace_crun(name, self.index)
        } else if name::BRANCHES.contains(&name::split_branch(name).0) {
            name.to_string()
        } else {
            format!("{}.{name}", Trajectory::run_results_path(self.index))
        }
    }

    /// A result (or derived parameter) of this run, strictly typed: from
    /// memory when loaded, else read from the store (and not kept, so
    /// iterating a million runs keeps memory flat).
    pub fn result<T: FromValue>(&self, name: &str) -> Result<T> {
        let path = self.path_of(name);
        let read;
        let data = match self.traj.nodes.get(&path).and_then(|n| n.data.as_ref()) {
            Some(d) => d,
            None => {
                let store = self
                    .traj
                    .store
                    .as_ref()
                    .ok_or_else(|| PetError::NotFound(path.clone()))?;
                read = store.read_data(&self.traj.info.name, &path)?;
                &read
            }
        };
        T::from_value_at(data.single_value(&path)?, &path)
    }

    /// Every node the run stored, with its data, read from the store (or
    /// from memory without one); not kept in memory.
    pub fn results(&self) -> Result<Vec<crate::tree::NodeRecord>> {
        match &self.traj.store {
            Some(store) => store.read_run_nodes(
                &self.traj.info.name,
                self.index,
                crate::storage::ReadSpec::DATA,
            ),
            None => Ok(self
                .traj
                .nodes
                .iter()
                .filter(|(p, _)| name::run_of_path(p) == Some(self.index))
                .map(|(p, n)| crate::tree::NodeRecord {
                    path: p.clone(),
                    node: (**n).clone(),
                })
                .collect()),
        }
    }

    /// A numeric parameter as f64 (any integer or float type).
    pub fn f64(&self, name: &str) -> Result<f64> {
        let v = self.value(name)?;
        v.as_scalar()
            .and_then(|s| s.as_f64())
            .ok_or_else(|| PetError::mismatch(name, "a real number", v.signature()))
    }
}

impl Trajectory {
    /// Every run in index order, each with its parameter values and its
    /// results read on demand (nothing is loaded into the trajectory).
    ///
    /// ```
    /// use pet_core::{vals, Trajectory};
    /// let mut t = Trajectory::new("iter")?;
    /// t.add_parameter("x", 0i64, "")?;
    /// t.explore([("x", vals([1i64, 2, 3]))])?;
    /// let sum: i64 = t.runs().map(|r| r.get::<i64>("x")).sum::<Result<i64, _>>()?;
    /// assert_eq!(sum, 6);
    /// # Ok::<(), pet_core::PetError>(())
    /// ```
    pub fn runs(&self) -> impl ExactSizeIterator<Item = RunPoint<'_>> {
        (0..self.runs.len()).map(move |index| RunPoint { traj: self, index })
    }

    /// Number of runs (1 when nothing is explored).
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Always false: a trajectory has at least one run.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Selects run `index`: explored parameters take that run's values and
    /// `crun`/`$` in paths mean that run.
    pub fn set_run(&mut self, index: usize) -> Result<()> {
        if index >= self.runs.len() {
            return Err(PetError::NoSuchRun {
                index,
                len: self.runs.len(),
            });
        }
        self.current = Some(index);
        Ok(())
    }

    /// Selects no run: parameters show their defaults again.
    pub fn clear_run(&mut self) {
        self.current = None;
    }

    /// The selected run, if any.
    pub fn current_run(&self) -> Option<usize> {
        self.current
    }

    /// Information about every run, by index.
    pub fn run_infos(&self) -> &[RunInfo] {
        &self.runs
    }

    /// Information about one run.
    pub fn run_info(&self, index: usize) -> Result<&RunInfo> {
        self.runs.get(index).ok_or(PetError::NoSuchRun {
            index,
            len: self.runs.len(),
        })
    }

    /// Indices of runs that are not completed yet.
    pub fn pending_runs(&self) -> Vec<usize> {
        self.runs
            .iter()
            .filter(|r| !r.completed)
            .map(|r| r.index)
            .collect()
    }

    /// The explored values of run `index`, by full parameter path.
    pub fn point(&self, index: usize) -> Result<Vec<(String, Value)>> {
        self.run_info(index)?;
        Ok(self
            .explored
            .iter()
            .filter_map(|p| Some((p.clone(), self.explored_value(p, index)?.clone())))
            .collect())
    }

    /// The value a parameter-like leaf takes in run `index` (explored point or default).
    pub fn param_value_at(&self, name: &str, index: usize) -> Result<&Value> {
        let path = self.resolve_in(name, &PARAM_BRANCHES)?;
        self.param_value_of(path, index)
    }

    /// [`Trajectory::param_value_at`] for a path already resolved.
    pub(crate) fn param_value_of(&self, path: String, index: usize) -> Result<&Value> {
        let node = self
            .nodes
            .get(&path)
            .ok_or_else(|| PetError::NotFound(path.clone()))?;
        match &node.data {
            Some(LeafData::Param {
                explored: Some(list),
                ..
            }) => list.get(index).ok_or(PetError::NoSuchRun {
                index,
                len: list.len(),
            }),
            Some(LeafData::Param { value, .. }) => Ok(value),
            Some(LeafData::Result { .. }) => {
                Err(PetError::invalid(format!("'{path}' is a result")))
            }
            None => Err(PetError::invalid(format!(
                "the data of '{path}' is not loaded; load parameters with LoadLevel::Data"
            ))),
        }
    }

    /// Indices of the runs whose parameters satisfy `pred`, in order.
    ///
    /// ```
    /// # use pet_core::{Trajectory, vals};
    /// let mut t = Trajectory::new("t")?;
    /// t.add_parameter("rule", 0i64, "")?;
    /// t.explore([("rule", vals([10i64, 30, 90, 110, 184]))])?;
    /// let hits = t.find_runs(|p| Ok(p.get::<i64>("rule")? > 30 && p.get::<i64>("rule")? < 120))?;
    /// assert_eq!(hits, vec![2, 3]);
    /// # Ok::<(), pet_core::PetError>(())
    /// ```
    pub fn find_runs(&self, pred: impl Fn(&RunPoint) -> Result<bool>) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for index in 0..self.runs.len() {
            if pred(&RunPoint { traj: self, index })? {
                out.push(index);
            }
        }
        Ok(out)
    }

    /// A run view for run `index`: reads its parameter values, collects its results.
    pub fn run(&self, index: usize) -> Result<Run<'_>> {
        self.run_info(index)?;
        Ok(Run::new(self, index))
    }

    /// The explored values of run `index`, to run it against a
    /// [`Trajectory::base_snapshot`] with [`Trajectory::run_at`].
    pub fn point_values(&self, index: usize) -> Result<crate::run::PointValues> {
        self.run_info(index)?;
        let values = self
            .explored
            .iter()
            .map(|p| {
                self.explored_value(p, index)
                    .cloned()
                    .map(|v| (p.clone(), v))
                    .ok_or_else(|| PetError::NotFound(format!("{p} at run {index}")))
            })
            .collect::<Result<_>>()?;
        Ok(crate::run::PointValues {
            index,
            values,
            summary: self.summary(index),
        })
    }

    /// A run of `point` against this trajectory (a [`Trajectory::base_snapshot`]
    /// or the full trajectory); `point`'s values override the explored ones.
    pub fn run_at<'a>(&'a self, point: &'a crate::run::PointValues) -> Run<'a> {
        Run::at_point(self, point)
    }

    /// Takes a finished run into memory. When `stored` is true the store already
    /// holds it: the run table is updated and the run's nodes stay in the store
    /// (touching them auto-loads them); otherwise the run is kept whole in memory
    /// and written by the next [`Trajectory::store`].
    pub fn record_run(&mut self, record: &RunRecord, stored: bool) -> Result<()> {
        let index = record.info.index;
        if index >= self.runs.len() {
            return Err(PetError::NoSuchRun {
                index,
                len: self.runs.len(),
            });
        }
        let dirty = !stored;
        for n in &record.nodes {
            if dirty {
                self.insert_node(n.path.clone(), n.node.clone(), true);
            } else if self.nodes.contains_key(&n.path) {
                // Replace what memory held; runs not in memory stay in the store
                // (touching them auto-loads), so a million-run sweep keeps only
                // its run table in memory.
                self.insert_node(n.path.clone(), n.node.skeleton(), false);
            }
        }
        self.runs[index] = record.info.clone();
        if dirty {
            if self.append_only {
                if !self.runs_dirty {
                    self.runs_changed.insert(index);
                }
            } else {
                self.runs_dirty = true;
            }
        }
        Ok(())
    }

    /// Stores a finished run through the attached store (atomically) and records
    /// its skeleton in memory; without a store the run is kept in memory until
    /// [`Trajectory::store`].
    pub fn store_run(&mut self, record: &RunRecord) -> Result<()> {
        match self.store.clone() {
            Some(store) => {
                store.store_run(&self.info.name, record)?;
                self.record_run(record, true)
            }
            None => {
                record.validate()?;
                self.record_run(record, false)
            }
        }
    }

    /// Full path of the group holding run `index`'s results.
    pub fn run_results_path(index: usize) -> String {
        format!("{RESULTS}.{}.{}", name::RUNS, name::run_name(index))
    }
}
