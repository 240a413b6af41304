//! Runs that have not started, past the last row of the `runs` table: kept
//! as chunks of their summaries (`pending_runs`), not one row each, so
//! setting up 10^6 runs writes 245 rows (schema version 2).
//!
//! The rule that keeps this simple: every run below the *frontier* (one past
//! the highest run with a row) has a row. A run at or past the frontier has
//! no row and is pending; its summary is in a chunk. Storing a run past the
//! frontier first gives rows to the runs it skips (from their chunks), so
//! the frontier only moves up, and a claim finds pending runs as rows
//! (`runs_pending`) below the frontier and as indices from it on.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use pet_core::storage::RunInfo;
use pet_core::{name, PetError, Result};

use crate::error::db_err;

/// Most summaries in one chunk.
pub const CHUNK: usize = 4096;

/// The chunk table (created with the store, or added to a version-1 store at
/// its first writable open).
pub const DDL: &str = "
CREATE TABLE IF NOT EXISTS pending_runs(
    traj INTEGER NOT NULL,
    first INTEGER NOT NULL,
    count INTEGER NOT NULL,
    summaries TEXT NOT NULL,
    PRIMARY KEY(traj, first)
) WITHOUT ROWID;
";

fn corrupt(m: impl std::fmt::Display) -> PetError {
    PetError::corrupt(format!("table pending_runs: {m}"))
}

/// True for a run that has not started: it needs no row.
pub fn is_blank(r: &RunInfo) -> bool {
    !r.completed && r.started.is_none() && r.finished.is_none()
}

fn index(i: i64) -> Result<usize> {
    usize::try_from(i).map_err(|_| corrupt(format!("run index {i}")))
}

/// One past the highest run with a row (0 without rows).
pub fn frontier(conn: &Connection, id: i64) -> Result<usize> {
    let top: Option<i64> = conn
        .prepare_cached("SELECT max(idx) FROM runs WHERE traj = ?1")
        .and_then(|mut st| st.query_row([id], |r| r.get(0)))
        .map_err(db_err)?;
    match top {
        None => Ok(0),
        Some(t) => index(t)?
            .checked_add(1)
            .ok_or_else(|| corrupt("run index overflows")),
    }
}

