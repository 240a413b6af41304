//! URL options of SQLite stores, and the backend's descriptor.

use std::sync::Arc;
use std::time::Duration;

use pet_core::location::Location;
use pet_core::storage::descriptor::UrlOptions;
use pet_core::storage::file::FileOptions;
use pet_core::{Access, Descriptor, PetError, Result, Store};

use crate::SqliteStore;

/// The SQLite backend: `sqlite://FILE`, or a file name ending in `.db`, `.sqlite`, `.sqlite3`.
pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "SQLite",
    feature: "sqlite",
    schemes: &["sqlite"],
    extensions: &["db", "sqlite", "sqlite3"],
    file: true,
    options: UrlOptions::Only(&["busy_timeout"]),
    example: "sqlite://FILE",
    open: Some(open),
};

fn open(loc: &Location, access: Access) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(SqliteStore::from_location(loc, access)?))
}

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

impl SqliteOptions {
    /// Reads `mode`, `sync` and `busy_timeout=SECONDS` from a location.
    pub fn from_location(loc: &Location, access: Access) -> Result<SqliteOptions> {
        let file = FileOptions::from_location(loc, access)?;
        let mut opts = SqliteOptions {
            read_only: file.read_only,
            sync_full: file.sync_full,
            ..SqliteOptions::default()
        };
        if let Some(s) = loc.option("busy_timeout") {
            let secs: u64 = s.parse().map_err(|_| PetError::BadLocation {
                url: loc.to_string(),
                reason: format!("busy_timeout must be whole seconds, not '{s}'"),
            })?;
            opts.busy_timeout = Duration::from_secs(secs);
        }
        Ok(opts)
    }
}
