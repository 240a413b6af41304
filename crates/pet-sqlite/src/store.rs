//! [`SqliteStore`]: the [`Store`] implementation over one SQLite file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use pet_core::location::Location;
use pet_core::storage::{validate_records, ReadSpec, RunInfo, RunRecord, Store, TrajectoryInfo};
use pet_core::{name, LeafData, LeafRole, Node, NodeKind, NodeRecord, PetError, Result, Value};

use crate::connect::{db_err, open_connection, retry_busy};
use crate::rows::{self, ItemRow};
use crate::schema;

/// How to open a store.
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// Open read-only (also chosen automatically for files without write permission).
    pub read_only: bool,
    /// `synchronous=FULL`: survive power loss, not only process crashes (slower).
    pub sync_full: bool,
    /// How long a writer waits for another writer before giving up.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            read_only: false,
            sync_full: false,
            busy_timeout: Duration::from_secs(120),
        }
    }
}

/// A pet store in one SQLite file. Cheap to share between threads (`Arc`); any
/// number of processes may open the same file and write at once.
pub struct SqliteStore {
    path: PathBuf,
    opts: SqliteOptions,
    // Declared before `write` so it closes first: the writer closes last and
    // checkpoints the WAL into the database file.
    read: Mutex<Connection>,
    write: Mutex<Connection>,
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `[lo, hi)` bounds of the paths strictly below `prefix` ('/' follows '.').
fn below(prefix: &str) -> (String, String) {
    (format!("{prefix}."), format!("{prefix}/"))
}

impl SqliteStore {
    /// Opens (creating if needed) a store file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens a store from a URL such as `sqlite://results/ca.db?mode=ro&sync=full&busy_timeout=300`.
    pub fn from_url(url: &str) -> Result<Self> {
        let loc = Location::parse(url)?;
        if loc.scheme != "sqlite" {
            return Err(PetError::BadLocation {
                url: url.to_string(),
                reason: format!("scheme '{}' is not sqlite://", loc.scheme),
            });
        }
        loc.check_options(&["mode", "sync", "busy_timeout"])?;
        let mut opts = SqliteOptions::default();
        let bad = |reason: &str| PetError::BadLocation {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        match loc.option("mode") {
            None | Some("rw") => {}
            Some("ro") => opts.read_only = true,
            Some(_) => return Err(bad("mode must be ro or rw")),
        }
        match loc.option("sync") {
            None | Some("normal") => {}
            Some("full") => opts.sync_full = true,
            Some(_) => return Err(bad("sync must be normal or full")),
        }
        if let Some(s) = loc.option("busy_timeout") {
            let secs: u64 = s
                .parse()
                .map_err(|_| bad("busy_timeout must be whole seconds"))?;
            opts.busy_timeout = Duration::from_secs(secs);
        }
        Self::open_with(&loc.rest, opts)
    }

    /// Opens a store file with explicit options.
    pub fn open_with(path: impl AsRef<Path>, mut opts: SqliteOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                return Err(PetError::BadLocation {
                    url: shown,
                    reason: "this is a directory; give a file name such as results/sweep.db".into(),
                })
            }
            Ok(m) => {
                if m.permissions().readonly() {
                    opts.read_only = true;
                }
            }
            Err(_) if opts.read_only => {
                return Err(PetError::BadLocation {
                    url: shown,
                    reason: "the file does not exist (opened read-only, so it is not created)"
                        .into(),
                })
            }
            Err(_) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| PetError::BadLocation {
                        url: shown.clone(),
                        reason: format!("cannot create directory {}: {e}", dir.display()),
                    })?;
                }
            }
        }
        let mut write = open_connection(&path, opts.read_only, opts.busy_timeout, opts.sync_full)?;
        schema::ensure(&mut write, &shown, opts.read_only)?;
        let read = open_connection(&path, true, opts.busy_timeout, false)?;
        Ok(SqliteStore {
            path,
            opts,
            read: Mutex::new(read),
            write: Mutex::new(write),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.opts.read_only
    }

    fn writing<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        if self.opts.read_only {
            return Err(PetError::Backend {
                backend: "sqlite",
                message: format!(
                    "{} is open read-only (mode=ro or no write permission); nothing was changed",
                    self.path.display()
                ),
            });
        }
        let conn = lock(&self.write);
        let c: &Connection = &conn;
        let tx = retry_busy(self.opts.busy_timeout, || {
            Transaction::new_unchecked(c, TransactionBehavior::Immediate)
        })
        .map_err(db_err)?;
        let out = f(&tx)?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    fn reading<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = lock(&self.read);
        f(&conn)
    }
}

