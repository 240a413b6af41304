//! Writing rows: nodes with their ancestors, leaf items, appended explored
//! points, run information.

use rusqlite::{params, OptionalExtension, Transaction};

use pet_core::storage::{PointAppend, RunInfo};
use pet_core::{name, LeafData, NodeKind, NodeRecord, PetError, Result, Value};

use crate::error::db_err;
use crate::{pending, points, rows};

/// Replaces the items (values) of one leaf.
fn put_items(tx: &Transaction, id: i64, path: &str, data: &LeafData) -> Result<()> {
    delete_items(tx, id, path)?;
    let run = name::run_of_path(path).map(|r| r as i64);
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO items(traj, path, item, point, run, kind, dtype, shape, unit, value, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .map_err(db_err)?;
    let mut put = |item: &str, point: i64, v: &Value| -> Result<()> {
        let r = rows::value_to_row(v)?;
        insert
            .execute(params![
                id, path, item, point, run, r.kind, r.dtype, r.shape, r.unit, r.value, r.data
            ])
            .map_err(db_err)?;
        Ok(())
    };
    match data {
        LeafData::Param { value, explored } => {
            put("", -1, value)?;
            match (run, explored) {
                // Outside the runs, points go in chunks (run leaves keep
                // one row per point, read by the column queries).
                (None, Some(points)) => points::append(tx, id, path, 0, points)?,
                _ => {
                    for (i, v) in explored.iter().flatten().enumerate() {
                        put("", i as i64, v)?;
                    }
                }
            }
        }
        LeafData::Result { items } => {
            for (k, v) in items {
                put(k, -1, v)?;
            }
        }
    }
    Ok(())
}

/// Deletes the items (and, outside the runs, the chunked points) of `path`.
fn delete_items(tx: &Transaction, id: i64, path: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM items WHERE traj = ?1 AND path = ?2")
        .and_then(|mut st| st.execute(params![id, path]))
        .map_err(db_err)?;
    if points::chunked(path) {
        points::delete(tx, id, path)?;
    }
    Ok(())
}

/// Inserts or replaces nodes and their items, creating missing ancestor groups.
pub fn put_nodes(tx: &Transaction, id: i64, nodes: &[NodeRecord]) -> Result<()> {
    let mut ancestors: Vec<&str> = nodes
        .iter()
        .flat_map(|n| name::ancestors(&n.path))
        .collect();
    ancestors.sort_unstable();
    ancestors.dedup();
    {
        let mut st = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO nodes(traj, path, kind, run) VALUES (?1, ?2, 'group', ?3)",
            )
            .map_err(db_err)?;
        for a in ancestors {
            st.execute(params![id, a, name::run_of_path(a).map(|r| r as i64)])
                .map_err(db_err)?;
        }
    }
    let mut upsert = tx
        .prepare_cached(
            "INSERT INTO nodes(traj, path, kind, role, type_info, explored, target, comment, annotations, run)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(traj, path) DO UPDATE SET kind = excluded.kind, role = excluded.role,
                type_info = excluded.type_info, explored = excluded.explored, target = excluded.target,
                comment = excluded.comment, annotations = excluded.annotations",
        )
        .map_err(db_err)?;
    for rec in nodes {
        let (kind, role, type_info, explored, target) = rows::node_kind_cols(&rec.node.kind);
        let ann = rows::annotations_blob(&rec.node.annotations)?;
        let run = name::run_of_path(&rec.path).map(|r| r as i64);
        upsert
            .execute(params![
                id,
                rec.path,
                kind,
                role,
                type_info,
                explored,
                target,
                rec.node.comment,
                ann,
                run
            ])
            .map_err(db_err)?;
        match (&rec.node.kind, &rec.node.data) {
            (NodeKind::Leaf { .. }, Some(data)) => put_items(tx, id, &rec.path, data)?,
            (NodeKind::Leaf { .. }, None) => {}
            _ => delete_items(tx, id, &rec.path)?,
        }
    }
    Ok(())
}

