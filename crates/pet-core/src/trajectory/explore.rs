//! Exploration: points per parameter, the cartesian product, and expanding after runs.

use std::collections::BTreeSet;

use super::access::PARAM_BRANCHES;
use super::Trajectory;
use crate::name;
use crate::storage::RunInfo;
use crate::tree::LeafData;
use crate::value::Value;
use crate::{PetError, Result};

/// Converts any iterator of convertible items into a list of values.
pub fn vals<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Vec<Value> {
    items.into_iter().map(Into::into).collect()
}

/// The cartesian product of the given axes, in the given order: the first axis
/// varies slowest (`[x: 1,2] × [y: 10,20]` gives x = 1,1,2,2 and y = 10,20,10,20).
pub fn cartesian_product<S: Into<String>>(
    axes: impl IntoIterator<Item = (S, Vec<Value>)>,
) -> Vec<(String, Vec<Value>)> {
    let axes: Vec<(String, Vec<Value>)> = axes.into_iter().map(|(n, v)| (n.into(), v)).collect();
    let total: usize = axes.iter().map(|(_, v)| v.len()).product();
    let mut out: Vec<(String, Vec<Value>)> = axes
        .iter()
        .map(|(n, _)| (n.clone(), Vec::with_capacity(total)))
        .collect();
    for i in 0..total {
        let mut rest = i;
        for (k, (_, vals)) in axes.iter().enumerate().rev() {
            out[k].1.push(vals[rest % vals.len()].clone());
            rest /= vals.len();
        }
    }
    out
}

impl Trajectory {
    /// Full paths of the explored parameters, in exploration order.
    pub fn explored_names(&self) -> &[String] {
        &self.explored
    }

    /// Checks exploration input and resolves names to full paths.
    fn prepare_points<S: AsRef<str>>(
        &mut self,
        points: impl IntoIterator<Item = (S, Vec<Value>)>,
    ) -> Result<Vec<(String, Vec<Value>)>> {
        let mut out: Vec<(String, Vec<Value>)> = Vec::new();
        for (name, values) in points {
            let name = name.as_ref();
            let path = match self.resolve_in(name, &PARAM_BRANCHES) {
                Ok(p) => p,
                Err(PetError::NotFound(_)) => {
                    return Err(PetError::Explore(format!(
                        "'{name}' is not a parameter of this trajectory; add it first with add_parameter"
                    )))
                }
                Err(e) => return Err(e),
            };
            if out.iter().any(|(p, _)| *p == path) {
                return Err(PetError::Explore(format!("'{path}' is given twice")));
            }
            if values.is_empty() {
                return Err(PetError::Explore(format!(
                    "the list for '{path}' is empty; give at least one point"
                )));
            }
            self.ensure_data(&path)?;
            let default = match self.nodes.get(&path).and_then(|n| n.data.as_ref()) {
                Some(LeafData::Param { value, .. }) => value.clone(),
                _ => return Err(PetError::Explore(format!("'{path}' is not a parameter"))),
            };
            for (i, v) in values.iter().enumerate() {
                if !v.same_type(&default) {
                    return Err(PetError::Explore(format!(
                        "point {i} of '{path}' is {}, but the parameter is {}; types must match exactly",
                        v.signature(),
                        default.signature()
                    )));
                }
                v.validate()?;
            }
            out.push((path, values));
        }
        if out.is_empty() {
            return Err(PetError::Explore("no parameter given".into()));
        }
        let lens: BTreeSet<usize> = out.iter().map(|(_, v)| v.len()).collect();
        if lens.len() > 1 {
            let detail: Vec<String> = out
                .iter()
                .map(|(p, v)| format!("{p}: {}", v.len()))
                .collect();
            return Err(PetError::Explore(format!(
                "all lists must have the same length, got {}; use cartesian_product for a grid",
                detail.join(", ")
            )));
        }
        Ok(out)
    }

    /// Explores parameters: one run per position in the (equally long) lists.
    pub fn explore<S: AsRef<str>>(
        &mut self,
        points: impl IntoIterator<Item = (S, Vec<Value>)>,
    ) -> Result<()> {
        if !self.explored.is_empty() {
            return Err(PetError::Explore(format!(
                "the trajectory already explores {}; use expand to add points",
                self.explored.join(", ")
            )));
        }
        if self.runs.iter().any(|r| r.completed) {
            return Err(PetError::Explore(
                "runs already completed; use expand to add points".into(),
            ));
        }
        let points = self.prepare_points(points)?;
        for (path, _) in &points {
            if self.is_locked(path)? {
                return Err(PetError::Locked(path.clone()));
            }
        }
        self.runs.clear();
        self.explored.clear();
        self.append_points(points, false);
        Ok(())
    }

