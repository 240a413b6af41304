//! Freeing memory without deleting: [`Trajectory::unload`] drops stored
//! nodes from memory (touching them by full path loads them again), and the
//! rule that keeps [`Trajectory::remove`] from deleting a completed run's
//! results.

use super::Trajectory;
use crate::name::{self, BRANCHES, DERIVED, RESULTS};
use crate::{PetError, Result};

impl Trajectory {
    /// Drops the node at `name` and everything below it from memory; the
    /// store keeps them, and touching one by full path loads it again. Returns
    /// how many nodes left memory. Refused for nodes with changes not stored
    /// yet (unloading would lose them: [`Trajectory::store`] first), for
    /// explored parameters (runs need them) and without a store.
    pub fn unload(&mut self, name: &str) -> Result<usize> {
        if self.store.is_none() {
            return Err(PetError::NoStore(self.info.name.clone()));
        }
        let path = self.resolve(name)?;
        let doomed: Vec<String> = self
            .leaves_and_groups_under(&path)
            .into_iter()
            .filter(|p| !BRANCHES.contains(&p.as_str()))
            .collect();
        if let Some(p) = doomed
            .iter()
            .find(|p| self.dirty.contains(*p) || self.appended.contains_key(*p))
        {
            return Err(PetError::invalid(format!(
                "'{p}' has changes not stored yet; store them first (unloading would lose them)"
            )));
        }
        if let Some(p) = doomed.iter().find(|p| self.explored.contains(p)) {
            return Err(PetError::invalid(format!(
                "'{p}' is explored and stays in memory (runs need its points)"
            )));
        }
        self.forget_nodes(&doomed);
        Ok(doomed.len())
    }

    /// Drops what run `index` stored (`results.runs.run_…` and
    /// `derived_parameters.runs.run_…`) from memory, keeping it in the
    /// store; returns how many nodes left memory.
    pub fn unload_run(&mut self, index: usize) -> Result<usize> {
        self.run_info(index)?;
        let mut n = 0;
        for branch in [RESULTS, DERIVED] {
            let path = format!("{branch}.{}.{}", name::RUNS, name::run_name(index));
            if self.nodes.contains_key(&path) {
                n += self.unload(&path)?;
            }
        }
        Ok(n)
    }

    /// Refuses to remove `path` when that deletes results of a completed
    /// run: the run would stay completed without them, and no resume would
    /// compute them again.
    pub(crate) fn check_removable(&self, path: &str) -> Result<()> {
        let branch = name::split_branch(path).0;
        if branch != RESULTS && branch != DERIVED {
            return Ok(());
        }
        let completed = match name::run_of_path(path) {
            Some(i) => self.runs.get(i).filter(|r| r.completed).map(|_| i),
            None => {
                let runs_group = format!("{branch}.{}", name::RUNS);
                let holds_runs = crate::storage::under(&runs_group, path)
                    || self
                        .leaves_and_groups_under(path)
                        .iter()
                        .any(|p| name::run_of_path(p).is_some());
                if holds_runs {
                    self.runs.iter().find(|r| r.completed).map(|r| r.index)
                } else {
                    None
                }
            }
        };
        match completed {
            Some(i) => Err(PetError::invalid(format!(
                "'{path}' holds what completed run {i} stored: removing it would leave the run \
                 completed without it, and no resume would compute it again; to free memory \
                 and keep it stored, use unload(\"{path}\")"
            ))),
            None => Ok(()),
        }
    }
}
