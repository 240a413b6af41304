//! URL options of HDF5 stores and their defaults, and the backend's descriptor.

use std::sync::Arc;

use pet_core::location::Location;
use pet_core::storage::descriptor::UrlOptions;
use pet_core::storage::file::FileOptions;
use pet_core::{Access, Descriptor, PetError, Result, Store};

use crate::compression::Compression;
use crate::Hdf5Store;

/// The HDF5 backend: `hdf5://FILE`, or a file name ending in `.h5` or `.hdf5`.
pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "HDF5",
    feature: "hdf5",
    schemes: &["hdf5"],
    extensions: &["h5", "hdf5"],
    file: true,
    options: UrlOptions::Only(&["compression", "checkpoint", "recovery"]),
    example: "hdf5://FILE",
    open: Some(open),
};

fn open(loc: &Location, access: Access) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(Hdf5Store::from_location(loc, access)?))
}

/// Options of [`Hdf5Store::open_with`](crate::Hdf5Store::open_with).
#[derive(Clone, Copy, Debug)]
pub struct Hdf5Options {
    /// Open read-only (also chosen automatically for files without write permission).
    pub read_only: bool,
    /// fsync the journal per store call and the file per checkpoint: survive power
    /// loss, not only process crashes (slower).
    pub sync_full: bool,
    /// Compression of array datasets.
    pub compression: Compression,
    /// Checkpoint after this many journalled store calls.
    pub checkpoint_records: usize,
    /// Checkpoint once the journal holds this many bytes.
    pub checkpoint_bytes: u64,
    /// Also keep a known-good copy of the file (`<file>.bak`), refreshed after
    /// every checkpoint, that replaces a file which no longer opens (URL
    /// `recovery=backup`; costs a copy of the file per checkpoint).
    pub backup: bool,
    /// How the file is written (not a URL option: for comparisons).
    pub driver: FileDriver,
}

/// How an HDF5 store writes its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileDriver {
    /// pet's checkpointing driver: the file changes only inside a
    /// checkpoint, so it survives a kill at any moment (the default).
    #[default]
    Checkpoint,
    /// HDF5's own POSIX driver (`sec2`), as pet used before: a kill inside a
    /// flush, or while HDF5 evicts metadata between checkpoints, can leave a
    /// file that no longer opens. Only for measuring what crash safety costs.
    Sec2,
}

impl Default for Hdf5Options {
    fn default() -> Self {
        Hdf5Options {
            read_only: false,
            sync_full: false,
            compression: Compression::DEFAULT,
            checkpoint_records: 2000,
            checkpoint_bytes: 256 << 20,
            backup: false,
            driver: FileDriver::Checkpoint,
        }
    }
}

impl Hdf5Options {
    /// Reads options from a resolved `hdf5://` location; `access` applies
    /// when it has no `mode=`.
    pub fn from_location(loc: &Location, access: Access) -> Result<Hdf5Options> {
        let bad = |reason: String| PetError::BadLocation {
            url: loc.to_string(),
            reason,
        };
        let file = FileOptions::from_location(loc, access)?;
        let mut o = Hdf5Options {
            read_only: file.read_only,
            sync_full: file.sync_full,
            ..Hdf5Options::default()
        };
        match loc.option("recovery") {
            None | Some("journal") => {}
            Some("backup") => o.backup = true,
            Some(r) => {
                return Err(bad(format!(
                    "recovery must be journal or backup, not '{r}'"
                )))
            }
        }
        if let Some(c) = loc.option("compression") {
            o.compression = Compression::parse(c).map_err(|e| bad(e.to_string()))?;
        }
        if let Some(c) = loc.option("checkpoint") {
            o.checkpoint_records =
                c.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
                    bad("checkpoint must be a positive number of store calls".into())
                })?;
        }
        Ok(o)
    }
}
