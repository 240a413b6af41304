//! The SQLite store passes the whole pet-core conformance suite, each case on a fresh file.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use pet_core::conformance::Fixture;
use pet_core::Store;
use pet_sqlite::SqliteStore;

struct TempFile(tempfile::TempDir);

impl TempFile {
    fn new() -> Self {
        TempFile(tempfile::tempdir().unwrap())
    }
}

impl Fixture for TempFile {
    fn open(&self) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(self.0.path().join("store.db")).unwrap())
    }
}

pet_core::conformance_tests!(TempFile::new());