    /// Explores the cartesian product of the axes (first axis varies slowest).
    pub fn explore_cartesian<S: Into<String>>(
        &mut self,
        axes: impl IntoIterator<Item = (S, Vec<Value>)>,
    ) -> Result<()> {
        self.explore(cartesian_product(axes))
    }

    /// Adds points after the existing runs; the names must be exactly the explored
    /// set. On a trajectory that explores nothing yet this is [`Trajectory::explore`].
    pub fn expand<S: AsRef<str>>(
        &mut self,
        points: impl IntoIterator<Item = (S, Vec<Value>)>,
    ) -> Result<()> {
        if self.explored.is_empty() {
            return self.explore(points);
        }
        let points = self.prepare_points(points)?;
        let given: BTreeSet<&String> = points.iter().map(|(p, _)| p).collect();
        let have: BTreeSet<&String> = self.explored.iter().collect();
        if given != have {
            return Err(PetError::Explore(format!(
                "expand must give exactly the explored parameters ({}), got {}",
                self.explored.join(", "),
                points
                    .iter()
                    .map(|(p, _)| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        self.append_points(points, self.append_only);
        Ok(())
    }

    /// When `append_only` is false, [`Trajectory::store`] writes an expansion
    /// the way it did before stores could append: every point of each expanded
    /// parameter and the whole run table, which costs all points each time.
    /// On by default; off only for comparisons (benchmarks, tests).
    pub fn set_append_only(&mut self, append_only: bool) {
        self.append_only = append_only;
    }

    /// Extends the explored lists in place and adds the runs. With `append`,
    /// a parameter that is not dirty otherwise remembers where its unstored
    /// points start and the new runs are marked one by one, so that
    /// [`Trajectory::store`] writes only what was added.
    fn append_points(&mut self, points: Vec<(String, Vec<Value>)>, append: bool) {
        let start = self.runs.len();
        let added = points.first().map(|(_, v)| v.len()).unwrap_or(0);
        for (path, values) in points {
            let mut stored_len = None;
            if let Some(node) = self.nodes.get_mut(&path) {
                if let Some(LeafData::Param { explored, .. }) = &mut node.data {
                    let list = explored.get_or_insert_with(Vec::new);
                    stored_len = Some(list.len());
                    list.extend(values);
                }
                node.refresh_kind();
            }
            if !self.explored.contains(&path) {
                self.explored.push(path.clone());
            }
            match stored_len {
                Some(n) if append && n > 0 && !self.dirty.contains(&path) => {
                    self.appended.entry(path).or_insert(n);
                }
                _ => {
                    self.appended.remove(&path);
                    self.dirty.insert(path);
                }
            }
        }
        for i in start..start + added {
            let summary = self.summary(i);
            self.runs.push(RunInfo::pending(i, summary));
        }
        if append {
            if !self.runs_dirty {
                self.runs_changed.extend(start..start + added);
            }
        } else {
            self.runs_dirty = true;
        }
    }

    /// The explored values of run `index` as `x=1, y=6`.
    /// Parameters appear in path order, so a trajectory built by a program and
    /// the same trajectory loaded from a store give the same summaries.
    pub(crate) fn summary(&self, index: usize) -> String {
        use std::fmt::Write;
        let mut paths: Vec<&String> = self.explored.iter().collect();
        if paths.len() > 1 {
            paths.sort();
        }
        // One string, written in place: this runs once per run of a sweep.
        let mut out = String::new();
        for p in paths {
            let Some(v) = self.explored_value(p, index) else {
                continue;
            };
            if !out.is_empty() {
                out.push_str(", ");
            }
            // Writing into a String cannot fail.
            let _ = write!(out, "{}={v}", name::last(p));
        }
        out
    }

    /// The value the explored parameter at full path `path` takes in run `index`.
    pub(crate) fn explored_value(&self, path: &str, index: usize) -> Option<&Value> {
        match self.nodes.get(path)?.data.as_ref()? {
            LeafData::Param {
                explored: Some(list),
                ..
            } => list.get(index),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cartesian_first_axis_slowest() {
        let c = cartesian_product([("x", vals([1, 2])), ("y", vals([10, 20]))]);
        assert_eq!(c[0].1, vals([1, 1, 2, 2]));
        assert_eq!(c[1].1, vals([10, 20, 10, 20]));
        let c = cartesian_product([("y", vals([10, 20])), ("x", vals([1, 2]))]);
        assert_eq!(c[1].1, vals([1, 2, 1, 2]));
        assert_eq!(c[0].1, vals([10, 10, 20, 20]));
    }
}
