//! Reading rows back: which nodes a read selects (as index range scans),
//! and assembling nodes and leaf data from rows.

use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension};

use pet_core::storage::ReadSpec;
use pet_core::{name, LeafData, LeafRole, Node, NodeKind, NodeRecord, PetError, Result, Value};

use crate::error::db_err;
use crate::rows::{self, ItemRow};

/// `[lo, hi)` bounds of the paths strictly below `prefix` ('/' follows '.').
pub fn below(prefix: &str) -> (String, String) {
    (format!("{prefix}."), format!("{prefix}/"))
}

/// The row id of a trajectory.
pub fn traj_id(conn: &Connection, traj: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM trajectories WHERE name = ?1")
        .and_then(|mut st| st.query_row([traj], |r| r.get(0)).optional())
        .map_err(db_err)?
        .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))
}

/// One item row: item name, explored point (-1 for the default), the row.
pub type RawItem = (String, i64, ItemRow);

/// Which nodes a read selects.
pub enum Filter<'a> {
    /// `exact` and everything below it (`lo..hi`), optionally without run subtrees.
    Prefix {
        exact: &'a str,
        lo: String,
        hi: String,
        skip_runs: bool,
    },
    /// Everything run `n` stored.
    Run(i64),
}

impl Filter<'_> {
    /// `prefix` and below, as `spec` asks.
    pub fn prefix(prefix: &str, spec: ReadSpec) -> Filter<'_> {
        let (lo, hi) = if prefix.is_empty() {
            (String::new(), "\u{10FFFF}".to_string())
        } else {
            below(prefix)
        };
        Filter::Prefix {
            exact: prefix,
            lo,
            hi,
            skip_runs: !spec.includes(prefix, "results.runs.run_00000000"),
        }
    }

    /// The queries that together select the nodes: `(WHERE clause, parameters)`.
    /// Ranges and the exact path are separate queries so that every one of them is
    /// an index range scan; a prefix read that skips runs is split around the
    /// per-run subtrees, so a million runs are never scanned.
    fn queries(&self, id: i64) -> Vec<(&'static str, Vec<Sql>)> {
        self.queries_of(id, true)
    }

    /// The queries that select the chunked points ([`crate::points`]) of
    /// the nodes: the same ranges, on a table that holds no run leaves.
    pub fn point_queries(&self, id: i64) -> Vec<(&'static str, Vec<Sql>)> {
        match self {
            Filter::Prefix { .. } => self.queries_of(id, false),
            Filter::Run(_) => Vec::new(),
        }
    }

    fn queries_of(&self, id: i64, has_run: bool) -> Vec<(&'static str, Vec<Sql>)> {
        match self {
            Filter::Prefix {
                exact,
                lo,
                hi,
                skip_runs,
            } => {
                let mut pieces = vec![(lo.clone(), hi.clone())];
                if *skip_runs {
                    for branch in [name::DERIVED, name::RESULTS] {
                        let hole = (
                            format!("{branch}.{}.run_", name::RUNS),
                            format!("{branch}.{}.run`", name::RUNS),
                        );
                        pieces = pieces
                            .into_iter()
                            .flat_map(|(l, h)| {
                                if hole.1 <= l || hole.0 >= h {
                                    return vec![(l, h)];
                                }
                                let mut v = Vec::new();
                                if l < hole.0 {
                                    v.push((l, hole.0.clone()));
                                }
                                if hole.1 < h {
                                    v.push((hole.1.clone(), h));
                                }
                                v
                            })
                            .collect();
                    }
                }
                let (exact_clause, range_clause) = if *skip_runs && has_run {
                    (
                        "traj = ?1 AND path = ?2 AND run IS NULL",
                        "traj = ?1 AND path >= ?2 AND path < ?3 AND run IS NULL",
                    )
                } else {
                    (
                        "traj = ?1 AND path = ?2",
                        "traj = ?1 AND path >= ?2 AND path < ?3",
                    )
                };
                let mut out = vec![(
                    exact_clause,
                    vec![Sql::Integer(id), Sql::Text(exact.to_string())],
                )];
                for (l, h) in pieces.into_iter().filter(|(l, h)| l < h) {
                    out.push((
                        range_clause,
                        vec![Sql::Integer(id), Sql::Text(l), Sql::Text(h)],
                    ));
                }
                out
            }
            Filter::Run(n) => vec![(
                "traj = ?1 AND run = ?2",
                vec![Sql::Integer(id), Sql::Integer(*n)],
            )],
        }
    }
}

