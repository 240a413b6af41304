//! [`SqliteStore`]: the [`Backend`] implementation over one SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use pet_core::location::Location;
use pet_core::storage::{
    descriptor, file, writers, Backend, Change, ClaimRequest, Claimed, PointAppend, ReadSpec,
    RunCounts, RunInfo, RunRecord, StoredRuns, TrajectoryInfo,
};
use pet_core::{bounds, Access, LeafData, LeafRole, NodeRecord, PetError, Result};

use crate::claims;
use crate::connect::{open_connection, retry_busy};
use crate::error::db_err;
use crate::options::{SqliteOptions, DESCRIPTOR};
use crate::read::{assemble, below, column_rows, item_rows, query_nodes, traj_id, Filter};
use crate::write::{append_points, put_nodes, put_runs};
use crate::{pending, points, schema};

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

impl SqliteStore {
    /// Opens (creating if needed) a store file with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens a store from a URL such as `sqlite://results/ca.db?mode=ro&sync=full&busy_timeout=300`
    /// or a file name ending in `.db`.
    pub fn from_url(url: &str) -> Result<Self> {
        let (_, loc) = descriptor::resolve(url, &[&DESCRIPTOR])?;
        Self::from_location(&loc, Access::ReadWrite)
    }

    /// Opens the store a resolved `sqlite://` location names; `access` applies
    /// when the location has no `mode=`.
    pub fn from_location(loc: &Location, access: Access) -> Result<Self> {
        Self::open_with(&loc.rest, SqliteOptions::from_location(loc, access)?)
    }

    /// Opens a store file with explicit options.
    pub fn open_with(path: impl AsRef<Path>, mut opts: SqliteOptions) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        opts.read_only = file::prepare(&path, opts.read_only, "results/sweep.db")?;
        let mut write = open_connection(&path, opts.read_only, opts.busy_timeout, opts.sync_full)?;
        let version = schema::ensure(&mut write, &shown, opts.read_only)?;
        let read = open_connection(&path, true, opts.busy_timeout, false)?;
        if version < schema::SCHEMA_VERSION {
            schema::shadow_v1(&read)?;
        }
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

    /// One immediate transaction on the writer connection (writes are already
    /// checked by [`pet_core::Store`], read-only refusal included).
    fn writing<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
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

    /// One read transaction: every statement of `f` sees the same snapshot, so
    /// a concurrent delete cannot remove a node's items between two statements.
    fn reading<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = lock(&self.read);
        let c: &Connection = &conn;
        let tx = retry_busy(self.opts.busy_timeout, || {
            Transaction::new_unchecked(c, TransactionBehavior::Deferred)
        })
        .map_err(db_err)?;
        let out = f(&tx)?;
        tx.commit().map_err(db_err)?;
        Ok(out)
    }
}