/// One past the last run a chunk holds (0 without chunks).
pub fn end(conn: &Connection, id: i64) -> Result<usize> {
    let last: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT first, count FROM pending_runs WHERE traj = ?1 ORDER BY first DESC LIMIT 1",
        )
        .and_then(|mut st| {
            st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(db_err)?;
    match last {
        None => Ok(0),
        Some((f, c)) => index(f)?
            .checked_add(index(c)?)
            .ok_or_else(|| corrupt("run index overflows")),
    }
}

/// The summaries of one chunk, checked against its count.
fn decode(first: i64, count: i64, text: &str) -> Result<(usize, Vec<String>)> {
    let first = index(first)?;
    let count = index(count)?;
    let summaries: Vec<String> = serde_json::from_str(text)
        .map_err(|e| corrupt(format!("the chunk at run {first} is not a JSON array: {e}")))?;
    if summaries.len() != count || count == 0 || count > CHUNK {
        return Err(corrupt(format!(
            "the chunk at run {first} says {count} runs and holds {}",
            summaries.len()
        )));
    }
    Ok((first, summaries))
}

/// Hands every chunk overlapping `lo..hi` to `each` as `(first, summaries)`,
/// in run order.
fn overlapping(
    conn: &Connection,
    id: i64,
    lo: usize,
    hi: usize,
    mut each: impl FnMut(usize, Vec<String>) -> Result<()>,
) -> Result<()> {
    let (lo, hi) = (lo as i64, i64::try_from(hi).unwrap_or(i64::MAX));
    let mut st = conn
        .prepare_cached(
            "SELECT first, count, summaries FROM pending_runs
             WHERE traj = ?1 AND first < ?3 AND first + count > ?2 ORDER BY first",
        )
        .map_err(db_err)?;
    let mut rows = st.query(params![id, lo, hi]).map_err(db_err)?;
    while let Some(r) = rows.next().map_err(db_err)? {
        let (first, summaries) = decode(
            r.get(0).map_err(db_err)?,
            r.get(1).map_err(db_err)?,
            &r.get::<_, String>(2).map_err(db_err)?,
        )?;
        each(first, summaries)?;
    }
    Ok(())
}

/// The summaries of runs `lo..hi` the chunks hold (a run no chunk holds is
/// left out).
pub fn summaries(
    conn: &Connection,
    id: i64,
    lo: usize,
    hi: usize,
) -> Result<BTreeMap<usize, String>> {
    let mut out = BTreeMap::new();
    overlapping(conn, id, lo, hi, |first, s| {
        for (i, text) in (first..).zip(s) {
            if (lo..hi).contains(&i) {
                out.insert(i, text);
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The pending runs `lo..hi` (no rows: past the frontier), with their summaries.
pub fn runs(conn: &Connection, id: i64, lo: usize, hi: usize) -> Result<Vec<RunInfo>> {
    // Not sized from the table: a forged chunk may claim any index.
    let mut out: Vec<RunInfo> = Vec::new();
    let gap = |at: usize| {
        corrupt(format!(
            "no chunk holds run {at}; the table was changed by another program"
        ))
    };
    overlapping(conn, id, lo, hi, |first, s| {
        for (i, text) in (first..).zip(s) {
            if (lo..hi).contains(&i) {
                if lo + out.len() != i {
                    return Err(gap(lo + out.len()));
                }
                out.push(RunInfo::pending(i, text));
            }
        }
        Ok(())
    })?;
    if lo + out.len() < hi {
        return Err(gap(lo + out.len()));
    }
    Ok(out)
}

fn json(summaries: &[&str]) -> Result<String> {
    serde_json::to_string(summaries)
        .map_err(|e| PetError::invalid(format!("cannot write run summaries: {e}")))
}

/// Writes chunks for runs given as `(index, summary)` in increasing,
/// consecutive order from `first`.
fn insert(tx: &Transaction, id: i64, first: usize, summaries: &[&str]) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO pending_runs(traj, first, count, summaries) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    for (k, chunk) in summaries.chunks(CHUNK).enumerate() {
        let at = first + k * CHUNK;
        st.execute(params![id, at as i64, chunk.len() as i64, json(chunk)?])
            .map_err(db_err)?;
    }
    Ok(())
}

/// Keeps `runs` (blank, all at or past the frontier) as chunk entries,
/// replacing what chunks held for them.
pub fn put(tx: &Transaction, id: i64, runs: &[&RunInfo]) -> Result<()> {
    let (Some(lo), Some(hi)) = (
        runs.iter().map(|r| r.index).min(),
        runs.iter().map(|r| r.index).max(),
    ) else {
        return Ok(());
    };
    let hi = hi + 1;
    // Runs between the last one held and these are pending too: chunks
    // cover the runs from the frontier on without a gap.
    let held = end(tx, id)?.max(frontier(tx, id)?);
    let gap: Vec<RunInfo> = if lo > held {
        check_gap(held, lo)?;
        (held..lo)
            .map(|i| RunInfo::pending(i, String::new()))
            .collect()
    } else {
        Vec::new()
    };
    let with_gap: Vec<&RunInfo>;
    let (runs, lo) = if gap.is_empty() {
        (runs, lo)
    } else {
        with_gap = gap.iter().chain(runs.iter().copied()).collect();
        (with_gap.as_slice(), held)
    };
    let consecutive = runs.windows(2).all(|w| w[1].index == w[0].index + 1);
    let mut old: Vec<(usize, Vec<String>)> = Vec::new();
    overlapping(tx, id, lo, hi, |first, s| {
        old.push((first, s));
        Ok(())
    })?;
    if consecutive && old.is_empty() {
        // The common case (a new trajectory, new points): no chunk to merge.
        let texts: Vec<&str> = runs.iter().map(|r| r.summary.as_str()).collect();
        return insert(tx, id, lo, &texts);
    }
    let mut merged: BTreeMap<usize, String> = BTreeMap::new();
    for (first, s) in old {
        tx.prepare_cached("DELETE FROM pending_runs WHERE traj = ?1 AND first = ?2")
            .and_then(|mut st| st.execute(params![id, first as i64]))
            .map_err(db_err)?;
        merged.extend((first..).zip(s));
    }
    merged.extend(runs.iter().map(|r| (r.index, r.summary.clone())));
    // Rewritten as runs of consecutive indices.
    let mut start = None;
    let mut texts: Vec<&str> = Vec::new();
    let mut prev = None;
    for (&i, s) in &merged {
        if prev.is_some_and(|p: usize| p + 1 != i) {
            if let Some(f) = start.take() {
                insert(tx, id, f, &texts)?;
            }
            texts.clear();
        }
        start.get_or_insert(i);
        texts.push(s);
        prev = Some(i);
    }
    if let Some(f) = start {
        insert(tx, id, f, &texts)?;
    }
    Ok(())
}

/// Most runs a write may skip past the last one held (their entries or rows
/// are written): a larger gap is a mistake, not a sweep.
const MAX_GAP: usize = 1 << 24;

fn check_gap(from: usize, to: usize) -> Result<()> {
    if to - from > MAX_GAP {
        return Err(PetError::invalid(format!(
            "run {to} is {} runs past the last run the store holds ({from}); store runs of the trajectory's points",
            to - from
        )));
    }
    Ok(())
}

/// Gives rows to the pending runs from `from` up to `to` that have none
/// (their summaries from the chunks), before a run at `to` or above is
/// stored: the frontier moves up without leaving runs without rows below it.
pub fn fill(
    tx: &Transaction,
    id: i64,
    from: usize,
    to: usize,
    skip: &dyn Fn(usize) -> bool,
) -> Result<()> {
    if from >= to {
        return Ok(());
    }
    check_gap(from, to)?;
    let missing: Vec<usize> = (from..to).filter(|&i| !skip(i)).collect();
    let (Some(&lo), Some(&hi)) = (missing.first(), missing.last()) else {
        return Ok(());
    };
    let texts = summaries(tx, id, lo, hi + 1)?;
    let mut st = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO runs(traj, idx, name, completed, started, finished, summary)
             VALUES (?1, ?2, ?3, 0, NULL, NULL, ?4)",
        )
        .map_err(db_err)?;
    for i in missing {
        let text = texts.get(&i).map_or("", String::as_str);
        st.execute(params![id, i as i64, name::run_name(i), text])
            .map_err(db_err)?;
    }
    Ok(())
}

/// Drops the chunks wholly below `frontier` (every run there has a row).
pub fn prune(tx: &Transaction, id: i64, frontier: usize) -> Result<()> {
    let f = i64::try_from(frontier).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "DELETE FROM pending_runs WHERE traj = ?1 AND first < ?2 AND first + count <= ?2",
    )
    .and_then(|mut st| st.execute(params![id, f]))
    .map_err(db_err)?;
    Ok(())
}