/// Runs `select` once per query (a filter's [`Filter::queries`] or
/// [`Filter::point_queries`]) and hands each row to `each`, in order (the
/// exact path sorts before its subtree, ranges are in order).
pub fn select_each(
    conn: &Connection,
    select: &str,
    order: &str,
    queries: Vec<(&'static str, Vec<Sql>)>,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<()>,
) -> Result<()> {
    for (clause, params) in queries {
        let sql = format!("{select} WHERE {clause} ORDER BY {order}");
        let mut st = conn.prepare_cached(&sql).map_err(db_err)?;
        let mut rows = st
            .query(rusqlite::params_from_iter(params))
            .map_err(db_err)?;
        while let Some(row) = rows.next().map_err(db_err)? {
            each(row)?;
        }
    }
    Ok(())
}

/// [`select_each`], collecting the mapped rows.
fn select_all<T>(
    conn: &Connection,
    select: &str,
    order: &str,
    id: i64,
    filter: &Filter,
    map: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    select_each(conn, select, order, filter.queries(id), |r| {
        out.push(map(r).map_err(db_err)?);
        Ok(())
    })?;
    Ok(out)
}

/// One item row as read by the item queries (`path, item, point, kind,
/// dtype, shape, unit, value, data`).
fn item_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, RawItem)> {
    Ok((
        r.get::<_, String>(0)?,
        (
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            ItemRow {
                kind: r.get(3)?,
                dtype: r.get(4)?,
                shape: r.get(5)?,
                unit: r.get(6)?,
                value: r.get::<_, Sql>(7)?,
                data: r.get(8)?,
            },
        ),
    ))
}

/// The columns [`item_of`] reads.
const ITEM_COLUMNS: &str =
    "SELECT path, item, point, kind, dtype, shape, unit, value, data FROM items";

/// The item rows `filter` selects, with their paths.
pub fn item_rows(conn: &Connection, id: i64, filter: &Filter) -> Result<Vec<(String, RawItem)>> {
    select_all(conn, ITEM_COLUMNS, "path, item, point", id, filter, item_of)
}

/// The nodes `filter` selects, with their data when `with_data`.
pub fn query_nodes(
    c: &Connection,
    id: i64,
    filter: &Filter,
    with_data: bool,
) -> Result<Vec<NodeRecord>> {
    // Nodes and items stream in the same path order: each leaf's items are
    // assembled as they arrive, so a read holds its records and one leaf's
    // rows, never every row at once.
    let mut records: Vec<NodeRecord> = Vec::new();
    select_each(
        c,
        "SELECT path, kind, role, type_info, explored, target, comment, annotations FROM nodes",
        "path",
        filter.queries(id),
        |r| {
            let path: String = r.get(0).map_err(db_err)?;
            let kind = rows::node_kind_from(
                &r.get::<_, String>(1).map_err(db_err)?,
                r.get(2).map_err(db_err)?,
                r.get(3).map_err(db_err)?,
                r.get(4).map_err(db_err)?,
                r.get(5).map_err(db_err)?,
            )?;
            records.push(NodeRecord {
                node: Node {
                    kind,
                    comment: r.get(6).map_err(db_err)?,
                    annotations: rows::annotations_from(r.get(7).map_err(db_err)?)?,
                    data: None,
                },
                path,
            });
            Ok(())
        },
    )?;
    if !with_data {
        return Ok(records);
    }
    // The leaf being read: its record's index and its data so far (none
    // for rows of a path that is not a leaf record).
    let mut leaf: Option<(String, Option<(usize, LeafBuilder)>)> = None;
    let finish = |records: &mut Vec<NodeRecord>, built: Option<(usize, LeafBuilder)>| {
        if let Some((i, b)) = built {
            if let Some(r) = records.get_mut(i) {
                r.node.data = Some(b.finish()?);
            }
        }
        Ok::<(), PetError>(())
    };
    select_each(
        c,
        ITEM_COLUMNS,
        "path, item, point",
        filter.queries(id),
        |r| {
            let (path, (item, point, row)) = item_of(r).map_err(db_err)?;
            if leaf.as_ref().is_none_or(|(p, _)| *p != path) {
                if let Some((_, built)) = leaf.take() {
                    finish(&mut records, built)?;
                }
                let built = records
                    .binary_search_by(|r| r.path.as_str().cmp(&path))
                    .ok()
                    .and_then(|i| match records[i].node.kind {
                        NodeKind::Leaf { role, .. } => Some((i, LeafBuilder::new(&path, role))),
                        _ => None,
                    });
                leaf = Some((path, built));
            }
            if let Some((_, Some((_, b)))) = &mut leaf {
                b.push(item, point, row)?;
            }
            Ok(())
        },
    )?;
    if let Some((_, built)) = leaf {
        finish(&mut records, built)?;
    }
    Ok(records)
}

