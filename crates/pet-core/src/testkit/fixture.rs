//! A conformance fixture for file-based stores: one fresh file in a temporary
//! directory, opened through the backend's descriptor (as a URL would be).

use std::sync::Arc;

use crate::conformance::Fixture;
use crate::location::Location;
use crate::storage::{Access, Descriptor};
use crate::Store;

/// A fresh temporary directory; every open opens file `name` in it through `backend`.
pub struct TempFile {
    dir: tempfile::TempDir,
    name: &'static str,
    backend: &'static Descriptor,
}

impl TempFile {
    /// A new fixture opening file `name` in a new temporary directory.
    pub fn new(name: &'static str, backend: &'static Descriptor) -> Self {
        TempFile {
            dir: tempfile::tempdir().unwrap(),
            name,
            backend,
        }
    }

    /// The file's path.
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join(self.name)
    }

    fn open_as(&self, access: Access) -> Arc<dyn Store> {
        let url = format!("{}://{}", self.backend.scheme(), self.path().display());
        let loc = Location::parse(&url).unwrap();
        self.backend.open(&loc, access).unwrap()
    }
}

impl Fixture for TempFile {
    fn open(&self) -> Arc<dyn Store> {
        self.open_as(Access::ReadWrite)
    }

    fn open_read_only(&self) -> Arc<dyn Store> {
        self.open_as(Access::ReadOnly)
    }
}
