//! The SQLite store passes the whole pet-core conformance suite, each case on a
//! fresh file opened through the backend's descriptor.
#![allow(clippy::unwrap_used)]

use pet_core::testkit::fixture::TempFile;

pet_core::conformance_tests!(TempFile::new("store.db", &pet_sqlite::DESCRIPTOR));
