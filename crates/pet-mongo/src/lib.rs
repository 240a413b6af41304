//! pet-mongo: pet's MongoDB store, for many processes on many machines writing
//! into one trajectory at once, each run stored whole or not at all.
//!
//! Every node is one document with typed BSON values; arrays are BSON binary with
//! dtype and shape; payloads too large for a document live in a GridFS-compatible
//! bucket. The layout is documented in `docs/storage/mongo.md` for pymongo users.
//!
//! ```no_run
//! use std::sync::Arc;
//! use pet_core::{Store, Trajectory};
//! use pet_mongo::MongoStore;
//!
//! let store: Arc<dyn Store> = Arc::new(MongoStore::from_url("mongodb://127.0.0.1:27017/pet")?);
//! let mut t = Trajectory::create(store, "demo", "")?;
//! t.add_parameter("x", 1.0, "")?;
//! t.store()?;
//! # Ok::<(), pet_core::PetError>(())
//! ```

mod append;
mod blobs;
mod claims;
mod creation;
pub mod document;
mod error;
mod node;
mod options;
mod points;
mod read;
mod remove;
mod schema;
mod store;
mod value;
mod visible;
mod write;

pub use options::{MongoOptions, DEFAULT_DATABASE, DESCRIPTOR};
pub use schema::{COLLECTIONS, SCHEMA_VERSION};
pub use store::MongoStore;
