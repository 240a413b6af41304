//! The storage conformance suite: every behaviour a backend must show, run by
//! each backend crate's tests through [`conformance_tests!`](crate::conformance_tests).
//!
//! A backend provides a [`Fixture`] that opens (and re-opens) one fresh store;
//! each case writes through one handle, drops it, and checks through a new one,
//! so persistence is tested, not just caching.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod analysis;
pub mod checks;
pub mod copy;
pub mod expand;
pub mod faults;
pub mod hostile;
pub mod runs;
pub mod sharing;
pub mod tree;
pub mod values;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::storage::{LoadSpec, MemoryStore, Store};
use crate::Trajectory;

/// One fresh, empty store location under test.
pub trait Fixture {
    /// Opens the store; every call opens the same location.
    fn open(&self) -> Arc<dyn Store>;

    /// Opens the same location read-only (`mode=ro`).
    fn open_read_only(&self) -> Arc<dyn Store>;
}

/// A conformance case: one behaviour, checked on a fresh fixture.
pub type Case = fn(&dyn Fixture);

/// Registers the cases of one file as its `CASES`, beside their functions.
/// [`every_case_is_registered`] checks that no case function is left out.
macro_rules! register {
    ($($case:ident),* $(,)?) => {
        /// The cases of this file, by name.
        pub const CASES: &[(&str, super::Case)] = &[$((stringify!($case), $case as super::Case)),*];
    };
}
use register;

/// Every group of cases, by file: what [`conformance_tests!`](crate::conformance_tests) runs.
pub const GROUPS: &[(&str, &[(&str, Case)])] = &[
    ("values", values::CASES),
    ("tree", tree::CASES),
    ("runs", runs::CASES),
    ("faults", faults::CASES),
    ("checks", checks::CASES),
    ("copy", copy::CASES),
    ("hostile", hostile::CASES),
    ("expand", expand::CASES),
    ("sharing", sharing::CASES),
    ("analysis", analysis::CASES),
];

/// Runs every case of `group`, each on a fresh fixture from `fresh`; every
/// case runs even when an earlier one fails, and the panic names all that failed.
pub fn run_group(group: &str, fresh: &dyn Fn() -> Box<dyn Fixture>) {
    let Some((_, cases)) = GROUPS.iter().find(|(g, _)| *g == group) else {
        panic!("no conformance group '{group}'");
    };
    let mut failed = Vec::new();
    for (name, case) in cases.iter() {
        let fx = fresh();
        match catch_unwind(AssertUnwindSafe(|| case(fx.as_ref()))) {
            Ok(()) => eprintln!("conformance {group}::{name} ... ok"),
            Err(_) => {
                eprintln!("conformance {group}::{name} ... FAILED");
                failed.push(*name);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "conformance cases failed in {group}: {}",
        failed.join(", ")
    );
}

/// Fixture for the in-memory store (re-opening returns the same store).
pub struct MemoryFixture(Arc<MemoryStore>);

impl MemoryFixture {
    /// A new, empty memory store.
    pub fn new() -> Self {
        MemoryFixture(Arc::new(MemoryStore::new()))
    }
}

impl Default for MemoryFixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture for MemoryFixture {
    fn open(&self) -> Arc<dyn Store> {
        self.0.clone()
    }

    fn open_read_only(&self) -> Arc<dyn Store> {
        Arc::new(self.0.read_only_view())
    }
}

/// A result leaf at `path` with one item `v`, as a record a store writes.
pub fn result(path: &str, v: crate::Value) -> crate::tree::NodeRecord {
    let items = crate::tree::Items::one("v", v);
    crate::tree::NodeRecord {
        path: path.into(),
        node: crate::tree::Node::leaf(
            crate::tree::LeafRole::Result,
            crate::tree::LeafData::Result { items },
            "",
        ),
    }
}

/// A completed run `index` holding `nodes`.
pub fn done_run(index: usize, nodes: Vec<crate::tree::NodeRecord>) -> crate::storage::RunRecord {
    let mut info = crate::storage::RunInfo::pending(index, String::new());
    info.completed = true;
    crate::storage::RunRecord { info, nodes }
}

/// Loads `name` completely through a freshly opened store.
pub fn reload(fx: &dyn Fixture, name: &str) -> Trajectory {
    Trajectory::load(fx.open(), name, LoadSpec::all()).unwrap()
}

/// Expands to one `#[test]` per group of conformance cases ([`GROUPS`]), each
/// case on a fresh fixture built by the given expression.
///
/// ```text
/// pet_core::conformance_tests!(my_backend::tests::TempFixture::new());
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($fixture:expr) => {
        $crate::__conformance_groups!($fixture; values, tree, runs, faults, checks, copy, hostile, expand, sharing, analysis);
    };
}

/// Internal helper of [`conformance_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_groups {
    ($fixture:expr; $($group:ident),*) => {
        $(
            #[test]
            fn $group() {
                $crate::conformance::run_group(stringify!($group), &|| {
                    ::std::boxed::Box::new($fixture) as ::std::boxed::Box<dyn $crate::conformance::Fixture>
                });
            }
        )*
        #[test]
        fn every_conformance_group_runs() {
            let ran = [$(stringify!($group)),*];
            for (g, _) in $crate::conformance::GROUPS {
                assert!(ran.contains(g), "conformance group {g} is not run");
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::GROUPS;

    /// Every `pub fn NAME(fx: &dyn Fixture)` in a case file is in that file's `CASES`.
    #[test]
    fn every_case_is_registered() {
        let sources = [
            ("values", include_str!("values.rs")),
            ("tree", include_str!("tree.rs")),
            ("runs", include_str!("runs.rs")),
            ("faults", include_str!("faults.rs")),
            ("checks", include_str!("checks.rs")),
            ("copy", include_str!("copy.rs")),
            ("hostile", include_str!("hostile.rs")),
            ("expand", include_str!("expand.rs")),
            ("sharing", include_str!("sharing.rs")),
            ("analysis", include_str!("analysis.rs")),
        ];
        assert_eq!(sources.len(), GROUPS.len());
        for (group, src) in sources {
            let cases = GROUPS.iter().find(|(g, _)| *g == group).unwrap().1;
            let defined: Vec<&str> = src
                .lines()
                .filter_map(|l| l.strip_prefix("pub fn "))
                .filter(|l| l.contains("(fx: &dyn Fixture)"))
                .filter_map(|l| l.split('(').next())
                .collect();
            assert!(!defined.is_empty(), "{group}");
            for name in defined {
                assert!(
                    cases.iter().any(|(n, _)| *n == name),
                    "case {group}::{name} is defined but not registered"
                );
            }
        }
    }
}
