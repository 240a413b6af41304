//! The SQLite store passes the whole pet-core conformance suite, each case on a fresh file.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::fixture::TempFile;
use pet_core::Store;
use pet_sqlite::SqliteStore;

fn open(path: &Path) -> Arc<dyn Store> {
    Arc::new(SqliteStore::open(path).unwrap())
}

pet_core::conformance_tests!(TempFile::new("store.db", open));
