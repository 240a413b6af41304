//! Shared test setup: one MongoDB-compatible server per test binary (or the real
//! MongoDB named by `PET_MONGODB_URI`), and fresh databases on it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use pet_core::conformance::Fixture;
use pet_core::Store;
use pet_mongo::{MongoOptions, MongoStore};

/// Environment variable naming a real MongoDB to test against instead.
pub const URI_VAR: &str = "PET_MONGODB_URI";

static SERVER: OnceLock<String> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The server URI. Starts a SecantusDB server through `scripts/mongo-test-server.sh`
/// the first time; a watchdog stops it when this test process is gone, since a
/// test binary has no global teardown. Panics (fails the test) when it cannot start.
pub fn server_uri() -> String {
    if let Ok(uri) = std::env::var(URI_VAR) {
        if !uri.is_empty() {
            return uri;
        }
    }
    SERVER
        .get_or_init(|| {
            let started = Instant::now();
            let line = start_server();
            let uri = line
                .split_whitespace()
                .next()
                .expect("URI line")
                .to_string();
            eprintln!(
                "test server {uri} ready in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            uri
        })
        .clone()
}

/// Starts a SecantusDB server of this test process's own through
/// `scripts/mongo-test-server.sh` (a watchdog stops it when the process is gone)
/// and returns the script's line: URI, then the server's pid.
pub fn start_server() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/mongo-test-server.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg("--watch")
        .arg(std::process::id().to_string())
        .output()
        .expect("run scripts/mongo-test-server.sh");
    assert!(
        out.status.success(),
        "could not start the MongoDB test server (set {URI_VAR} to use a running MongoDB):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
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