/// A leaf's data, built from its item rows as they arrive (each row turned
/// into its value at once, so a leaf of a million explored points holds its
/// values, never its rows).
pub struct LeafBuilder {
    path: String,
    role: LeafRole,
    value: Option<Value>,
    explored: Vec<Value>,
    items: pet_core::Items,
}

impl LeafBuilder {
    /// An empty leaf at `path` with `role`.
    pub fn new(path: &str, role: LeafRole) -> Self {
        LeafBuilder {
            path: path.to_string(),
            role,
            value: None,
            explored: Vec::new(),
            items: pet_core::Items::new(),
        }
    }

    fn corrupt(&self, m: String) -> PetError {
        PetError::corrupt(format!("leaf '{}': {m}", self.path))
    }

    /// Adds one item row (rows come in item, point order).
    pub fn push(&mut self, item: String, point: i64, row: ItemRow) -> Result<()> {
        let v = rows::row_to_value(row)?;
        self.push_value(item, point, v)
    }

    /// Adds the value of one item row.
    pub fn push_value(&mut self, item: String, point: i64, v: Value) -> Result<()> {
        if !self.role.is_param_like() {
            self.items.insert(item, v);
        } else if point < 0 {
            self.value = Some(v);
        } else if usize::try_from(point).is_ok_and(|p| p == self.explored.len()) {
            self.explored.push(v);
        } else {
            return Err(self.corrupt(format!("explored point {point} is out of sequence")));
        }
        Ok(())
    }

    /// The leaf's data.
    pub fn finish(self) -> Result<LeafData> {
        let corrupt = |m: &str| PetError::corrupt(format!("leaf '{}': {m}", self.path));
        if self.role.is_param_like() {
            let explored = (!self.explored.is_empty()).then_some(self.explored);
            match self.value {
                Some(value) => Ok(LeafData::Param { value, explored }),
                None => Err(corrupt("no default value")),
            }
        } else if self.items.is_empty() {
            Err(corrupt("no items"))
        } else {
            Ok(LeafData::Result { items: self.items })
        }
    }
}

/// The value of an item row of [`ITEM_COLUMNS`] that holds a plain scalar in
/// its `value` column (no shape, unit or bytes), read without copying its
/// text columns; `None` for every other row (read whole with [`item_of`]).
fn plain_scalar(r: &rusqlite::Row<'_>) -> Result<Option<Value>> {
    use rusqlite::types::ValueRef;
    let col = |i: usize| r.get_ref(i).map_err(db_err);
    let plain = matches!(col(3)?, ValueRef::Text(b"scalar"))
        && matches!(col(5)?, ValueRef::Null)
        && matches!(col(6)?, ValueRef::Null)
        && matches!(col(8)?, ValueRef::Null);
    let dtype = match col(4)? {
        ValueRef::Text(d) => std::str::from_utf8(d)
            .ok()
            .and_then(pet_core::DType::from_name),
        _ => None,
    };
    let (true, Some(dtype)) = (plain, dtype) else {
        return Ok(None);
    };
    let value = match col(7)? {
        ValueRef::Integer(i) => Sql::Integer(i),
        ValueRef::Real(f) => Sql::Real(f),
        _ => return Ok(None),
    };
    Ok(Some(Value::Scalar(rows::scalar_from_sql(
        dtype, value, None,
    )?)))
}