/// The default value of the parameter at `path` and how many explored points
/// it holds (`None` when it holds none), from two index lookups.
fn stored_param(tx: &Transaction, id: i64, path: &str) -> Result<(Value, Option<usize>)> {
    let kind: Option<String> = tx
        .prepare_cached("SELECT kind FROM nodes WHERE traj = ?1 AND path = ?2")
        .and_then(|mut st| st.query_row(params![id, path], |r| r.get(0)).optional())
        .map_err(db_err)?;
    match kind.as_deref() {
        None => return Err(PetError::NotFound(path.to_string())),
        Some("leaf") => {}
        Some(other) => {
            return Err(PetError::Explore(format!(
                "'{path}' is a {other}, not a parameter"
            )))
        }
    }
    let row = tx
        .prepare_cached(
            "SELECT kind, dtype, shape, unit, value, data FROM items
             WHERE traj = ?1 AND path = ?2 AND item = '' AND point = -1",
        )
        .and_then(|mut st| {
            st.query_row(params![id, path], |r| {
                Ok(rows::ItemRow {
                    kind: r.get(0)?,
                    dtype: r.get(1)?,
                    shape: r.get(2)?,
                    unit: r.get(3)?,
                    value: r.get(4)?,
                    data: r.get(5)?,
                })
            })
            .optional()
        })
        .map_err(db_err)?
        .ok_or_else(|| PetError::corrupt(format!("parameter '{path}' has no default value")))?;
    let default = rows::row_to_value(row)?;
    // The unique index on (traj, path, item, point) answers max() without a scan.
    let last: Option<i64> = tx
        .prepare_cached(
            "SELECT max(point) FROM items WHERE traj = ?1 AND path = ?2 AND item = '' AND point >= 0",
        )
        .and_then(|mut st| st.query_row(params![id, path], |r| r.get(0)))
        .map_err(db_err)?;
    let rows = match last {
        None => None,
        Some(p) => Some(
            usize::try_from(p)
                .ok()
                .and_then(|p| p.checked_add(1))
                .ok_or_else(|| {
                    PetError::corrupt(format!("parameter '{path}' has explored point {p}"))
                })?,
        ),
    };
    // A version-1 store holds its points as rows, a later one in chunks
    // (its appends included); a store upgraded in between holds both.
    let stored = match (rows, points::stored(tx, id, path)?) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Ok((default, stored))
}

/// Appends explored points as new `items` rows (`point` = index) and updates
/// the node's type description; costs the new points, not the stored ones.
/// Every append is checked before the first row goes in; the caller's
/// transaction makes the batch all or nothing.
pub fn append_points(tx: &Transaction, id: i64, appends: &[PointAppend<'_>]) -> Result<()> {
    let mut checked = Vec::with_capacity(appends.len());
    for a in appends {
        let (default, stored) = stored_param(tx, id, a.path)?;
        a.check_stored(&default, stored)?;
        checked.push(LeafData::explored_type_info(&default, a.end()?));
    }
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO items(traj, path, item, point, run, kind, dtype, shape, unit, value, data)
             VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(db_err)?;
    let mut node = tx
        .prepare_cached(
            "UPDATE nodes SET type_info = ?3, explored = 1 WHERE traj = ?1 AND path = ?2",
        )
        .map_err(db_err)?;
    for (a, type_info) in appends.iter().zip(checked) {
        let run = name::run_of_path(a.path).map(|r| r as i64);
        if run.is_none() {
            points::append(tx, id, a.path, a.start, a.values)?;
            node.execute(params![id, a.path, type_info])
                .map_err(db_err)?;
            continue;
        }
        for (i, v) in a.values.iter().enumerate() {
            let point = a
                .start
                .checked_add(i)
                .and_then(|p| i64::try_from(p).ok())
                .ok_or_else(|| {
                    PetError::invalid(format!("point index of '{}' overflows", a.path))
                })?;
            let r = rows::value_to_row(v)?;
            insert
                .execute(params![
                    id, a.path, point, run, r.kind, r.dtype, r.shape, r.unit, r.value, r.data
                ])
                .map_err(db_err)?;
        }
        node.execute(params![id, a.path, type_info])
            .map_err(db_err)?;
    }
    Ok(())
}

/// Inserts or replaces run information; a run stored as completed is left as
/// it is (the rules of [`pet_core::storage::writers`]). Runs that have not
/// started, past the frontier, go in chunks ([`pending`]); a run with a row
/// past the frontier first gives rows to the runs it skips.
pub fn put_runs(tx: &Transaction, id: i64, runs: &[&RunInfo]) -> Result<()> {
    let frontier = pending::frontier(tx, id)?;
    let (blank, rows): (Vec<&RunInfo>, Vec<&RunInfo>) = runs
        .iter()
        .partition(|r| r.index >= frontier && pending::is_blank(r));
    pending::put(tx, id, &blank)?;
    if let Some(top) = rows
        .iter()
        .map(|r| r.index)
        .max()
        .filter(|&t| t >= frontier)
    {
        let given: std::collections::BTreeSet<usize> = rows.iter().map(|r| r.index).collect();
        pending::fill(tx, id, frontier, top, &|i| given.contains(&i))?;
        put_rows(tx, id, &rows)?;
        return pending::prune(tx, id, top + 1);
    }
    put_rows(tx, id, &rows)
}

/// Upserts run rows (a completed row stays as it is).
fn put_rows(tx: &Transaction, id: i64, runs: &[&RunInfo]) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT INTO runs(traj, idx, name, completed, started, finished, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(traj, idx) DO UPDATE SET
                name = excluded.name, completed = excluded.completed, started = excluded.started,
                finished = excluded.finished, summary = excluded.summary
             WHERE runs.completed = 0",
        )
        .map_err(db_err)?;
    for r in runs {
        st.execute(params![
            id,
            r.index as i64,
            r.name(),
            r.completed,
            r.started,
            r.finished,
            r.summary
        ])
        .map_err(db_err)?;
    }
    Ok(())
}
