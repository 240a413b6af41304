//! The leaves runs stored, found from one skeleton read, and the column name each
//! value gets in a runs table or an export (`z`, `stats.max`, `derived.d`).

use std::collections::BTreeSet;

use pet_core::storage::{ColumnPath, ReadSpec};
use pet_core::{name, PetError, Store};

/// The leaves runs stored, each as the column of all runs that reads it
/// (`results.runs.crun.z`), from a skeleton read of the two branches runs add to.
pub fn run_leaves(store: &dyn Store, traj: &str) -> pet_core::Result<BTreeSet<ColumnPath>> {
    let mut out = BTreeSet::new();
    for branch in [name::RESULTS, name::DERIVED] {
        let nodes = match store.read_nodes(traj, branch, ReadSpec::SKELETON) {
            Err(PetError::NotFound(_)) => continue,
            other => other?,
        };
        for rec in nodes.iter().filter(|r| r.node.is_leaf()) {
            if name::run_of_path(&rec.path).is_none() {
                continue;
            }
            let pattern: Vec<&str> = rec
                .path
                .split('.')
                .map(|p| {
                    if name::run_index(p).is_some() {
                        "crun"
                    } else {
                        p
                    }
                })
                .collect();
            if let Ok(c) = ColumnPath::parse(&pattern.join(".")) {
                out.insert(c);
            }
        }
    }
    Ok(out)
}

/// Column name of a value a run stored at `path` (item `item`; `single` when the
/// leaf holds only that item).
pub fn column_name(path: &str, item: &str, single: bool) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let rel: Vec<&str> = match parts.as_slice() {
        [b, r, run, rest @ ..] if *r == name::RUNS && name::run_index(run).is_some() => {
            let mut v = if *b == name::DERIVED {
                vec!["derived"]
            } else {
                vec![]
            };
            v.extend(rest);
            v
        }
        _ => parts
            .into_iter()
            .filter(|p| name::run_index(p).is_none())
            .collect(),
    };
    let mut c = rel.join(".");
    if !(single && name::last(path) == item) {
        c.push('.');
        c.push_str(item);
    }
    c
}

/// Column name of an explored parameter (`parameters.cell.n` → `cell.n`).
pub fn param_column(path: &str) -> &str {
    path.strip_prefix("parameters.").unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::column_name;

    #[test]
    fn columns_are_relative_to_the_run() {
        assert_eq!(column_name("results.runs.run_00000001.z", "z", true), "z");
        assert_eq!(
            column_name("results.runs.run_00000001.stats", "max", false),
            "stats.max"
        );
        assert_eq!(
            column_name("derived_parameters.runs.run_00000001.d", "d", true),
            "derived.d"
        );
        assert_eq!(
            column_name("results.run_00000001.pos.z", "z", true),
            "results.pos.z"
        );
    }
}
