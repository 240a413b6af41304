//! The HDF5 store passes the whole pet-core conformance suite, each case on a
//! fresh file opened through the backend's descriptor.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pet_core::testkit::fixture::TempFile;

pet_core::conformance_tests!(TempFile::new("store.h5", &pet_hdf5::DESCRIPTOR));
