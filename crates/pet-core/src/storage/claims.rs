//! Claims on pending runs: how copies of a program that share one store split
//! a sweep between them.
//!
//! A worker claims a batch of pending runs for a lease ([`ClaimRequest`]),
//! renews the lease while the runs execute, and storing a run ends its claim.
//! A lease that expired (its worker died) can be claimed by another worker; a
//! completed run is never handed out. Each backend makes a claim atomic in its
//! own way (one SQLite transaction, conditional single-document updates in
//! MongoDB, a lock in one process for memory and HDF5 through [`LocalClaims`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use crate::{PetError, Result};

/// Most runs one claim may ask for.
pub const MAX_CLAIM: usize = 100_000;

/// Longest lease pet grants, in seconds (a week): a stored lease that ends
/// later than this from now was not written by pet and does not hold its run.
pub const MAX_LEASE_SECS: f64 = 7.0 * 86_400.0;

/// Longest worker id a store accepts.
pub const MAX_WORKER_ID: usize = 200;

/// A worker's request for pending runs.
#[derive(Clone, Copy, Debug)]
pub struct ClaimRequest<'a> {
    /// Who claims (host, process id and a random part).
    pub worker: &'a str,
    /// Most runs to hand out.
    pub max: usize,
    /// Only runs with an index below this (the runs the worker knows about).
    pub below: usize,
    /// Runs the worker will not take again (it failed them).
    pub skip: &'a BTreeSet<usize>,
    /// The time now, seconds since the Unix epoch: leases ending before it have expired.
    pub now: f64,
    /// When the new leases end, seconds since the Unix epoch.
    pub until: f64,
    /// Says whether the worker holding a live lease is known to be gone (a
    /// dead process on this host): its runs are then handed out at once
    /// instead of after the lease. `None`: only expired leases are taken.
    pub gone: Option<fn(&str) -> bool>,
}

impl ClaimRequest<'_> {
    /// Checks the request before a backend sees it.
    pub fn validate(&self) -> Result<()> {
        validate_worker(self.worker)?;
        if self.max == 0 || self.max > MAX_CLAIM {
            return Err(PetError::invalid(format!(
                "a claim asks for 1 to {MAX_CLAIM} runs, not {}",
                self.max
            )));
        }
        lease_times(self.now, self.until)
    }

    /// True when run `index` may be handed out to this request (given that it is pending).
    pub fn wants(&self, index: usize) -> bool {
        index < self.below && !self.skip.contains(&index)
    }

    /// True when a lease of `worker` ending at `until` keeps its run from this
    /// request: it has not ended and its worker is not known to be gone.
    pub fn blocked_by(&self, worker: &str, until: f64) -> bool {
        until >= self.now
            && until <= self.now + MAX_LEASE_SECS
            && !self.gone.is_some_and(|gone| gone(worker))
    }
}

/// Checks a worker id: 1 to [`MAX_WORKER_ID`] printable characters.
pub fn validate_worker(worker: &str) -> Result<()> {
    if worker.is_empty() || worker.len() > MAX_WORKER_ID || worker.chars().any(char::is_control) {
        return Err(PetError::invalid(format!(
            "a worker id has 1 to {MAX_WORKER_ID} printable characters, not {worker:?}"
        )));
    }
    Ok(())
}

/// Checks that a lease starts now and ends later, both finite.
pub fn lease_times(now: f64, until: f64) -> Result<()> {
    if !now.is_finite() || !until.is_finite() || until <= now || until > now + MAX_LEASE_SECS {
        return Err(PetError::invalid(format!(
            "a lease ends after it starts and lasts at most {MAX_LEASE_SECS} s (now {now}, until {until})"
        )));
    }
    Ok(())
}

/// What a claim got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// These runs, by index, leased to the worker now.
    Runs(Vec<usize>),
    /// No run can be handed out now, but pending runs the request wants hold
    /// live leases (of other workers, or the worker's own runs in flight):
    /// they may be finished, or their leases expire.
    Wait,
    /// No pending run is left that the request wants.
    Done,
}

/// How many runs a trajectory has and how many of them are completed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Runs in the run table.
    pub runs: usize,
    /// Completed runs.
    pub completed: usize,
}

/// What [`Store::store_runs`](super::Store::store_runs) did with a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredRuns {
    /// Runs of the batch the store already held as completed (another writer
    /// stored them first); the store kept its copy and ignored these.
    pub already_completed: Vec<usize>,
}

/// One lease.
#[derive(Clone, Debug)]
struct Lease {
    worker: String,
    until: f64,
}

