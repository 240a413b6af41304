//! A conformance fixture for file-based stores: one fresh file in a temporary directory.

use std::path::Path;
use std::sync::Arc;

use crate::conformance::Fixture;
use crate::Store;

/// A fresh temporary directory; every open opens file `name` in it with `open`.
pub struct TempFile {
    dir: tempfile::TempDir,
    name: &'static str,
    open: fn(&Path) -> Arc<dyn Store>,
}

impl TempFile {
    /// A new fixture opening file `name` in a new temporary directory with `open`.
    pub fn new(name: &'static str, open: fn(&Path) -> Arc<dyn Store>) -> Self {
        TempFile {
            dir: tempfile::tempdir().unwrap(),
            name,
            open,
        }
    }
}

impl Fixture for TempFile {
    fn open(&self) -> Arc<dyn Store> {
        (self.open)(&self.dir.path().join(self.name))
    }
}
