//! pet-sqlite: pet's embedded default store, one SQLite file (bundled SQLite,
//! nothing to install), WAL journal, many writer threads and processes at once,
//! each run committed atomically.
//!
//! The schema is documented in `docs/storage/sqlite.md` and is meant to be
//! queried directly with Python's `sqlite3` or pandas.
//!
//! ```
//! use std::sync::Arc;
//! use pet_core::{vals, LoadSpec, Store, Trajectory};
//! use pet_sqlite::SqliteStore;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("demo.db"))?);
//! let mut t = Trajectory::create(store.clone(), "demo", "")?;
//! t.add_parameter("x", 0.0, "")?;
//! t.explore([("x", vals([1.0, 2.0]))])?;
//! t.store()?;
//! let mut run = t.run(1)?;
//! run.add_result("y", 4.0)?;
//! t.store_run(&run.finish())?;
//! let mut back = Trajectory::load(store, "demo", LoadSpec::default())?;
//! assert_eq!(back.get_as::<f64>("results.runs.run_00000001.y")?, 4.0);
//! # Ok::<(), pet_core::PetError>(())
//! ```

mod claims;
mod connect;
mod error;
mod options;
mod pending;
mod points;
mod read;
mod rows;
mod schema;
mod store;
mod write;

pub use connect::page_caches_are_separate;
pub use options::{SqliteOptions, DESCRIPTOR};
pub use schema::SCHEMA_VERSION;
pub use store::SqliteStore;
