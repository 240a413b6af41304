//! pet-pypet: reads the HDF5 files pypet (0.6 and 0.7 layout) wrote, without
//! unpickling anything, as a read-only pet store: browse them with the `pet`
//! command, load them with [`pet_core::Trajectory::load`], and migrate them to
//! any pet store (`pet migrate old.hdf5 sqlite://new.db`). A write is refused
//! with [`pet_core::PetError::Foreign`], which says to migrate.
//!
//! What each pypet type becomes is in [`convert`] (scalars, arrays, lists,
//! tuples), [`leaf`] (parameters and results), [`pandas`] (DataFrame, Series),
//! [`npz`] (scipy sparse) and [`pickle`] (pickles, carried as opaque bytes).
//! [`PypetStore::report`] counts what was read, converted, carried opaque and
//! skipped, and names every pickle.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let missing = dir.path().join("old.hdf5");
//! let e = pet_pypet::PypetStore::open(&missing).err().unwrap();
//! assert!(e.to_string().contains("does not exist"), "{e}");
//! ```

pub mod attrs;
pub mod convert;
mod error;
pub mod htype;
pub mod leaf;
pub mod npz;
mod options;
pub mod overview;
pub mod pandas;
pub mod pickle;
pub mod plain_pickle;
pub mod raw;
pub mod report;
mod store;
pub mod stored;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod tree;

pub use options::DESCRIPTOR;
pub use report::{Outcome, Report};
pub use store::PypetStore;

/// An open pypet file: the HDF5 handle for structure and attributes, and the
/// file itself for reading stored bytes.
pub struct Source<'a> {
    /// The HDF5 file.
    pub h5: &'a hdf5::File,
    /// The same file, for raw reads.
    pub raw: &'a std::fs::File,
    /// Its size in bytes.
    pub raw_len: u64,
}
