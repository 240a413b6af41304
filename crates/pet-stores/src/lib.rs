//! pet-stores: the one list of storage backends compiled into a program.
//!
//! Every backend crate exports one [`Descriptor`]; [`BACKENDS`] lists them under
//! `#[cfg]`, and is the only place in pet that knows which backends exist.
//! URL parsing, the "unknown scheme" error (listing what this build takes), the
//! "not compiled in" error (naming the feature), read-only opening and
//! file-extension detection all read it. A backend left out by its feature
//! stays in the list as a [`missing`] entry, so its URLs get a clear error.
//!
//! ```
//! // `sqlite://results/sweep.db`, `hdf5://…`, `mongodb://…` alike, when compiled in.
//! let store = pet_stores::open("memory://")?;
//! assert_eq!(store.location(), "memory://");
//! let ro = pet_stores::open_read_only("memory://")?;
//! assert!(ro.is_read_only());
//! let schemes: Vec<&str> = pet_stores::available().map(|d| d.example).collect();
//! assert!(schemes.contains(&"memory://"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod missing;

use std::sync::Arc;

use pet_core::location::Location;
use pet_core::storage::descriptor;
use pet_core::{Access, Descriptor, Result, Store};

/// Every backend pet knows, compiled in or not; memory first.
pub const BACKENDS: &[&Descriptor] = &[
    &pet_core::storage::memory::DESCRIPTOR,
    #[cfg(feature = "sqlite")]
    &pet_sqlite::DESCRIPTOR,
    #[cfg(not(feature = "sqlite"))]
    &missing::SQLITE,
    #[cfg(feature = "hdf5")]
    &pet_hdf5::DESCRIPTOR,
    #[cfg(not(feature = "hdf5"))]
    &missing::HDF5,
    #[cfg(feature = "mongo")]
    &pet_mongo::DESCRIPTOR,
    #[cfg(not(feature = "mongo"))]
    &missing::MONGO,
    #[cfg(feature = "pypet")]
    &pet_pypet::DESCRIPTOR,
    #[cfg(not(feature = "pypet"))]
    &missing::PYPET,
];

/// The backends compiled into this build.
pub fn available() -> impl Iterator<Item = &'static Descriptor> {
    BACKENDS.iter().copied().filter(|d| d.is_available())
}

/// The backend a URL or path names, and its location with the scheme filled in.
pub fn resolve(url: &str) -> Result<(&'static Descriptor, Location)> {
    descriptor::resolve(url, BACKENDS)
}

/// Opens the store `url` names for reading and writing (a file store is
/// created when missing): `sqlite://…`, `hdf5://…`, `mongodb://…`,
/// `memory://`, or a path ending in a backend's file extension.
pub fn open(url: &str) -> Result<Arc<dyn Store>> {
    descriptor::open(url, BACKENDS, Access::ReadWrite)
}

/// Opens the store `url` names read-only unless the URL says `mode=rw`:
/// nothing is created and every write is refused.
pub fn open_read_only(url: &str) -> Result<Arc<dyn Store>> {
    descriptor::open(url, BACKENDS, Access::ReadOnly)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use pet_core::PetError;

    #[test]
    fn every_scheme_and_extension_has_one_backend() {
        let mut seen = std::collections::BTreeSet::new();
        for d in BACKENDS {
            for s in d.schemes {
                assert!(seen.insert(format!("scheme {s}")), "{s} twice");
            }
            for e in d.extensions {
                assert!(seen.insert(format!("ext {e}")), "{e} twice");
            }
        }
    }

    #[test]
    fn unknown_schemes_list_what_this_build_takes() {
        let e = open("postgres://x/y").err().unwrap().to_string();
        for d in available() {
            assert!(e.contains(d.example), "{e}");
        }
        let e = open("notes.txt").err().unwrap().to_string();
        assert!(e.contains("no known file extension"), "{e}");
    }

    #[test]
    fn left_out_backends_name_their_feature() {
        for d in BACKENDS.iter().filter(|d| !d.is_available()) {
            let url = format!("{}://somewhere/x", d.scheme());
            match open(&url) {
                Err(PetError::NotCompiled { feature, .. }) => assert_eq!(feature, d.feature),
                other => panic!("{url}: {:?}", other.map(|_| ())),
            }
        }
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn read_only_opening_creates_nothing_and_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db").display().to_string();
        assert!(open_read_only(&path).is_err());
        assert!(!dir.path().join("new.db").exists());
        open(&path).unwrap();
        let ro = open_read_only(&path).unwrap();
        let info = pet_core::TrajectoryInfo::new("t", "").unwrap();
        assert!(matches!(ro.create(&info), Err(PetError::ReadOnly { .. })));
        let rw = open_read_only(&format!("sqlite://{path}?mode=rw")).unwrap();
        rw.create(&info).unwrap();
    }
}