fn traj_id(conn: &Connection, traj: &str) -> Result<i64> {
    conn.prepare_cached("SELECT id FROM trajectories WHERE name = ?1")
        .and_then(|mut st| st.query_row([traj], |r| r.get(0)).optional())
        .map_err(db_err)?
        .ok_or_else(|| PetError::NotFound(format!("trajectory '{traj}'")))
}

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

fn put_nodes(tx: &Transaction, id: i64, nodes: &[NodeRecord]) -> Result<()> {
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

fn put_runs(tx: &Transaction, id: i64, runs: &[&RunInfo]) -> Result<()> {
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

type RawItem = (String, i64, ItemRow);

/// Which nodes a read selects.
enum Filter<'a> {
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
    fn prefix(prefix: &str, spec: ReadSpec) -> Filter<'_> {
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
                let (exact_clause, range_clause) = if *skip_runs {
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

/// Runs `select` once per query of `filter` and collects the mapped rows, in
/// order (the exact path sorts before its subtree, ranges are in order).
fn select_all<T>(
    conn: &Connection,
    select: &str,
    order: &str,
    id: i64,
    filter: &Filter,
    map: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for (clause, params) in filter.queries(id) {
        let sql = format!("{select} WHERE {clause} ORDER BY {order}");
        let mut st = conn.prepare_cached(&sql).map_err(db_err)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(params), &map)
            .map_err(db_err)?;
        for row in rows {
            out.push(row.map_err(db_err)?);
        }
    }
    Ok(out)
}

fn item_rows(conn: &Connection, id: i64, filter: &Filter) -> Result<Vec<(String, RawItem)>> {
    select_all(
        conn,
        "SELECT path, item, point, kind, dtype, shape, unit, value, data FROM items",
        "path, item, point",
        id,
        filter,
        |r| {
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
        },
    )
}

fn query_nodes(
    c: &Connection,
    id: i64,
    filter: &Filter,
    with_data: bool,
) -> Result<Vec<NodeRecord>> {
    let raw = select_all(
        c,
        "SELECT path, kind, role, type_info, explored, target, comment, annotations FROM nodes",
        "path",
        id,
        filter,
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
            ))
        },
    )?;
    let mut items: BTreeMap<String, Vec<RawItem>> = BTreeMap::new();
    if with_data {
        for (path, item) in item_rows(c, id, filter)? {
            items.entry(path).or_default().push(item);
        }
    }
    raw.into_iter()
        .map(
            |(path, kind, role, type_info, explored, target, comment, ann)| {
                let kind = rows::node_kind_from(&kind, role, type_info, explored, target)?;
                let data = match (&kind, items.remove(&path)) {
                    (NodeKind::Leaf { role, .. }, Some(it)) => Some(assemble(&path, *role, it)?),
                    _ => None,
                };
                Ok(NodeRecord {
                    node: Node {
                        kind,
                        comment,
                        annotations: rows::annotations_from(ann)?,
                        data,
                    },
                    path,
                })
            },
        )
        .collect()
}

fn assemble(path: &str, role: LeafRole, items: Vec<RawItem>) -> Result<LeafData> {
    let corrupt = |m: String| PetError::Format {
        location: "sqlite store".into(),
        reason: format!("leaf '{path}': {m}"),
    };
    if role.is_param_like() {
        let mut value = None;
        let mut explored = Vec::new();
        for (_, point, row) in items {
            let v = rows::row_to_value(row)?;
            if point < 0 {
                value = Some(v);
            } else if point as usize == explored.len() {
                explored.push(v);
            } else {
                return Err(corrupt(format!(
                    "explored point {point} is out of sequence"
                )));
            }
        }
        Ok(LeafData::Param {
            value: value.ok_or_else(|| corrupt("no default value".into()))?,
            explored: if explored.is_empty() {
                None
            } else {
                Some(explored)
            },
        })
    } else {
        let mut out = BTreeMap::new();
        for (item, _, row) in items {
            out.insert(item, rows::row_to_value(row)?);
        }
        if out.is_empty() {
            return Err(corrupt("no items".into()));
        }
        Ok(LeafData::Result { items: out })
    }
}

