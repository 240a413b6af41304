//! Writing rows: nodes with their ancestors, leaf items, run information.

use rusqlite::{params, Transaction};

use pet_core::storage::RunInfo;
use pet_core::{name, LeafData, NodeKind, NodeRecord, Result, Value};

use crate::error::db_err;
use crate::rows;

/// Replaces the items (values) of one leaf.
fn put_items(tx: &Transaction, id: i64, path: &str, data: &LeafData) -> Result<()> {
    tx.prepare_cached("DELETE FROM items WHERE traj = ?1 AND path = ?2")
        .and_then(|mut st| st.execute(params![id, path]))
        .map_err(db_err)?;
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
            for (i, v) in explored.iter().flatten().enumerate() {
                put("", i as i64, v)?;
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
            _ => {
                tx.prepare_cached("DELETE FROM items WHERE traj = ?1 AND path = ?2")
                    .and_then(|mut st| st.execute(params![id, rec.path]))
                    .map_err(db_err)?;
            }
        }
    }
    Ok(())
}

/// Inserts or replaces run information.
pub fn put_runs(tx: &Transaction, id: i64, runs: &[&RunInfo]) -> Result<()> {
    let mut st = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO runs(traj, idx, name, completed, started, finished, summary)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db_err)?;
    for r in runs {
        st.execute(params![
            id,
            r.index as i64,
            r.name,
            r.completed,
            r.started,
            r.finished,
            r.summary
        ])
        .map_err(db_err)?;
    }
    Ok(())
}
