//! One `Trajectory::store` as one write ([`Change`]): removed nodes, new and
//! changed nodes, points appended to stored parameters, and run information.
//! Backends with transactions (SQLite), a journal (HDF5) or one lock (memory)
//! write it whole; the default writes it in the one order after which a crash
//! between any two steps leaves a trajectory pet opens and completes.

use super::{append, validate_records, Backend, PointAppend, RunInfo};
use crate::tree::NodeRecord;
use crate::{name, PetError, Result};

/// Everything one store of a trajectory writes.
#[derive(Clone, Copy, Default)]
pub struct Change<'a> {
    /// Nodes removed since the last store (with everything below them).
    pub removed: &'a [String],
    /// New and changed nodes.
    pub nodes: &'a [NodeRecord],
    /// Points appended to explored parameters already stored.
    pub appends: &'a [PointAppend<'a>],
    /// New and changed run information.
    pub runs: &'a [RunInfo],
}

impl Change<'_> {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty()
            && self.nodes.is_empty()
            && self.appends.is_empty()
            && self.runs.is_empty()
    }

    /// The checks [`crate::Store`] makes before a backend sees the change.
    pub fn validate(&self) -> Result<()> {
        self.removed
            .iter()
            .try_for_each(|p| name::validate_path(p))?;
        validate_records(self.nodes)?;
        append::validate_appends(self.appends)?;
        self.runs.iter().try_for_each(RunInfo::validate)
    }

    /// Writes the change step by step, for backends that cannot write it at
    /// once. The order makes every crash between steps harmless: appended
    /// points first (a refused append stops the change before anything is
    /// written), then removals, then nodes, and run information last. A crash
    /// before the last step leaves explored points without their runs, which
    /// [`crate::Trajectory::load`] adds back as pending runs.
    pub fn write_in_steps<B: Backend + ?Sized>(&self, b: &B, traj: &str) -> Result<()> {
        if !self.appends.is_empty() {
            b.append_points(traj, self.appends)?;
        }
        for p in self.removed {
            match b.delete(traj, p) {
                Ok(_) | Err(PetError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if !self.nodes.is_empty() {
            b.write_nodes(traj, self.nodes)?;
        }
        if !self.runs.is_empty() {
            b.write_runs(traj, self.runs)?;
        }
        Ok(())
    }
}
