//! Claims on pending runs, kept in the run documents (`lease_worker`,
//! `lease_until`, `lease_claim`), without transactions: a claim picks
//! candidates, then leases them with one conditional update (each document's
//! update is atomic and re-checks that the run is pending and its lease
//! expired), then reads back which of them carry this claim's fresh token. Two
//! workers therefore never hold a live lease on one run. Lease times come from
//! the workers' clocks: machines sharing a store need synchronised clocks (NTP)
//! to well within a lease.

use std::collections::BTreeSet;

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::storage::claims::MAX_LEASE_SECS;
use pet_core::storage::{ClaimRequest, Claimed, RunCounts};
use pet_core::Result;

use crate::store::MongoStore;

/// Filter of run documents whose lease is absent or ended before `now`.
fn free(now: f64) -> Document {
    doc! { "$or": [
        { "lease_until": { "$exists": false } },
        { "lease_until": Bson::Null },
        { "lease_until": { "$lt": now } },
        // Longer than any lease pet grants: not pet's, it holds nothing.
        { "lease_until": { "$gt": now + MAX_LEASE_SECS } },
    ] }
}

fn indices(list: &[usize]) -> Vec<i64> {
    list.iter().map(|&i| i as i64).collect()
}

/// The pending runs a request wants: below its bound, not among those it skips.
fn wanted(traj: &str, req: &ClaimRequest<'_>) -> Document {
    let below = i64::try_from(req.below).unwrap_or(i64::MAX);
    let skip: Vec<i64> = req.skip.iter().map(|&i| i as i64).collect();
    doc! { "traj": traj, "completed": false, "idx": { "$lt": below, "$nin": skip } }
}

impl MongoStore {
    pub(crate) fn claim(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed> {
        self.check_traj(traj)?;
        let m = |e| self.ctx.map(e);
        for _ in 0..5 {
            let mut filter = wanted(traj, req);
            filter.extend(free(req.now));
            let candidates: Vec<i64> = self
                .colls
                .runs
                .find(filter)
                .sort(doc! { "idx": 1 })
                .limit(i64::try_from(req.max).unwrap_or(i64::MAX))
                .projection(doc! { "idx": 1, "_id": 0 })
                .run()
                .map_err(m)?
                .filter_map(|d| d.ok().and_then(|d| d.get_i64("idx").ok()))
                .collect();
            if candidates.is_empty() && self.free_gone_holders(traj, req)? {
                // Leases of workers known to be gone were ended: look again.
                continue;
            }
            if candidates.is_empty() {
                let left = self
                    .colls
                    .runs
                    .find_one(wanted(traj, req))
                    .projection(doc! { "idx": 1, "_id": 0 })
                    .run()
                    .map_err(m)?;
                return Ok(if left.is_some() {
                    Claimed::Wait
                } else {
                    Claimed::Done
                });
            }
            let token = ObjectId::new();
            let mut lease =
                doc! { "traj": traj, "completed": false, "idx": { "$in": candidates.clone() } };
            lease.extend(free(req.now));
            self.colls
                .runs
                .update_many(
                    lease,
                    doc! { "$set": {
                        "lease_worker": req.worker, "lease_until": req.until, "lease_claim": token,
                    } },
                )
                .run()
                .map_err(m)?;
            let mut got: Vec<usize> = self
                .colls
                .runs
                .find(doc! { "traj": traj, "idx": { "$in": candidates }, "lease_claim": token })
                .projection(doc! { "idx": 1, "_id": 0 })
                .run()
                .map_err(m)?
                .filter_map(|d| d.ok().and_then(|d| d.get_i64("idx").ok()))
                .filter_map(|i| usize::try_from(i).ok())
                .collect();
            got.sort_unstable();
            if !got.is_empty() {
                return Ok(Claimed::Runs(got));
            }
            // Other workers leased every candidate between the two steps: look again.
        }
        Ok(Claimed::Wait)
    }

    /// Ends the live leases, on runs `req` wants, of workers `req.gone` says
    /// are gone; true when it ended any.
    fn free_gone_holders(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<bool> {
        let Some(gone) = req.gone else {
            return Ok(false);
        };
        let m = |e| self.ctx.map(e);
        let mut filter = wanted(traj, req);
        filter.insert(
            "lease_until",
            doc! { "$gte": req.now, "$lte": req.now + MAX_LEASE_SECS },
        );
        let holders: BTreeSet<String> = self
            .colls
            .runs
            .find(filter)
            .projection(doc! { "lease_worker": 1, "_id": 0 })
            .limit(10_000)
            .run()
            .map_err(m)?
            .filter_map(|d| {
                d.ok()
                    .and_then(|d| d.get_str("lease_worker").ok().map(str::to_string))
            })
            .collect();
        let dead: Vec<&String> = holders.iter().filter(|w| gone(w)).collect();
        for w in &dead {
            self.colls
                .runs
                .update_many(
                    doc! { "traj": traj, "completed": false, "lease_worker": w.as_str() },
                    doc! { "$unset": { "lease_worker": "", "lease_until": "", "lease_claim": "" } },
                )
                .run()
                .map_err(m)?;
        }
        Ok(!dead.is_empty())
    }

    pub(crate) fn renew(
        &self,
        traj: &str,
        worker: &str,
        runs: &[usize],
        until: f64,
    ) -> Result<usize> {
        self.check_traj(traj)?;
        let r = self
            .colls
            .runs
            .update_many(
                doc! { "traj": traj, "idx": { "$in": indices(runs) }, "completed": false, "lease_worker": worker },
                doc! { "$set": { "lease_until": until } },
            )
            .run()
            .map_err(|e| self.ctx.map(e))?;
        Ok(usize::try_from(r.matched_count).unwrap_or(0))
    }

    pub(crate) fn release(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()> {
        self.check_traj(traj)?;
        self.colls
            .runs
            .update_many(
                doc! { "traj": traj, "idx": { "$in": indices(runs) }, "lease_worker": worker },
                doc! { "$unset": { "lease_worker": "", "lease_until": "", "lease_claim": "" } },
            )
            .run()
            .map_err(|e| self.ctx.map(e))?;
        Ok(())
    }

    pub(crate) fn counts(&self, traj: &str) -> Result<RunCounts> {
        self.check_traj(traj)?;
        let m = |e| self.ctx.map(e);
        let runs = self
            .colls
            .runs
            .count_documents(doc! { "traj": traj })
            .run()
            .map_err(m)?;
        let completed = self
            .colls
            .runs
            .count_documents(doc! { "traj": traj, "completed": true })
            .run()
            .map_err(m)?;
        Ok(RunCounts {
            runs: usize::try_from(runs).unwrap_or(0),
            completed: usize::try_from(completed).unwrap_or(0),
        })
    }

    /// Which of `runs` the store holds as completed.
    pub(crate) fn completed_among(&self, traj: &str, runs: &[i64]) -> Result<BTreeSet<usize>> {
        let found = self
            .colls
            .runs
            .find(doc! { "traj": traj, "idx": { "$in": runs.to_vec() }, "completed": true })
            .projection(doc! { "idx": 1, "_id": 0 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        Ok(found
            .filter_map(|d| d.ok().and_then(|d| d.get_i64("idx").ok()))
            .filter_map(|i| usize::try_from(i).ok())
            .collect())
    }
}
