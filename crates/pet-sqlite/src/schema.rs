//! The SQLite schema: creation, version check, and the views for Python users.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{db_err, open_err};
use pet_core::{PetError, Result};

/// The schema version this build writes and reads. Version 2 added the
/// chunked points (`points`) and pending runs (`pending_runs`);
/// a version-1 store is upgraded at its first writable open and read as it
/// is when opened read-only.
pub const SCHEMA_VERSION: i64 = 2;

/// Marker stored in `pet_meta.format`.
pub const FORMAT: &str = "pet-sqlite";

const DDL: &str = "
CREATE TABLE pet_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trajectories(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    comment TEXT NOT NULL,
    created REAL NOT NULL,
    pet_version TEXT NOT NULL
);
CREATE TABLE nodes(
    traj INTEGER NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    role TEXT,
    type_info TEXT,
    explored INTEGER NOT NULL DEFAULT 0,
    target TEXT,
    comment TEXT NOT NULL DEFAULT '',
    annotations BLOB,
    run INTEGER,
    UNIQUE(traj, path)
);
CREATE TABLE items(
    traj INTEGER NOT NULL,
    path TEXT NOT NULL,
    item TEXT NOT NULL,
    point INTEGER NOT NULL,
    run INTEGER,
    kind TEXT NOT NULL,
    dtype TEXT,
    shape TEXT,
    unit TEXT,
    value,
    data BLOB,
    UNIQUE(traj, path, item, point)
);
CREATE TABLE runs(
    traj INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    completed INTEGER NOT NULL,
    started REAL,
    finished REAL,
    summary TEXT NOT NULL,
    PRIMARY KEY(traj, idx)
) WITHOUT ROWID;
CREATE INDEX nodes_by_run ON nodes(traj, run) WHERE run IS NOT NULL;
CREATE INDEX items_by_run ON items(traj, run) WHERE run IS NOT NULL;
CREATE VIEW run_results AS
    SELECT t.name AS trajectory, i.run AS run, i.path AS path, i.item AS item,
           i.kind AS kind, i.dtype AS dtype, i.shape AS shape, i.unit AS unit, i.value AS value, i.data AS data
    FROM items i JOIN trajectories t ON t.id = i.traj
    WHERE i.run IS NOT NULL AND i.point < 0;
";

/// The views of version 2, for Python users: the explored points as rows
/// (the `items` rows of a version-1 store and the JSON chunks of later
/// ones) and every run (the rows and the pending runs past them).
const VIEWS: &str = "
DROP VIEW IF EXISTS explored_points;
CREATE VIEW explored_points AS
    SELECT t.name AS trajectory, i.point AS run, i.path AS parameter, i.dtype AS dtype, i.value AS value
    FROM items i JOIN trajectories t ON t.id = i.traj
    WHERE i.point >= 0
    UNION ALL
    SELECT t.name, p.first + j.key, p.path, p.dtype, j.value
    FROM points p JOIN trajectories t ON t.id = p.traj, json_each(p.json) j;
DROP VIEW IF EXISTS all_runs;
CREATE VIEW all_runs AS
    SELECT t.name AS trajectory, r.idx AS run, r.name AS name, r.completed AS completed,
           r.started AS started, r.finished AS finished, r.summary AS summary
    FROM runs r JOIN trajectories t ON t.id = r.traj
    UNION ALL
    SELECT t.name, p.first + j.key, printf('run_%08d', p.first + j.key), 0, NULL, NULL, j.value
    FROM pending_runs p JOIN trajectories t ON t.id = p.traj, json_each(p.summaries) j
    WHERE p.first + j.key > coalesce((SELECT max(idx) FROM runs WHERE traj = p.traj), -1);
";

/// The tables of version 2 and later, created in every writable store when
/// missing (older pet versions refuse a store of version 2).
fn later_tables() -> String {
    format!(
        "{}{}{}",
        crate::claims::DDL,
        crate::points::DDL,
        crate::pending::DDL
    )
}

/// Empty stand-ins for the version-2 tables on a connection that reads a
/// version-1 store read-only (temporary: the file is not changed), so every
/// query reads both versions. A writer that upgrades the file meanwhile is
/// not seen by this connection: open it again.
pub fn shadow_v1(conn: &Connection) -> Result<()> {
    conn.execute_batch(&format!(
        "{}{}",
        crate::points::DDL.replace(
            "CREATE TABLE IF NOT EXISTS",
            "CREATE TEMP TABLE IF NOT EXISTS"
        ),
        crate::pending::DDL.replace(
            "CREATE TABLE IF NOT EXISTS",
            "CREATE TEMP TABLE IF NOT EXISTS"
        )
    ))
    .map_err(db_err)
}