impl Store for SqliteStore {
    fn location(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        self.reading(|c| {
            let mut st = c
                .prepare_cached(
                    "SELECT name, comment, created, pet_version FROM trajectories ORDER BY name",
                )
                .map_err(db_err)?;
            let rows = st
                .query_map([], |r| {
                    Ok(TrajectoryInfo {
                        name: r.get(0)?,
                        comment: r.get(1)?,
                        created: r.get(2)?,
                        pet_version: r.get(3)?,
                    })
                })
                .map_err(db_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
        })
    }

    fn create(&self, info: &TrajectoryInfo) -> Result<()> {
        name::validate_part(&info.name)?;
        self.writing(|tx| {
            let exists: Option<i64> = tx
                .query_row("SELECT id FROM trajectories WHERE name = ?1", [&info.name], |r| r.get(0))
                .optional()
                .map_err(db_err)?;
            if exists.is_some() {
                return Err(PetError::AlreadyExists(format!("trajectory '{}'", info.name)));
            }
            tx.execute(
                "INSERT INTO trajectories(name, comment, created, pet_version) VALUES (?1, ?2, ?3, ?4)",
                params![info.name, info.comment, info.created, info.pet_version],
            )
            .map_err(db_err)?;
            Ok(())
        })
    }

    fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        self.reading(|c| {
            c.query_row(
                "SELECT name, comment, created, pet_version FROM trajectories WHERE name = ?1",
                [traj],
                |r| {
                    Ok(TrajectoryInfo {
                        name: r.get(0)?,
                        comment: r.get(1)?,
                        created: r.get(2)?,
                        pet_version: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| PetError::NotFound(format!("trajectory '{traj}'")))
        })
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            for table in ["items", "nodes", "runs"] {
                tx.execute(&format!("DELETE FROM {table} WHERE traj = ?1"), [id])
                    .map_err(db_err)?;
            }
            tx.execute("DELETE FROM trajectories WHERE id = ?1", [id])
                .map_err(db_err)?;
            Ok(())
        })
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
        validate_records(nodes)?;
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            put_nodes(tx, id, nodes)
        })
    }

    fn write_runs(&self, traj: &str, runs: &[RunInfo]) -> Result<()> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            put_runs(tx, id, &runs.iter().collect::<Vec<_>>())
        })
    }

    fn store_run(&self, traj: &str, run: &RunRecord) -> Result<()> {
        self.store_runs(traj, std::slice::from_ref(run))
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<()> {
        runs.iter().try_for_each(RunRecord::validate)?;
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            for r in runs {
                put_nodes(tx, id, &r.nodes)?;
            }
            put_runs(tx, id, &runs.iter().map(|r| &r.info).collect::<Vec<_>>())
        })
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            query_nodes(c, id, &Filter::prefix(prefix, spec), spec.with_data)
        })
    }

    fn read_run_nodes(&self, traj: &str, index: usize, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            query_nodes(c, id, &Filter::Run(index as i64), spec.with_data)
        })
    }

    fn read_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            let role: Option<Option<String>> = c
                .prepare_cached(
                    "SELECT role FROM nodes WHERE traj = ?1 AND path = ?2 AND kind = 'leaf'",
                )
                .and_then(|mut st| st.query_row(params![id, path], |r| r.get(0)).optional())
                .map_err(db_err)?;
            let role = role
                .flatten()
                .and_then(|r| LeafRole::from_name(&r))
                .ok_or_else(|| PetError::NotFound(path.to_string()))?;
            let exact = Filter::Prefix {
                exact: path,
                lo: String::new(),
                hi: String::new(),
                skip_runs: false,
            };
            let items = item_rows(c, id, &exact)?
                .into_iter()
                .map(|(_, it)| it)
                .collect();
            assemble(path, role, items)
        })
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            let mut st = c
                .prepare_cached(
                    "SELECT idx, name, completed, started, finished, summary FROM runs WHERE traj = ?1 ORDER BY idx",
                )
                .map_err(db_err)?;
            let rows = st
                .query_map([id], |r| {
                    Ok(RunInfo {
                        index: r.get::<_, i64>(0)? as usize,
                        name: r.get(1)?,
                        completed: r.get(2)?,
                        started: r.get(3)?,
                        finished: r.get(4)?,
                        summary: r.get(5)?,
                    })
                })
                .map_err(db_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
        })
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        let (lo, hi) = below(path);
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            tx.execute(
                "DELETE FROM items WHERE traj = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
                params![id, path, lo, hi],
            )
            .map_err(db_err)?;
            let n = tx
                .execute(
                    "DELETE FROM nodes WHERE traj = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
                    params![id, path, lo, hi],
                )
                .map_err(db_err)?;
            if n == 0 {
                return Err(PetError::NotFound(path.to_string()));
            }
            Ok(n)
        })
    }
}
