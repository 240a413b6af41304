//! Executing one run: build the run view, call the user's function, catch
//! errors and panics, and hand back the finished record.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pet_core::{PointValues, Run, RunRecord, Trajectory};

use crate::error::RunResult;

/// What became of one run.
pub enum Outcome<T> {
    /// The run returned a value; its results are in `record`.
    Done {
        /// Run index.
        index: usize,
        /// Results to store.
        record: RunRecord,
        /// The function's return value.
        value: T,
    },
    /// The run returned an error, panicked, or its worker died.
    Failed {
        /// Run index.
        index: usize,
        /// What happened.
        message: String,
    },
    /// The worker cannot run this sweep (it lacks the sweep's function): the
    /// sweep stops.
    Refused {
        /// Run index.
        index: usize,
        /// What is missing and what to do.
        message: String,
    },
}

impl<T> Outcome<T> {
    /// About how many bytes the outcome holds (its results), for back-pressure.
    pub fn approx_bytes(&self) -> usize {
        match self {
            Outcome::Done { record, .. } => record_bytes(record),
            Outcome::Failed { message, .. } | Outcome::Refused { message, .. } => message.len(),
        }
    }
}

/// About how many bytes a run record's values hold.
pub fn record_bytes(record: &RunRecord) -> usize {
    record
        .nodes
        .iter()
        .map(|n| {
            n.path.len()
                + match &n.node.data {
                    Some(pet_core::LeafData::Result { items }) => {
                        items.values().map(pet_core::Value::approx_bytes).sum()
                    }
                    Some(pet_core::LeafData::Param { value, .. }) => value.approx_bytes(),
                    None => 0,
                }
        })
        .sum()
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".into()
    }
}

/// Runs `f` for `point` against the base `traj`, never panicking.
pub fn execute<T, F>(traj: &Trajectory, point: &PointValues, f: &F) -> Outcome<T>
where
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    let index = point.index;
    let mut run = traj.run_at(point);
    match catch_unwind(AssertUnwindSafe(|| f(&mut run))) {
        Ok(Ok(value)) => Outcome::Done {
            index,
            record: run.finish(),
            value,
        },
        Ok(Err(e)) => Outcome::Failed {
            index,
            message: e.to_string(),
        },
        Err(p) => Outcome::Failed {
            index,
            message: format!("panicked: {}", panic_message(p.as_ref())),
        },
    }
}