/// Creates the schema in an empty database, or checks an existing one and,
/// when writable, upgrades it; returns the schema version the store has now.
pub fn ensure(conn: &mut Connection, location: &str, read_only: bool) -> Result<i64> {
    // One statement, one snapshot: another process may create the store
    // between two statements, and its tables must not look foreign.
    let tables: Vec<String> = {
        let mut st = conn
            .prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            .map_err(|e| open_err(location, e))?;
        let names = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| open_err(location, e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| open_err(location, e))?;
        names
    };
    if tables.iter().any(|t| t == "pet_meta") {
        let version = check(conn, location, read_only)?;
        if read_only {
            if version < SCHEMA_VERSION {
                shadow_v1(conn)?;
            }
            return Ok(version);
        }
        upgrade(conn, location, version)?;
        return Ok(SCHEMA_VERSION);
    }
    if !tables.is_empty() {
        return Err(PetError::Format {
            location: location.to_string(),
            reason: format!(
                "it is an SQLite database of another program (tables: {}); pick a new file name",
                tables.join(", ")
            ),
        });
    }
    if read_only {
        return Err(PetError::Format {
            location: location.to_string(),
            reason:
                "the database is empty and opened read-only; open it writable to create a store"
                    .into(),
        });
    }
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_err)?;
    // Another process may have created the schema while we waited for the lock.
    let exists: i64 = tx
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='pet_meta'",
            [],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if exists == 0 {
        tx.execute_batch(DDL).map_err(db_err)?;
        tx.execute_batch(&later_tables()).map_err(db_err)?;
        tx.execute_batch(VIEWS).map_err(db_err)?;
        tx.execute(
            "INSERT INTO pet_meta(key, value) VALUES('format', ?1), ('schema_version', ?2), ('created_by', ?3)",
            (FORMAT, SCHEMA_VERSION.to_string(), format!("pet {}", pet_core::VERSION)),
        )
        .map_err(db_err)?;
    }
    // A store of another process may be older: then it is upgraded.
    tx.execute_batch(&later_tables()).map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    if exists != 0 {
        let version = check(conn, location, false)?;
        upgrade(conn, location, version)?;
    }
    Ok(SCHEMA_VERSION)
}

/// Brings a writable store of `version` to this build's version: adds the
/// claims, chunk and pending-run tables an older pet did not create and, for
/// a version-1 store, the view over both kinds of points; a no-op, without a
/// write lock, when all is there. A version-1 store keeps its points as
/// rows: reads and appends accept both.
fn upgrade(conn: &mut Connection, location: &str, version: i64) -> Result<()> {
    let present: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE (type='table' AND name IN ('claims', 'points', 'pending_runs')) OR (type='index' AND name='runs_pending')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| open_err(location, e))?;
    if present == 4 && version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_err)?;
    tx.execute_batch(&later_tables()).map_err(db_err)?;
    // Read again under the lock: another process may have upgraded it.
    let now: Option<String> = tx
        .query_row(
            "SELECT value FROM pet_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db_err)?;
    if now.as_deref() != Some(SCHEMA_VERSION.to_string().as_str()) {
        tx.execute_batch(VIEWS).map_err(db_err)?;
        tx.execute(
            "UPDATE pet_meta SET value = ?1 WHERE key = 'schema_version'",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(db_err)?;
    }
    tx.commit().map_err(db_err)
}

/// The tables pet reads; each must really be a table (not a view) in a store.
const TABLES: [&str; 5] = ["pet_meta", "trajectories", "nodes", "items", "runs"];

/// The tables of later versions, each a table when present.
const LATER_TABLES: [&str; 3] = ["claims", "points", "pending_runs"];

/// Refuses a file whose pet tables are views or that holds triggers: pet
/// creates neither, so the file was changed by another program, and writing
/// to it would run that program's SQL.
fn check_objects(conn: &Connection, location: &str, read_only: bool) -> Result<()> {
    let objects: Vec<(String, String)> = {
        let mut st = conn
            .prepare("SELECT type, name FROM sqlite_master")
            .map_err(|e| open_err(location, e))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| open_err(location, e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| open_err(location, e))?;
        rows
    };
    for t in TABLES {
        if !objects.iter().any(|(ty, n)| ty == "table" && n == t) {
            return Err(PetError::Format {
                location: location.to_string(),
                reason: format!("its '{t}' table is missing or not a table; the file is damaged or was not written by pet"),
            });
        }
    }
    if let Some((ty, n)) = objects
        .iter()
        .find(|(ty, n)| LATER_TABLES.contains(&n.as_str()) && ty != "table")
    {
        return Err(PetError::Format {
            location: location.to_string(),
            reason: format!(
                "its '{n}' object is a {ty}, not a table; the file was changed by another program"
            ),
        });
    }
    let triggers: Vec<&str> = objects
        .iter()
        .filter(|(ty, _)| ty == "trigger")
        .map(|(_, n)| n.as_str())
        .collect();
    if !triggers.is_empty() && !read_only {
        return Err(PetError::Format {
            location: location.to_string(),
            reason: format!(
                "it holds triggers ({}), which pet never creates; another program changed it, and pet will not write to it (open it with ?mode=ro to read it, or drop the triggers)",
                triggers.join(", ")
            ),
        });
    }
    Ok(())
}

/// Checks a store's objects and version; returns the version.
fn check(conn: &Connection, location: &str, read_only: bool) -> Result<i64> {
    check_objects(conn, location, read_only)?;
    let get = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM pet_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| open_err(location, e))
    };
    if get("format")?.as_deref() != Some(FORMAT) {
        return Err(PetError::Format {
            location: location.to_string(),
            reason: "its pet_meta table does not mark it as a pet-sqlite store".into(),
        });
    }
    let version: i64 = get("schema_version")?
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| PetError::Format {
            location: location.to_string(),
            reason: "its schema version is missing or unreadable".into(),
        })?;
    if version > SCHEMA_VERSION {
        return Err(PetError::Format {
            location: location.to_string(),
            reason: format!(
                "it was written with schema version {version}, but this pet ({}) reads up to version {SCHEMA_VERSION}; upgrade pet",
                pet_core::VERSION
            ),
        });
    }
    if version >= 2 {
        for t in ["points", "pending_runs"] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [t],
                    |r| r.get(0),
                )
                .map_err(|e| open_err(location, e))?;
            if n == 0 {
                return Err(PetError::Format {
                    location: location.to_string(),
                    reason: format!("its '{t}' table is missing (schema version {version}); the file is damaged or was not written by pet"),
                });
            }
        }
    }
    if version < 1 {
        return Err(PetError::Format {
            location: location.to_string(),
            reason: format!("its schema version {version} is not one pet wrote"),
        });
    }
    Ok(version)
}
