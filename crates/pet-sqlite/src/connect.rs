//! Opening connections with pet's pragmas, and retrying while another writer holds the lock.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use pet_core::Result;

use crate::error::{db_err, is_busy, open_err};

/// Runs `f`, retrying while the database is busy, until `timeout` has passed.
pub fn retry_busy<T>(
    timeout: Duration,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match f() {
            Err(e) if is_busy(&e) && start.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// Page cache of the reading connection, KiB: its reads are mostly scans in
/// path order, and the cache counts in the memory of every analysis.
const READ_CACHE_KIB: i64 = 32 * 1024;
/// Page cache of the writing connection, KiB.
const WRITE_CACHE_KIB: i64 = 256 * 1024;

/// True when every connection of this build of SQLite keeps a page cache of
/// its own (the workspace builds SQLite without
/// `SQLITE_ENABLE_MEMORY_MANAGEMENT`; see `.cargo/config.toml`).
///
/// With that option all connections of a process share one cache LRU, and a
/// reading connection that has just scanned a large store keeps the pages it
/// took from the writer: the writer then stays under its own limit while the
/// shared one is over, SQLite frees every page the moment it is released,
/// and a sweep of 10^6 runs pays about 25 page reads a run (twice the store's
/// cost). A program that links pet-sqlite from outside this workspace gets
/// separate caches by building with
/// `LIBSQLITE3_FLAGS=-USQLITE_ENABLE_MEMORY_MANAGEMENT`.
pub fn page_caches_are_separate() -> Result<bool> {
    let conn = Connection::open_in_memory().map_err(db_err)?;
    let mut st = conn.prepare("PRAGMA compile_options").map_err(db_err)?;
    let shared = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(db_err)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err)?
        .iter()
        .any(|o| o == "ENABLE_MEMORY_MANAGEMENT");
    Ok(!shared)
}

/// Opens one connection with pet's pragmas.
pub fn open_connection(
    path: &Path,
    read_only: bool,
    busy: Duration,
    sync_full: bool,
) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let location = path.display().to_string();
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_err(&location, e))?;
    conn.busy_timeout(busy).map_err(db_err)?;
    // Views and triggers of a forged file must not call functions with side
    // effects, and corrupt pages are detected as early as SQLite can.
    conn.pragma_update(None, "trusted_schema", "OFF")
        .map_err(db_err)?;
    conn.pragma_update(None, "cell_size_check", "ON")
        .map_err(db_err)?;
    // Reading the schema is the first thing that fails on a file that is not a database.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(|e| open_err(&location, e))?;
    if !read_only {
        retry_busy(busy, || {
            conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
        })
        .map_err(db_err)?;
        let sync = if sync_full { "FULL" } else { "NORMAL" };
        conn.pragma_update(None, "synchronous", sync)
            .map_err(db_err)?;
    }
    // The writer's pages: the B-tree edges a sweep appends to, the run table
    // and the claims stay cached across its transactions (at 10^6 runs a
    // 64 MiB cache misses and the store's cost per run doubles). The cache
    // fills only as far as the file is touched, and it is the writer's own
    // only in a build with separate caches ([`page_caches_are_separate`]).
    let cache_kib = if read_only {
        READ_CACHE_KIB
    } else {
        WRITE_CACHE_KIB
    };
    conn.pragma_update(None, "cache_size", -cache_kib)
        .map_err(db_err)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(db_err)?;
    Ok(conn)
}
