//! pet-core: the backend-agnostic heart of pet.
//!
//! It owns the value model ([`value`]), the tree ([`tree`]), the [`Trajectory`]
//! with exploration and run bookkeeping, a run's view ([`Run`]), the typed access
//! layer ([`typed`]), the storage API ([`storage::Store`]) with an in-memory
//! store, and (feature `conformance`) the suite every backend must pass.
//!
//! ```
//! use std::sync::Arc;
//! use pet_core::{vals, LoadSpec, MemoryStore, Store, Trajectory};
//!
//! let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
//! let mut traj = Trajectory::create(store.clone(), "mult", "x times y")?;
//! traj.add_parameter("x", 1.0, "first factor")?;
//! traj.add_parameter("y", 1.0, "second factor")?;
//! traj.explore_cartesian([("x", vals([1.0, 2.0])), ("y", vals([6.0, 7.0]))])?;
//! traj.store()?;
//! for i in 0..traj.len() {
//!     let mut run = traj.run(i)?;
//!     let z = run.param::<f64>("x")? * run.param::<f64>("y")?;
//!     run.add_result("z", z)?;
//!     let record = run.finish();
//!     traj.store_run(&record)?;
//! }
//! let mut back = Trajectory::load(store, "mult", LoadSpec::default())?;
//! assert_eq!(back.get_as::<f64>("results.runs.run_00000003.z")?, 14.0);
//! # Ok::<(), pet_core::PetError>(())
//! ```

pub mod bounds;
pub mod codec;
pub mod error;
pub mod location;
pub mod name;
pub mod run;
pub mod storage;
pub mod time;
pub mod trajectory;
pub mod transfer;
pub mod tree;
pub mod typed;
pub mod value;

#[cfg(feature = "conformance")]
pub mod conformance;
#[cfg(feature = "conformance")]
pub mod testkit;

pub use error::{PetError, Result};
pub use run::{PointValues, Run};
pub use storage::{
    Access, ClaimRequest, Claimed, Descriptor, LoadLevel, LoadSpec, MemoryStore, PointAppend,
    RunCounts, RunInfo, RunRecord, Store, StoredRuns, TrajectoryInfo,
};
pub use time::now;
pub use trajectory::{cartesian_product, vals, Column, MergeOptions, RunPoint, Trajectory};
pub use tree::{Annotations, Items, LeafData, LeafRole, Node, NodeKind, NodeRecord};
pub use typed::Parameters;
pub use value::{
    Array, DType, FromValue, Kind, Quantity, Scalar, Sparse, SparseFormat, Table, UserType,
    UserTypeRegistry, UserValue, Value,
};

/// The version of pet recorded in every trajectory.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
