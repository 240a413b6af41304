//! The fuzz targets: one per decoder, each with the seeds its inputs are
//! mutated from and the function that feeds one input through pet.
//!
//! A target's `run` returns `Err` for input pet refused with an error (the
//! expected outcome for most mutations); a panic, an abort, a hang or a
//! blown memory limit is a failure of pet.

mod files;
mod frames;
mod pypet;
mod values;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pet_core::storage::ReadSpec;
use pet_core::{LoadSpec, Store, Trajectory};

/// What one input did.
pub type Outcome = std::result::Result<(), String>;

/// Files the targets share: the seed stores and a scratch directory.
pub struct Work {
    /// Scratch directory (one per campaign process).
    pub dir: PathBuf,
    /// A real SQLite store holding the sample.
    pub sqlite_seed: PathBuf,
    /// A real HDF5 store holding the sample.
    pub hdf5_seed: PathBuf,
    /// An HDF5 store holding nothing yet, the base the journal seed replays onto.
    pub hdf5_base: PathBuf,
    /// The journal of a writer that stored the sample and stopped before any checkpoint.
    pub journal_seed: Vec<u8>,
    /// An HDF5 store as one of its checkpoints left it ...
    pub commit_base: PathBuf,
    /// ... and that checkpoint's commit log, as a crash inside it leaves it.
    pub commit_seed: Vec<u8>,
}

/// One fuzz target.
pub struct Target {
    /// Name used on the command line and in the table.
    pub name: &'static str,
    /// What it feeds.
    pub about: &'static str,
    /// How many times slower one input is than a value decode: a campaign of
    /// N inputs runs N / cost inputs of this target.
    pub cost: u64,
    /// The seed inputs.
    pub seeds: fn(&Work) -> anyhow::Result<Vec<Vec<u8>>>,
    /// Feeds one input.
    pub run: fn(&Work, &[u8]) -> Outcome,
}

/// Every target, in the order a campaign runs them.
pub const TARGETS: &[Target] = &[
    values::CODEC,
    values::CBOR_VALUE,
    values::BSON_NODE,
    values::BSON_POINT_SET,
    frames::WORKER_FRAME,
    frames::WHERE_EXPR,
    files::SQLITE_CELLS,
    files::SQLITE_FILE,
    files::HDF5_FILE,
    files::HDF5_JOURNAL,
    files::HDF5_COMMIT_LOG,
    pypet::PYPET_FILE,
    pypet::PLAIN_PICKLE,
];

/// The target named `name`.
pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

impl Work {
    /// Makes the seed stores in `dir`.
    pub fn new(dir: &Path) -> anyhow::Result<Work> {
        files::make_work(dir)
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Reads everything a store holds, the way `pet` and analysis code do: the
/// trajectory list, each run table, every node with data, the first runs'
/// nodes, and a full load.
pub fn read_all(store: Arc<dyn Store>) -> Outcome {
    for info in store.list().map_err(err)? {
        let t = info.name.as_str();
        store.info(t).map_err(err)?;
        let runs = store.read_runs(t).map_err(err)?;
        store.read_nodes(t, "", ReadSpec::DATA).map_err(err)?;
        for r in runs.iter().take(4) {
            store
                .read_run_nodes(t, r.index, ReadSpec::DATA)
                .map_err(err)?;
        }
        let mut traj = Trajectory::load(store.clone(), t, LoadSpec::all()).map_err(err)?;
        for path in traj.leaves("") {
            let _ = traj.get(&path);
        }
    }
    Ok(())
}
