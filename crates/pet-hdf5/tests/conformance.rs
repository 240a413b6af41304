//! The HDF5 store passes the whole pet-core conformance suite, each case on a fresh file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use pet_core::conformance::Fixture;
use pet_core::Store;
use pet_hdf5::Hdf5Store;

struct TempFile(tempfile::TempDir);

impl TempFile {
    fn new() -> Self {
        TempFile(tempfile::tempdir().unwrap())
    }
}

impl Fixture for TempFile {
    fn open(&self) -> Arc<dyn Store> {
        Arc::new(Hdf5Store::open(self.0.path().join("store.h5")).unwrap())
    }
}

pet_core::conformance_tests!(TempFile::new());
