//! Merging another trajectory of the same parameter space into this one.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::Trajectory;
use crate::name::{self, DERIVED, PARAMETERS, RESULTS, RUNS};
use crate::storage::{LoadLevel, ReadSpec, RunInfo};
use crate::tree::LeafData;
use crate::value::Value;
use crate::{PetError, Result};

/// Options for [`Trajectory::merge`].
#[derive(Clone, Copy, Debug, Default)]
pub struct MergeOptions {
    /// Skip runs of the other trajectory whose point already exists here.
    pub dedupe: bool,
}

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MergeReport {
    /// New indices of the runs taken over, paired with their old index in the other trajectory.
    pub added: Vec<(usize, usize)>,
    /// Other runs skipped as duplicates.
    pub skipped_runs: Vec<usize>,
    /// Non-run nodes of the other trajectory not copied because the path exists here.
    pub skipped_nodes: Vec<String>,
}

fn point_key(values: &[&Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        let _ = ciborium::into_writer(v, &mut out);
    }
    out
}

impl Trajectory {
    fn load_params_fully(&mut self) -> Result<()> {
        if self.store.is_some() {
            for b in [PARAMETERS, DERIVED, name::CONFIG] {
                self.load_branch(b, LoadLevel::Data)?;
            }
        }
        for p in self.leaves(PARAMETERS) {
            self.ensure_data(&p)?;
        }
        Ok(())
    }

    /// Merges `other` (same parameters, same types) into this trajectory: its runs
    /// are appended with new indices and their results moved along. Parameters
    /// whose defaults differ become explored. Call [`Trajectory::store`] afterwards.
    pub fn merge(&mut self, other: &mut Trajectory, opts: MergeOptions) -> Result<MergeReport> {
        self.load_params_fully()?;
        other.load_params_fully()?;
        let mine: BTreeMap<String, String> = self.param_signatures();
        let theirs: BTreeMap<String, String> = other.param_signatures();
        if mine != theirs {
            let a: BTreeSet<String> = mine.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let b: BTreeSet<String> = theirs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let diff: Vec<String> = a.symmetric_difference(&b).cloned().collect();
            return Err(PetError::Merge(format!(
                "the trajectories explore different parameter spaces; differences: {}",
                diff.join("; ")
            )));
        }
        let params: Vec<String> = mine.keys().cloned().collect();
        let (n1, n2) = (self.len(), other.len());
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        if opts.dedupe {
            for i in 0..n1 {
                seen.insert(self.point_key_of(&params, i)?);
            }
        }
        let mut report = MergeReport::default();
        let mut kept = Vec::new();
        for j in 0..n2 {
            if opts.dedupe && !seen.insert(other.point_key_of(&params, j)?) {
                report.skipped_runs.push(j);
            } else {
                kept.push(j);
            }
        }
        // New explored lists for every parameter that varies anywhere.
        let mut new_lists: Vec<(String, Vec<Value>)> = Vec::new();
        for p in &params {
            let mut list: Vec<Value> = Vec::with_capacity(n1 + kept.len());
            for i in 0..n1 {
                list.push(self.param_value_at(p, i)?.clone());
            }
            for &j in &kept {
                list.push(other.param_value_at(p, j)?.clone());
            }
            let varies = self.explored.contains(p)
                || other.explored.contains(p)
                || list.windows(2).any(|w| !w[0].same_as(&w[1]));
            if varies {
                new_lists.push((p.clone(), list));
            }
        }
        // Copy run nodes of the kept runs under their new names.
        let mut copies = Vec::new();
        for (k, &j) in kept.iter().enumerate() {
            let new_index = n1 + k;
            for branch in [RESULTS, DERIVED] {
                let old = format!("{branch}.{RUNS}.{}", name::run_name(j));
                let new = format!("{branch}.{RUNS}.{}", name::run_name(new_index));
                if other.store.is_some() {
                    match other.load_subtree(&old, ReadSpec::DATA) {
                        Ok(_) | Err(PetError::NotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                for path in other.subtree_paths(&old) {
                    other.ensure_data(&path)?;
                    if let Some(node) = other.nodes.get(&path) {
                        copies.push((format!("{new}{}", &path[old.len()..]), (**node).clone()));
                    }
                }
            }
            let mut info: RunInfo = other.run_info(j)?.clone();
            info.index = new_index;
            report.added.push((new_index, j));
            self.runs.push(info);
        }
        // Non-run results and derived parameters that are new here.
        for branch in [RESULTS, DERIVED] {
            if other.store.is_some() {
                other.load_subtree(branch, ReadSpec::DATA.without_runs())?;
            }
            let run_prefix = format!("{branch}.{RUNS}");
            for path in other.subtree_paths(branch) {
                if path == branch || crate::storage::under(&path, &run_prefix) {
                    continue;
                }
                if self.nodes.contains_key(&path) {
                    if other.nodes.get(&path).is_some_and(|n| n.is_leaf()) {
                        report.skipped_nodes.push(path);
                    }
                    continue;
                }
                other.ensure_data(&path)?;
                if let Some(node) = other.nodes.get(&path) {
                    copies.push((path.clone(), (**node).clone()));
                }
            }
        }
        for (path, node) in copies {
            self.insert_node(path, node, true);
        }
        self.apply_explored_lists(new_lists);
        Ok(report)
    }

    fn param_signatures(&self) -> BTreeMap<String, String> {
        self.leaves(PARAMETERS)
            .into_iter()
            .filter_map(|p| match self.nodes.get(&p)?.data.as_ref()? {
                LeafData::Param { value, .. } => Some((p, value.signature())),
                LeafData::Result { .. } => None,
            })
            .collect()
    }

    fn point_key_of(&self, params: &[String], index: usize) -> Result<Vec<u8>> {
        let vals: Vec<&Value> = params
            .iter()
            .map(|p| self.param_value_at(p, index))
            .collect::<Result<_>>()?;
        Ok(point_key(&vals))
    }

    fn subtree_paths(&self, prefix: &str) -> Vec<String> {
        self.nodes
            .range(prefix.to_string()..)
            .take_while(|(p, _)| p.starts_with(prefix))
            .filter(|(p, _)| crate::storage::under(p, prefix))
            .map(|(p, _)| p.clone())
            .collect()
    }

    fn apply_explored_lists(&mut self, lists: Vec<(String, Vec<Value>)>) {
        for (path, list) in lists {
            if let Some(node) = self.nodes.get_mut(&path) {
                if let Some(LeafData::Param { value, .. }) = &node.data {
                    let value = value.clone();
                    node.set_data(LeafData::Param {
                        value,
                        explored: Some(list),
                    });
                }
            }
            if !self.explored.contains(&path) {
                self.explored.push(path.clone());
            }
            self.dirty.insert(path);
        }
        for i in 0..self.runs.len() {
            self.runs[i].summary = self.summary(i);
        }
        self.runs_dirty = true;
    }
}
