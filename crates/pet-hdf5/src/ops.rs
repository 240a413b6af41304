//! The operations a journal records: one per mutating store call, replayed in
//! order after a crash (every operation is an idempotent upsert or removal).

use pet_core::{NodeRecord, RunInfo, RunRecord, TrajectoryInfo};
use serde::{Deserialize, Serialize};

/// One store call, as read back from the journal.
#[derive(Debug, Deserialize)]
pub enum Op {
    /// `Store::create`.
    Create(TrajectoryInfo),
    /// `Store::remove_trajectory`.
    Remove(String),
    /// `Store::write_nodes`.
    Nodes(String, Vec<NodeRecord>),
    /// `Store::write_runs`.
    Runs(String, Vec<RunInfo>),
    /// `Store::store_runs`.
    StoreRuns(String, Vec<RunRecord>),
    /// `Store::delete`.
    Delete(String, String),
}

/// One store call, borrowed for writing to the journal (same encoding as [`Op`]).
#[derive(Serialize)]
pub enum OpRef<'a> {
    /// `Store::create`.
    Create(&'a TrajectoryInfo),
    /// `Store::remove_trajectory`.
    Remove(&'a str),
    /// `Store::write_nodes`.
    Nodes(&'a str, &'a [NodeRecord]),
    /// `Store::write_runs`.
    Runs(&'a str, &'a [RunInfo]),
    /// `Store::store_runs`.
    StoreRuns(&'a str, &'a [RunRecord]),
    /// `Store::delete`.
    Delete(&'a str, &'a str),
}
