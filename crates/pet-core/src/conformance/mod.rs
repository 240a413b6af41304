//! The storage conformance suite: every behaviour a backend must show, run by
//! each backend crate's tests through [`conformance_tests!`](crate::conformance_tests).
//!
//! A backend provides a [`Fixture`] that opens (and re-opens) one fresh store;
//! each case writes through one handle, drops it, and checks through a new one,
//! so persistence is tested, not just caching.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod copy;
mod faults;
mod runs;
mod tree;
mod values;

use std::sync::Arc;

pub use copy::*;
pub use faults::*;
pub use runs::*;
pub use tree::*;
pub use values::*;

use crate::storage::{LoadSpec, MemoryStore, Store};
use crate::Trajectory;

/// One fresh, empty store location under test.
pub trait Fixture {
    /// Opens the store; every call opens the same location.
    fn open(&self) -> Arc<dyn Store>;
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
}

/// Loads `name` completely through a freshly opened store.
pub fn reload(fx: &dyn Fixture, name: &str) -> Trajectory {
    Trajectory::load(fx.open(), name, LoadSpec::all()).unwrap()
}

/// Expands to one `#[test]` per conformance case, each with a fresh fixture
/// built by the given expression.
///
/// ```ignore
/// pet_core::conformance_tests!(my_backend::tests::TempFixture::new());
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($fixture:expr) => {
        $crate::__conformance_cases!(
            $fixture;
            scalars_round_trip,
            arrays_round_trip,
            containers_round_trip,
            sparse_table_unit_user_round_trip,
            large_array_round_trip,
            explored_parameters_round_trip,
            comments_and_annotations_round_trip,
            links_round_trip,
            skeleton_load_has_no_data,
            load_levels_per_branch,
            metadata_update_keeps_data,
            delete_nodes_and_trajectories,
            trajectories_are_isolated,
            runs_store_and_reload,
            concurrent_run_stores,
            expand_after_runs,
            merge_trajectories,
            many_runs_skeleton,
            missing_things_are_not_found,
            duplicate_trajectory_is_refused,
            invalid_run_is_rejected_whole,
            invalid_batch_is_rejected_whole,
            bad_input_leaves_store_usable,
            copy_between_stores_is_lossless
        );
    };
}

/// Internal helper of [`conformance_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($fixture:expr; $($case:ident),*) => {
        $(
            #[test]
            fn $case() {
                let fx = $fixture;
                $crate::conformance::$case(&fx);
            }
        )*
    };
}
