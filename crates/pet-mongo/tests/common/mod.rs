//! Shared test setup: one MongoDB-compatible server per test binary (or the real
//! MongoDB named by `PET_MONGODB_URI`), and fresh databases on it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pet_core::conformance::Fixture;
use pet_core::Store;
use pet_mongo::{MongoOptions, MongoStore};

/// Environment variable naming a real MongoDB to test against instead.
pub const URI_VAR: &str = pet_core::testkit::mongo_server::URI_VAR;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mongo-test-server.sh")
}

/// The server URI (`PET_MONGODB_URI`, or a test server started once for this
/// process; see `pet_core::testkit::mongo_server`).
pub fn server_uri() -> String {
    pet_core::testkit::mongo_server::server_uri(&script())
}

/// Starts a test server of this process's own and returns the script's line:
/// URI, then the server's pid.
pub fn start_server() -> String {
    pet_core::testkit::mongo_server::start_server(&script())
}

/// A database name no other test (or test run) uses.
pub fn fresh_db(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "pet_{tag}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Opens `db` on the test server.
pub fn open_db(db: &str) -> MongoStore {
    open_db_with(db, MongoOptions::default())
}

/// Opens `db` on the test server with options.
pub fn open_db_with(db: &str, mut opts: MongoOptions) -> MongoStore {
    opts.database = Some(db.to_string());
    MongoStore::open_with(&server_uri(), opts).unwrap()
}

/// A fresh database per fixture; dropped at the end.
pub struct FreshDb {
    /// Database name.
    pub db: String,
    opts: MongoOptions,
}

impl FreshDb {
    /// A fresh database with default options.
    pub fn new() -> Self {
        Self::with(MongoOptions::default())
    }

    /// A fresh database with options.
    pub fn with(opts: MongoOptions) -> Self {
        FreshDb {
            db: fresh_db("t"),
            opts,
        }
    }

    /// Opens the store.
    pub fn store(&self) -> MongoStore {
        open_db_with(&self.db, self.opts.clone())
    }

    /// Opens the store behind the trait.
    pub fn open_store(&self) -> Arc<dyn Store> {
        Arc::new(self.store())
    }
}

impl Fixture for FreshDb {
    fn open(&self) -> Arc<dyn Store> {
        Arc::new(self.store())
    }

    fn open_read_only(&self) -> Arc<dyn Store> {
        let opts = MongoOptions {
            read_only: true,
            ..self.opts.clone()
        };
        Arc::new(open_db_with(&self.db, opts))
    }
}

impl Drop for FreshDb {
    /// Drops the database on a real server (`PET_MONGODB_URI`); the throw-away test
    /// server's data goes with it, so nothing is dropped there (it costs seconds).
    fn drop(&mut self) {
        if std::env::var(URI_VAR).map_or(true, |u| u.is_empty()) {
            return;
        }
        if let Ok(s) = MongoStore::open_with(
            &server_uri(),
            MongoOptions {
                database: Some(self.db.clone()),
                ..MongoOptions::default()
            },
        ) {
            let _ = s.drop_database();
        }
    }
}
