//! The name index of a trajectory: the full paths of the nodes by last part
//! (`z` → every `….z`), what shortcut lookup searches. Kept small, for it
//! holds every node of a loaded million-run trajectory: a run's group
//! (`run_00000042`) sits in a slot of a vector indexed by the run, and a
//! name one node has holds its one path, not a vector of it.

use std::collections::{HashMap, HashSet};

use crate::name;

/// How far past the last run slot a run's name may start a new slot; a
/// name further out (a forged `run_4000000000`) goes to the map instead, so
/// no name allocates slots for runs that do not exist.
const RUN_SLOTS_AHEAD: usize = 1 << 16;

/// Full paths by their last part.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    /// Names other than the runs' own, each with its paths.
    by_last: HashMap<Box<str>, Paths>,
    /// Paths named `run_{i:08}`, at slot `i`.
    by_run: Vec<Paths>,
}

/// The paths of one name, in path order.
#[derive(Debug)]
enum Paths {
    /// One path (what nearly every name has).
    One(Box<str>),
    /// None or several.
    Many(Vec<Box<str>>),
}

impl Default for Paths {
    fn default() -> Self {
        Paths::Many(Vec::new())
    }
}

impl Paths {
    fn as_slice(&self) -> &[Box<str>] {
        match self {
            Paths::One(p) => std::slice::from_ref(p),
            Paths::Many(v) => v,
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Adds `path` in order (nothing when it is there already).
    fn insert(&mut self, path: &str) {
        match self {
            Paths::Many(v) if v.is_empty() => *self = Paths::One(path.into()),
            Paths::One(p) if &**p == path => {}
            Paths::One(p) => {
                let first = std::mem::take(p);
                let mut v = vec![first, path.into()];
                v.sort();
                *self = Paths::Many(v);
            }
            Paths::Many(v) => {
                // Paths mostly come in order: the search ends at the back.
                if let Err(i) = v.binary_search_by(|p| (**p).cmp(path)) {
                    v.insert(i, path.into());
                }
            }
        }
    }

    /// Keeps the paths for which `keep` holds.
    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        match self {
            Paths::One(p) if !keep(p) => *self = Paths::default(),
            Paths::One(_) => {}
            Paths::Many(v) => v.retain(|p| keep(p)),
        }
    }
}

impl NameIndex {
    /// The run slot a new path named `last` goes to: its run's, when `last`
    /// is a run's canonical name close enough to the slots there are.
    fn run_slot(&self, last: &str) -> Option<usize> {
        name::canonical_run_index(last).filter(|&i| i < self.by_run.len() + RUN_SLOTS_AHEAD)
    }

    /// The slot paths named `last` may sit in (those added while the slots
    /// reached it), empty for other names.
    fn slot_of(&self, last: &str) -> &[Box<str>] {
        name::canonical_run_index(last)
            .and_then(|i| self.by_run.get(i))
            .map_or(&[], Paths::as_slice)
    }

    /// Adds `path` (nothing when it is there already).
    pub fn add(&mut self, path: &str) {
        let last = name::last(path);
        match self.run_slot(last) {
            Some(i) => {
                // Added already while it lay beyond the slots: it stays there.
                let in_map = self.by_last.get(last).map_or(&[][..], Paths::as_slice);
                if in_map.iter().any(|p| &**p == path) {
                    return;
                }
                if i >= self.by_run.len() {
                    self.by_run.resize_with(i + 1, Paths::default);
                }
                self.by_run[i].insert(path);
            }
            None => self.by_last.entry(last.into()).or_default().insert(path),
        }
    }

    /// Removes every path of `doomed`, each list passed over once.
    pub fn remove_all(&mut self, doomed: &[String]) {
        let mut by_last: HashMap<&str, HashSet<&str>> = HashMap::new();
        for p in doomed {
            by_last.entry(name::last(p)).or_default().insert(p.as_str());
        }
        for (last, gone) in by_last {
            if let Some(i) = name::canonical_run_index(last) {
                if let Some(paths) = self.by_run.get_mut(i) {
                    paths.retain(|p| !gone.contains(p));
                }
            }
            if let Some(paths) = self.by_last.get_mut(last) {
                paths.retain(|p| !gone.contains(p));
                if paths.is_empty() {
                    self.by_last.remove(last);
                }
            }
        }
    }

    /// The full paths whose last part is `last`, each once: the slot's, then
    /// the map's, each in path order (a run's name has paths in both only when
    /// one was added beyond the slots), without copying them.
    pub fn paths(&self, last: &str) -> impl Iterator<Item = &str> {
        let in_map = self.by_last.get(last).map_or(&[][..], Paths::as_slice);
        self.slot_of(last).iter().chain(in_map).map(|p| &**p)
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
        assert_eq!(
            ix.paths("z").collect::<Vec<_>>(),
            ["results.a.z", "results.b.z"]
        );
        ix.remove_all(&["results.a.z".into(), "results.a".into()]);
        assert_eq!(ix.paths("z").collect::<Vec<_>>(), ["results.b.z"]);
        assert!(ix.paths("a").next().is_none());
        assert!(!ix.by_last.contains_key("a"));
    }

    #[test]
    fn run_names_take_a_slot_each_and_far_ones_the_map() {
        let mut ix = NameIndex::default();
        ix.add("results.runs.run_00000001");
        ix.add("derived_parameters.runs.run_00000001");
        ix.add("results.runs.run_00000000");
        // A name that reads as run 1 but is not its canonical name.
        ix.add("results.runs.run_000000001");
        // Far past the slots: the map, not four billion slots.
        ix.add("results.runs.run_4000000000");
        assert_eq!(ix.by_run.len(), 2);
        assert_eq!(
            ix.paths("run_00000001").collect::<Vec<_>>(),
            [
                "derived_parameters.runs.run_00000001",
                "results.runs.run_00000001"
            ]
        );
        assert_eq!(
            ix.paths("run_000000001").collect::<Vec<_>>(),
            ["results.runs.run_000000001"]
        );
        assert_eq!(
            ix.paths("run_4000000000").collect::<Vec<_>>(),
            ["results.runs.run_4000000000"]
        );
        ix.remove_all(&["results.runs.run_00000001".into()]);
        assert_eq!(
            ix.paths("run_00000001").collect::<Vec<_>>(),
            ["derived_parameters.runs.run_00000001"]
        );
    }

    #[test]
    fn a_run_name_first_seen_far_out_is_found_once_the_slots_reach_it() {
        let mut ix = NameIndex::default();
        let far = name::run_name(RUN_SLOTS_AHEAD + 5);
        ix.add(&format!("results.runs.{far}"));
        for i in 0..RUN_SLOTS_AHEAD + 10 {
            ix.add(&format!("results.runs.{}", name::run_name(i)));
        }
        assert_eq!(
            ix.paths(&far).collect::<Vec<_>>(),
            [format!("results.runs.{far}")]
        );
    }
}
