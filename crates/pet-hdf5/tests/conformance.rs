//! The HDF5 store passes the whole pet-core conformance suite, each case on a fresh file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use pet_core::testkit::fixture::TempFile;
use pet_core::Store;
use pet_hdf5::Hdf5Store;

fn open(path: &Path) -> Arc<dyn Store> {
    Arc::new(Hdf5Store::open(path).unwrap())
}

pet_core::conformance_tests!(TempFile::new("store.h5", open));
