//! pet-hdf5: the HDF5 store. One `.h5` file per project holds any number of
//! trajectories; the tree maps one-to-one onto HDF5 groups and typed datasets
//! (readable with h5py, no pet needed); runs are bucketed into `run_set_NNNNN`
//! groups of 1000; one writer per file, fed by any number of threads; a sidecar
//! journal makes every stored run survive a crash, and pet's own HDF5 file
//! driver changes the file only inside a checkpoint, so a kill at any moment
//! leaves a file that opens.
//!
//! The layout and the crash-safety design are documented in `docs/storage/hdf5.md`.
//!
//! ```
//! use std::sync::Arc;
//! use pet_core::{vals, LoadSpec, Store, Trajectory};
//! use pet_hdf5::Hdf5Store;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(dir.path().join("demo.h5"))?);
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

mod attrs;
mod columns;
mod commitlog;
mod compression;
mod driver;
mod error;
mod faults;
mod file;
pub mod foreign;
mod format;
mod journal;
mod layout;
mod nodes;
mod ops;
mod options;
mod overlay;
mod points;
mod read;
mod registry;
mod runtable;
pub mod sizes;
mod store;
mod values;
pub mod walk;
mod write;

pub use compression::Compression;
pub use format::builder as file_access;
pub use layout::{LAYOUT_VERSION, RUNS_PER_SET};
pub use options::{FileDriver, Hdf5Options, DESCRIPTOR};
pub use store::Hdf5Store;