/// A leaf's data from its item rows.
pub fn assemble(path: &str, role: LeafRole, items: Vec<RawItem>) -> Result<LeafData> {
    let mut b = LeafBuilder::new(path, role);
    for (item, point, row) in items {
        b.push(item, point, row)?;
    }
    b.finish()
}

/// One leaf of every run ([`pet_core::storage::ColumnPath`]) in one query:
/// the item rows below the column's group whose path ends in its leaf (the
/// other rows are passed over without reading their data), handed to `each`
/// leaf by leaf in path order, which is run order.
pub fn column_rows(
    conn: &Connection,
    id: i64,
    column: &pet_core::storage::ColumnPath,
    each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
) -> Result<()> {
    let role = LeafRole::for_path(&column.group)?;
    let (lo, hi) = below(&column.group);
    let mut st = conn
        .prepare_cached(&format!(
            "{ITEM_COLUMNS} WHERE traj = ?1 AND path >= ?2 AND path < ?3 \
             AND substr(path, -?4) = ?5 ORDER BY path, item, point"
        ))
        .map_err(db_err)?;
    let suffix = format!(".{}", column.leaf);
    let n = i64::try_from(suffix.chars().count()).unwrap_or(i64::MAX);
    let mut rows = st
        .query(rusqlite::params![id, lo, hi, n, suffix])
        .map_err(db_err)?;
    // Names of runs from 10^8 on are longer and sort among the others:
    // those are kept aside and given last (all come after the shorter ones).
    let mut long: Vec<(usize, LeafData)> = Vec::new();
    let mut give = |run: usize, data: LeafData| {
        if run < FIXED_WIDTH_RUNS {
            each(run, data)
        } else {
            long.push((run, data));
            Ok(())
        }
    };
    // The leaf being read: its path and, when it is a run's, the run and its data so far.
    let mut current: Option<(String, Option<(usize, LeafBuilder)>)> = None;
    while let Some(r) = rows.next().map_err(db_err)? {
        let path = match r.get_ref(0).map_err(db_err)? {
            rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t)
                .map_err(|e| PetError::corrupt(format!("a path that is not UTF-8: {e}")))?,
            _ => return Err(PetError::corrupt("an item row without a text path")),
        };
        if current.as_ref().is_none_or(|(p, _)| p != path) {
            if let Some((_, Some((run, b)))) = current.take() {
                give(run, b.finish()?)?;
            }
            let built = column
                .run_of(path)
                .map(|run| (run, LeafBuilder::new(path, role)));
            current = Some((path.to_string(), built));
        }
        let Some((_, Some((_, b)))) = &mut current else {
            continue;
        };
        match plain_scalar(r)? {
            Some(v) => {
                let item: String = r.get(1).map_err(db_err)?;
                let point: i64 = r.get(2).map_err(db_err)?;
                b.push_value(item, point, v)?;
            }
            None => {
                let (_, (item, point, row)) = item_of(r).map_err(db_err)?;
                b.push(item, point, row)?;
            }
        }
    }
    if let Some((_, Some((run, b)))) = current {
        give(run, b.finish()?)?;
    }
    long.sort_by_key(|(i, _)| *i);
    long.into_iter().try_for_each(|(i, d)| each(i, d))
}

/// Runs below this have names of one width (`run_` and 8 digits), so path
/// order is run order among them.
const FIXED_WIDTH_RUNS: usize = 100_000_000;