impl Backend for SqliteStore {
    fn location(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    fn is_read_only(&self) -> bool {
        self.opts.read_only
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
        self.writing(|tx| insert_trajectory(tx, info))
    }

    fn create_with(
        &self,
        info: &TrajectoryInfo,
        nodes: &[NodeRecord],
        runs: &[RunInfo],
    ) -> Result<()> {
        self.writing(|tx| {
            insert_trajectory(tx, info)?;
            let id = traj_id(tx, &info.name)?;
            put_nodes(tx, id, nodes)?;
            put_runs(tx, id, &runs.iter().collect::<Vec<_>>())
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
            .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))
        })
    }

    fn remove_trajectory(&self, traj: &str) -> Result<()> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            for table in ["items", "points", "nodes", "runs", "pending_runs", "claims"] {
                tx.execute(&format!("DELETE FROM {table} WHERE traj = ?1"), [id])
                    .map_err(db_err)?;
            }
            tx.execute("DELETE FROM trajectories WHERE id = ?1", [id])
                .map_err(db_err)?;
            Ok(())
        })
    }

    fn write_nodes(&self, traj: &str, nodes: &[NodeRecord]) -> Result<()> {
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

    fn append_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            append_points(tx, id, appends)
        })
    }

    fn store_runs(&self, traj: &str, runs: &[RunRecord]) -> Result<StoredRuns> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            let done = claims::completed_among(tx, id, runs.iter().map(|r| r.info.index))?;
            let (keep, report) =
                writers::first_copies(runs, |r| r.info.index, |i| done.contains(&i));
            for r in &keep {
                put_nodes(tx, id, &r.nodes)?;
            }
            put_runs(tx, id, &keep.iter().map(|r| &r.info).collect::<Vec<_>>())?;
            claims::end(tx, id, runs.iter().map(|r| r.info.index))?;
            Ok(report)
        })
    }

    fn claim_runs(&self, traj: &str, req: &ClaimRequest<'_>) -> Result<Claimed> {
        let shown = self.location();
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            claims::claim(tx, id, req, &shown)
        })
    }

    fn renew_claims(&self, traj: &str, worker: &str, runs: &[usize], until: f64) -> Result<usize> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            claims::renew(tx, id, worker, runs, until)
        })
    }

    fn release_claims(&self, traj: &str, worker: &str, runs: &[usize]) -> Result<()> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            claims::release(tx, id, worker, runs)
        })
    }

    fn run_counts(&self, traj: &str) -> Result<RunCounts> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            claims::counts(c, id)
        })
    }

    fn read_nodes(&self, traj: &str, prefix: &str, spec: ReadSpec) -> Result<Vec<NodeRecord>> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            let filter = Filter::prefix(prefix, spec);
            let mut records = query_nodes(c, id, &filter, spec.with_data)?;
            if spec.with_data {
                points::read_into(c, id, &filter, &mut records)?;
            }
            Ok(records)
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
            let mut data = assemble(path, role, items)?;
            if role.is_param_like() && points::chunked(path) {
                points::read_leaf(c, id, path, &mut data)?;
            }
            Ok(data)
        })
    }

    fn close(&self) -> Result<()> {
        let conn = lock(&self.write);
        // Busy readers may keep part of the log; the first column says so,
        // and what stays in the log is committed all the same.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|_| ())
        .map_err(db_err)
    }

    fn read_column_each(
        &self,
        traj: &str,
        column: &pet_core::storage::ColumnPath,
        each: &mut dyn FnMut(usize, LeafData) -> Result<()>,
    ) -> Result<()> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            column_rows(c, id, column, each)
        })
    }

    fn read_runs(&self, traj: &str) -> Result<Vec<RunInfo>> {
        self.reading(|c| {
            let id = traj_id(c, traj)?;
            // Counted first so the vector is allocated once, at its size.
            let count: i64 = c
                .query_row("SELECT count(*) FROM runs WHERE traj = ?1", [id], |r| r.get(0))
                .map_err(db_err)?;
            let table = format!("{} (table runs)", self.location());
            let mut out = Vec::with_capacity(bounds::stored_run_index(count, &table)?);
            let mut st = c
                .prepare_cached(
                    "SELECT idx, completed, started, finished, summary FROM runs WHERE traj = ?1 ORDER BY idx",
                )
                .map_err(db_err)?;
            let rows = st
                .query_map([id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        RunInfo {
                            index: 0,
                            completed: r.get(1)?,
                            started: r.get(2)?,
                            finished: r.get(3)?,
                            summary: r.get(4)?,
                        },
                    ))
                })
                .map_err(db_err)?;
            for row in rows {
                let (idx, mut info) = row.map_err(db_err)?;
                info.index = bounds::stored_run_index(idx, &table)?;
                out.push(info);
            }
            // The runs past the frontier have no rows ([`pending`]).
            let frontier = out.last().map_or(0, |r| r.index + 1);
            let end = pending::end(c, id)?;
            if end > frontier {
                out.extend(pending::runs(c, id, frontier, end)?);
            }
            Ok(out)
        })
    }

    fn delete(&self, traj: &str, path: &str) -> Result<usize> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            match remove_below(tx, id, path)? {
                0 => Err(PetError::NotFound(path.to_string())),
                n => Ok(n),
            }
        })
    }

    /// The whole change in one transaction: all of it or none.
    fn write_change(&self, traj: &str, change: &Change<'_>) -> Result<()> {
        self.writing(|tx| {
            let id = traj_id(tx, traj)?;
            if !change.appends.is_empty() {
                append_points(tx, id, change.appends)?;
            }
            for p in change.removed {
                remove_below(tx, id, p)?;
            }
            put_nodes(tx, id, change.nodes)?;
            put_runs(tx, id, &change.runs.iter().collect::<Vec<_>>())
        })
    }
}

/// Deletes the node at `path` and everything below it; returns how many nodes went.
fn remove_below(tx: &Transaction<'_>, id: i64, path: &str) -> Result<usize> {
    let (lo, hi) = below(path);
    tx.execute(
        "DELETE FROM items WHERE traj = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
        params![id, path, lo, hi],
    )
    .map_err(db_err)?;
    points::delete_below(tx, id, path, &lo, &hi)?;
    tx.execute(
        "DELETE FROM nodes WHERE traj = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
        params![id, path, lo, hi],
    )
    .map_err(db_err)
}

/// Inserts a trajectory's row; [`PetError::TrajectoryExists`] when the name is taken.
fn insert_trajectory(tx: &Transaction, info: &TrajectoryInfo) -> Result<()> {
    let exists: Option<i64> = tx
        .query_row(
            "SELECT id FROM trajectories WHERE name = ?1",
            [&info.name],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    if exists.is_some() {
        return Err(PetError::TrajectoryExists(info.name.clone()));
    }
    tx.execute(
        "INSERT INTO trajectories(name, comment, created, pet_version) VALUES (?1, ?2, ?3, ?4)",
        params![info.name, info.comment, info.created, info.pet_version],
    )
    .map_err(db_err)?;
    Ok(())
}
