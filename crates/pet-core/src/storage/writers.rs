//! The rules that keep writers sharing one store from undoing each other's
//! work, in one place for the backends that apply them in Rust (memory,
//! HDF5); SQLite and MongoDB state the same rules in their queries. The
//! conformance suite checks every backend against them.
//!
//! - Storing run information never changes a run the store holds as
//!   completed: a writer that loaded the trajectory before others finished
//!   runs cannot turn them back into pending ones.
//! - The first complete copy of a run wins: storing a run the store already
//!   holds as completed keeps the stored copy (a worker whose lease expired
//!   while it ran cannot replace or half-replace another's run).

use super::{RunInfo, StoredRuns};

/// The runs of a batch to store, given which of them the store already holds
/// as completed: those are left out and reported.
pub fn first_copies<R>(
    batch: &[R],
    index: impl Fn(&R) -> usize,
    completed: impl Fn(usize) -> bool,
) -> (Vec<&R>, StoredRuns) {
    let mut keep = Vec::with_capacity(batch.len());
    let mut report = StoredRuns::default();
    for r in batch {
        let i = index(r);
        if completed(i) {
            report.already_completed.push(i);
        } else {
            keep.push(r);
        }
    }
    (keep, report)
}

/// The run information of a `write_runs` batch that may be written: every run
/// the store does not hold as completed.
pub fn changeable_infos(runs: &[RunInfo], completed: impl Fn(usize) -> bool) -> Vec<&RunInfo> {
    runs.iter().filter(|r| !completed(r.index)).collect()
}
