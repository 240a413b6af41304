//! Copying a trajectory from one store to another (any backend to any other),
//! streaming run by run so memory stays bounded whatever the store's size.

use crate::storage::{ReadSpec, RunInfo, RunRecord, Store};
use crate::{PetError, Result};

/// At most this many runs travel together in one `store_runs` batch...
pub const BATCH: usize = 256;
/// ...and at most about this many bytes of values.
pub const BATCH_BYTES: usize = 32 << 20;

fn record_bytes(r: &RunRecord) -> usize {
    r.nodes
        .iter()
        .filter_map(|n| n.node.data.as_ref())
        .flat_map(|d| d.values())
        .map(crate::Value::approx_bytes)
        .sum()
}

/// What a copy moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CopyStats {
    /// Nodes outside runs.
    pub nodes: usize,
    /// Runs (with their nodes).
    pub runs: usize,
    /// Nodes inside runs.
    pub run_nodes: usize,
}

/// Copies trajectory `name` from `src` to `dst` (where it must not exist yet),
/// losslessly: info, every node with comments, annotations, links and data, and
/// the run table. `progress(done, total)` is called after every batch of runs.
pub fn copy_trajectory(
    src: &dyn Store,
    dst: &dyn Store,
    name: &str,
    mut progress: impl FnMut(usize, usize),
) -> Result<CopyStats> {
    let info = src.info(name)?;
    if dst.info(name).is_ok() {
        return Err(PetError::TrajectoryExists(name.to_string()));
    }
    let runs = src.read_runs(name)?;
    let nodes = src.read_nodes(name, "", ReadSpec::DATA.without_runs())?;
    dst.create(&info)?;
    let mut stats = CopyStats {
        nodes: nodes.len(),
        ..CopyStats::default()
    };
    dst.write_nodes(name, &nodes)?;
    drop(nodes);
    // The run table first, every run pending, so that it is complete even if
    // the copy stops; each run then arrives whole with its true info (a store
    // never stores a run again once it holds it as completed).
    let table: Vec<RunInfo> = runs
        .iter()
        .map(|r| RunInfo {
            completed: false,
            ..r.clone()
        })
        .collect();
    dst.write_runs(name, &table)?;
    drop(table);
    let total = runs.len();
    let mut batch: Vec<RunRecord> = Vec::new();
    let mut bytes = 0;
    for (k, info) in runs.iter().enumerate() {
        let nodes = src.read_run_nodes(name, info.index, ReadSpec::DATA)?;
        if !nodes.is_empty() || info.completed {
            stats.run_nodes += nodes.len();
            let rec = RunRecord {
                info: info.clone(),
                nodes,
            };
            bytes += record_bytes(&rec);
            batch.push(rec);
        }
        stats.runs += 1;
        let last = k + 1 == total;
        if batch.len() >= BATCH || bytes >= BATCH_BYTES || last {
            dst.store_runs(name, &batch)?;
            batch.clear();
            bytes = 0;
            progress(stats.runs, total);
        }
    }
    Ok(stats)
}
