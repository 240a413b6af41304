//! Column reads: one leaf of every run (`results.runs.run_N.z` for each N) in
//! one call ([`Store::read_column`](super::Store::read_column)); the place
//! where a column's path pattern is parsed and checked, and the default
//! read a backend without a faster way falls back on.

use crate::name::{self, CRUN, DERIVED, RESULTS};
use crate::tree::LeafData;
use crate::{PetError, Result};

use super::Backend;

/// Which leaf of every run a column reads: `<group>.run_N.<leaf>`, as in
/// `results.runs.crun.z` (`group` = `results.runs`, `leaf` = `z`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnPath {
    /// The parts before the run's name (`results.runs`).
    pub group: String,
    /// The parts after the run's name (`z`, or `neurons.rate`).
    pub leaf: String,
}

impl ColumnPath {
    /// Parses a pattern with one `crun` (or `$`) part standing for every run
    /// (`results.runs.crun.z`), below `results` or `derived_parameters`.
    pub fn parse(pattern: &str) -> Result<ColumnPath> {
        let bad = |reason: &str| PetError::InvalidName {
            name: pattern.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = pattern.split('.').collect();
        let at: Vec<usize> = (0..parts.len())
            .filter(|&i| CRUN.contains(&parts[i]))
            .collect();
        let [i] = at[..] else {
            return Err(bad(
                "a column names one leaf of every run with one 'crun' part, as in results.runs.crun.z",
            ));
        };
        if ![RESULTS, DERIVED].contains(&parts[0]) || i == 0 || i + 1 == parts.len() {
            return Err(bad(
                "a column lies below results or derived_parameters, with the leaf after 'crun'",
            ));
        }
        let c = ColumnPath {
            group: parts[..i].join("."),
            leaf: parts[i + 1..].join("."),
        };
        name::validate_path(&c.path_of(0))?;
        Ok(c)
    }

    /// The column of a result name (`z` means `results.runs.crun.z`) or of a
    /// full pattern.
    pub fn of_name(name_or_pattern: &str) -> Result<ColumnPath> {
        if name::has_crun(name_or_pattern) {
            Self::parse(name_or_pattern)
        } else {
            Self::parse(&format!("{RESULTS}.{}.crun.{name_or_pattern}", name::RUNS))
        }
    }

    /// The same leaf below `derived_parameters` (for a bare name that no run
    /// holds as a result).
    pub fn as_derived(&self) -> Option<ColumnPath> {
        let rest = self.group.strip_prefix(RESULTS)?;
        Some(ColumnPath {
            group: format!("{DERIVED}{rest}"),
            leaf: self.leaf.clone(),
        })
    }

    /// The pattern, with `crun` for the run.
    pub fn pattern(&self) -> String {
        format!("{}.crun.{}", self.group, self.leaf)
    }

    /// The leaf's full path in run `index`.
    pub fn path_of(&self, index: usize) -> String {
        format!("{}.{}.{}", self.group, name::run_name(index), self.leaf)
    }

    /// The run whose leaf `path` is, when `path` is this column's leaf of some run.
    pub fn run_of(&self, path: &str) -> Option<usize> {
        let rest = path.strip_prefix(&self.group)?.strip_prefix('.')?;
        let (run, leaf) = rest.split_once('.')?;
        (leaf == self.leaf).then(|| name::run_index(run))?
    }
}

/// The default column read, for backends without one query for it: the
/// leaf of each run in the run table, one read each (runs without it are
/// left out).
pub fn read_each<B: Backend + ?Sized>(
    b: &B,
    traj: &str,
    column: &ColumnPath,
    each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
) -> Result<()> {
    for run in b.read_runs(traj)? {
        let path = column.path_of(run.index);
        match b.read_data(traj, &path) {
            Ok(d) => each(run.index, d)?,
            Err(PetError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Checks the runs a backend's column read gives, one at a time: in
/// increasing order, each once, in range.
#[derive(Default)]
pub struct RowOrder {
    last: Option<usize>,
}

impl RowOrder {
    /// Checks the next row's run.
    pub fn check(&mut self, run: usize) -> Result<()> {
        if let Some(last) = self.last.filter(|&l| l >= run) {
            return Err(PetError::invalid(format!(
                "a column read gave run {run} after run {last}"
            )));
        }
        crate::bounds::run_index(run)?;
        self.last = Some(run);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_name_one_leaf_of_every_run() {
        let c = ColumnPath::of_name("z").unwrap();
        assert_eq!(c.group, "results.runs");
        assert_eq!(c.path_of(3), "results.runs.run_00000003.z");
        assert_eq!(c.run_of("results.runs.run_00000003.z"), Some(3));
        assert_eq!(c.run_of("results.runs.run_00000003.zz"), None);
        assert_eq!(c.run_of("results.runs.run_00000003.sub.z"), None);
        let d = ColumnPath::of_name("results.$.sub.z").unwrap();
        assert_eq!((d.group.as_str(), d.leaf.as_str()), ("results", "sub.z"));
        assert_eq!(
            c.as_derived().unwrap().pattern(),
            "derived_parameters.runs.crun.z"
        );
        for bad in [
            "results.runs.crun",
            "parameters.crun.x",
            "results.crun.crun.z",
            "a b",
        ] {
            assert!(ColumnPath::of_name(bad).is_err(), "{bad}");
        }
    }
}