/// Claims kept in this process's memory, for stores that have one writing
/// process (memory, HDF5): every handle of the store in the process shares one.
#[derive(Default)]
pub struct LocalClaims {
    leases: Mutex<HashMap<String, BTreeMap<usize, Lease>>>,
}

impl LocalClaims {
    /// No claims.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, BTreeMap<usize, Lease>>> {
        self.leases.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands out up to `req.max` of the `pending` runs (indices in increasing
    /// order, completed runs left out) that `req` wants and no live lease holds.
    pub fn claim(
        &self,
        traj: &str,
        pending: impl IntoIterator<Item = usize>,
        req: &ClaimRequest<'_>,
    ) -> Claimed {
        let mut all = self.lock();
        let leases = all.entry(traj.to_string()).or_default();
        let mut got = Vec::new();
        let mut held = false;
        for index in pending {
            if index >= req.below {
                break;
            }
            if !req.wants(index) {
                continue;
            }
            match leases.get(&index) {
                // A live lease, another worker's or this worker's own (its run is in flight).
                Some(l) if req.blocked_by(&l.worker, l.until) => held = true,
                _ => {
                    leases.insert(
                        index,
                        Lease {
                            worker: req.worker.to_string(),
                            until: req.until,
                        },
                    );
                    got.push(index);
                    if got.len() == req.max {
                        break;
                    }
                }
            }
        }
        if !got.is_empty() {
            Claimed::Runs(got)
        } else if held {
            Claimed::Wait
        } else {
            Claimed::Done
        }
    }

    /// Extends `worker`'s leases on `runs` to `until`; returns how many it still held.
    pub fn renew(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> usize {
        let mut all = self.lock();
        let Some(leases) = all.get_mut(traj) else {
            return 0;
        };
        let mut n = 0;
        for i in runs {
            if let Some(l) = leases.get_mut(i) {
                if l.worker == worker {
                    l.until = until;
                    n += 1;
                }
            }
        }
        n
    }

    /// Ends `worker`'s leases on `runs`; leases of other workers stay.
    pub fn release(&self, traj: &str, worker: &str, runs: &[usize]) {
        let mut all = self.lock();
        if let Some(leases) = all.get_mut(traj) {
            for i in runs {
                if leases.get(i).is_some_and(|l| l.worker == worker) {
                    leases.remove(i);
                }
            }
        }
    }

    /// Ends every lease on `runs`, whoever holds it (the runs were stored).
    pub fn end(&self, traj: &str, runs: impl IntoIterator<Item = usize>) {
        let mut all = self.lock();
        if let Some(leases) = all.get_mut(traj) {
            for i in runs {
                leases.remove(&i);
            }
        }
    }

    /// Forgets every lease of a removed trajectory.
    pub fn forget(&self, traj: &str) {
        self.lock().remove(traj);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn req<'a>(
        worker: &'a str,
        max: usize,
        skip: &'a BTreeSet<usize>,
        now: f64,
    ) -> ClaimRequest<'a> {
        ClaimRequest {
            worker,
            max,
            below: usize::MAX,
            skip,
            now,
            until: now + 10.0,
            gone: None,
        }
    }

    #[test]
    fn live_leases_are_not_handed_out_and_expired_ones_are() {
        let c = LocalClaims::new();
        let none = BTreeSet::new();
        assert_eq!(
            c.claim("t", 0..4, &req("a", 3, &none, 0.0)),
            Claimed::Runs(vec![0, 1, 2])
        );
        assert_eq!(
            c.claim("t", 0..4, &req("b", 3, &none, 1.0)),
            Claimed::Runs(vec![3])
        );
        assert_eq!(c.claim("t", 0..4, &req("b", 3, &none, 2.0)), Claimed::Wait);
        assert_eq!(
            c.claim("t", 0..4, &req("b", 2, &none, 11.0)),
            Claimed::Runs(vec![0, 1])
        );
        assert_eq!(
            c.claim("t", [5], &req("b", 2, &BTreeSet::from([5]), 11.0)),
            Claimed::Done
        );
    }

    #[test]
    fn requests_are_checked() {
        let none = BTreeSet::new();
        assert!(req("", 1, &none, 0.0).validate().is_err());
        assert!(req("w", 0, &none, 0.0).validate().is_err());
        let mut r = req("w", 1, &none, 5.0);
        r.until = 4.0;
        assert!(r.validate().is_err());
        assert!(req("w", 1, &none, 5.0).validate().is_ok());
    }
}
