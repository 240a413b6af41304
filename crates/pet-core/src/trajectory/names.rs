//! The name index of a trajectory: the full paths of the nodes by last part
//! (`z` → every `….z`), what shortcut lookup searches. Kept small: a name
//! that one node has (a run's group `run_00000042`) costs one short vector,
//! not a tree node of eleven slots.

use std::collections::{HashMap, HashSet};

use crate::name;

/// Full paths by their last part, each list in path order.
#[derive(Debug, Default)]
pub(crate) struct NameIndex(HashMap<Box<str>, Vec<String>>);

impl NameIndex {
    /// Adds `path` (nothing when it is there already).
    pub fn add(&mut self, path: &str) {
        let paths = self.0.entry(name::last(path).into()).or_default();
        // Paths mostly come in order: the search ends at the back.
        if let Err(i) = paths.binary_search_by(|p| p.as_str().cmp(path)) {
            paths.insert(i, path.to_string());
        }
    }

    /// Removes every path of `doomed`, each list passed over once.
    pub fn remove_all(&mut self, doomed: &[String]) {
        let mut by_last: HashMap<&str, HashSet<&str>> = HashMap::new();
        for p in doomed {
            by_last.entry(name::last(p)).or_default().insert(p.as_str());
        }
        for (last, gone) in by_last {
            if let Some(paths) = self.0.get_mut(last) {
                paths.retain(|p| !gone.contains(p.as_str()));
                if paths.is_empty() {
                    self.0.remove(last);
                }
            }
        }
    }

    /// The full paths whose last part is `last`, in path order.
    pub fn paths(&self, last: &str) -> &[String] {
        self.0.get(last).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_by_last_part_in_order() {
        let mut ix = NameIndex::default();
        for p in ["results.b.z", "results.a.z", "results.a", "results.a.z"] {
            ix.add(p);
        }
        assert_eq!(ix.paths("z"), ["results.a.z", "results.b.z"]);
        ix.remove_all(&["results.a.z".into(), "results.a".into()]);
        assert_eq!(ix.paths("z"), ["results.b.z"]);
        assert!(ix.paths("a").is_empty());
    }
}
