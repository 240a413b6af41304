//! Claims on pending runs in SQL: the `claims` table (one row per leased run)
//! and the statements that hand runs out, renew and end leases. Every claim
//! runs inside one `BEGIN IMMEDIATE` transaction, so two processes never
//! lease the same run; the partial index `runs_pending` keeps a claim's scan
//! to the pending runs below the frontier, and the runs from the frontier
//! on, which have no rows yet ([`crate::pending`]), are handed out by index.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{params, Connection, Transaction};

use pet_core::storage::{ClaimRequest, Claimed, RunCounts};
use pet_core::{bounds, PetError, Result};

use crate::error::db_err;
use crate::pending;

/// What every writable store holds besides the version-1 tables; created by
/// [`crate::schema::ensure`] when missing (older files get it at their first
/// writable open; older pet versions ignore it).
pub const DDL: &str = "
CREATE TABLE IF NOT EXISTS claims(
    traj INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    worker TEXT NOT NULL,
    until REAL NOT NULL,
    PRIMARY KEY(traj, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS runs_pending ON runs(traj, idx) WHERE completed = 0;
";

/// The pending runs below `?2` of trajectory `?1` with their leases, in
/// index order. The index is named, or SQLite walks the primary key from run 0
/// through every completed run at each claim (O(runs) per claim: at 10^6 runs
/// that was most of a sweep's cost per run).
const PENDING_SCAN: &str = "SELECT r.idx, c.until, c.worker FROM runs r INDEXED BY runs_pending
     LEFT JOIN claims c ON c.traj = r.traj AND c.idx = r.idx
     WHERE r.traj = ?1 AND r.completed = 0 AND r.idx < ?2
     ORDER BY r.idx";

/// Hands out up to `req.max` pending runs without a live lease, in index order.
pub fn claim(tx: &Transaction, id: i64, req: &ClaimRequest<'_>, shown: &str) -> Result<Claimed> {
    let below = i64::try_from(req.below).unwrap_or(i64::MAX);
    let mut got = Vec::new();
    let mut held = false;
    {
        let mut st = tx.prepare_cached(PENDING_SCAN).map_err(db_err)?;
        let mut rows = st.query(params![id, below]).map_err(db_err)?;
        while let Some(row) = rows.next().map_err(db_err)? {
            let idx: i64 = row.get(0).map_err(db_err)?;
            let forged = |e| forged_lease(shown, e);
            let until: Option<f64> = row.get(1).map_err(forged)?;
            let holder: Option<String> = row.get(2).map_err(forged)?;
            let index = bounds::stored_run_index(idx, &format!("{shown} (table runs)"))?;
            if !req.wants(index) {
                continue;
            }
            let blocked = match (until, holder) {
                (Some(u), Some(w)) => req.blocked_by(&w, u),
                (Some(u), None) => req.blocked_by("", u),
                (None, _) => false,
            };
            if blocked {
                held = true;
                continue;
            }
            got.push(index);
            if got.len() == req.max {
                break;
            }
        }
    }
    if got.len() < req.max {
        held |= claim_past_frontier(tx, id, req, shown, &mut got)?;
    }
    if got.is_empty() {
        return Ok(if held { Claimed::Wait } else { Claimed::Done });
    }
    let mut put = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO claims(traj, idx, worker, until) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    for &i in &got {
        put.execute(params![id, i as i64, req.worker, req.until])
            .map_err(db_err)?;
    }
    Ok(Claimed::Runs(got))
}

/// A lease row whose cells pet did not write.
fn forged_lease(shown: &str, e: rusqlite::Error) -> PetError {
    PetError::Format {
        location: format!("{shown} (table claims)"),
        reason: format!(
            "{e}: a lease that pet did not write; leases can be dropped safely \
             (DELETE FROM claims) while no copy of the sweep runs"
        ),
    }
}

/// Adds to `got`, up to `req.max`, the runs past the frontier (no rows:
/// [`pending`]) without a live lease, in index order; true when a live
/// lease held one back.
fn claim_past_frontier(
    tx: &Transaction,
    id: i64,
    req: &ClaimRequest<'_>,
    shown: &str,
    got: &mut Vec<usize>,
) -> Result<bool> {
    let lo = pending::frontier(tx, id)?;
    let hi = pending::end(tx, id)?.min(req.below);
    if lo >= hi {
        return Ok(false);
    }
    let mut st = tx
        .prepare_cached(
            "SELECT idx, until, worker FROM claims WHERE traj = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx",
        )
        .map_err(db_err)?;
    let table = format!("{shown} (table claims)");
    let leased: BTreeMap<usize, (f64, String)> = st
        .query_map(params![id, lo as i64, hi as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(db_err)?
        .map(|row| {
            let (i, until, worker) = row.map_err(|e| forged_lease(shown, e))?;
            Ok((bounds::stored_run_index(i, &table)?, (until, worker)))
        })
        .collect::<Result<_>>()?;
    let mut held = false;
    for index in (lo..hi).filter(|&i| req.wants(i)) {
        if let Some((until, worker)) = leased.get(&index) {
            if req.blocked_by(worker, *until) {
                held = true;
                continue;
            }
        }
        got.push(index);
        if got.len() == req.max {
            break;
        }
    }
    Ok(held)
}

/// Extends `worker`'s leases on `runs`; returns how many it still held.
pub fn renew(tx: &Transaction, id: i64, worker: &str, runs: &[usize], until: f64) -> Result<usize> {
    let mut st = tx
        .prepare_cached("UPDATE claims SET until = ?4 WHERE traj = ?1 AND idx = ?2 AND worker = ?3")
        .map_err(db_err)?;
    let mut n = 0;
    for &i in runs {
        n += st
            .execute(params![id, i as i64, worker, until])
            .map_err(db_err)?;
    }
    Ok(n)
}

/// Ends `worker`'s leases on `runs`.
pub fn release(tx: &Transaction, id: i64, worker: &str, runs: &[usize]) -> Result<()> {
    let mut st = tx
        .prepare_cached("DELETE FROM claims WHERE traj = ?1 AND idx = ?2 AND worker = ?3")
        .map_err(db_err)?;
    for &i in runs {
        st.execute(params![id, i as i64, worker]).map_err(db_err)?;
    }
    Ok(())
}

/// Ends every lease on `runs` (they were stored).
pub fn end(tx: &Transaction, id: i64, runs: impl IntoIterator<Item = usize>) -> Result<()> {
    let mut st = tx
        .prepare_cached("DELETE FROM claims WHERE traj = ?1 AND idx = ?2")
        .map_err(db_err)?;
    for i in runs {
        st.execute(params![id, i as i64]).map_err(db_err)?;
    }
    Ok(())
}

/// Which of `runs` the store holds as completed.
pub fn completed_among(
    tx: &Transaction,
    id: i64,
    runs: impl IntoIterator<Item = usize>,
) -> Result<BTreeSet<usize>> {
    let mut st = tx
        .prepare_cached("SELECT completed FROM runs WHERE traj = ?1 AND idx = ?2")
        .map_err(db_err)?;
    let mut done = BTreeSet::new();
    for i in runs {
        let c: Option<bool> = st
            .query_row(params![id, i as i64], |r| r.get(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(db_err)?;
        if c == Some(true) {
            done.insert(i);
        }
    }
    Ok(done)
}

/// Runs and completed runs of a trajectory: the rows and the pending runs
/// past them ([`pending`]).
pub fn counts(conn: &Connection, id: i64) -> Result<RunCounts> {
    let (rows, completed): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(completed != 0), 0) FROM runs WHERE traj = ?1",
        )
        .and_then(|mut st| st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(db_err)?;
    let past = pending::end(conn, id)?.saturating_sub(pending::frontier(conn, id)?);
    Ok(RunCounts {
        runs: usize::try_from(rows).unwrap_or(0).saturating_add(past),
        completed: usize::try_from(completed).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claim reads the pending runs through `runs_pending`, not the
    /// primary key (which starts at run 0 and passes every completed run).
    #[test]
    fn claims_scan_only_pending_runs() {
        let dir = std::env::temp_dir().join(format!("pet-claim-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("plan.db");
        let store = crate::SqliteStore::open(&path).unwrap();
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {PENDING_SCAN}"))
            .unwrap()
            .query_map(params![1, 10], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|p| p.contains("INDEX runs_pending")),
            "{plan:?}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
