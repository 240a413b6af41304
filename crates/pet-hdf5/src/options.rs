//! How a store is opened: URL options and their defaults.

use pet_core::location::Location;
use pet_core::{PetError, Result};

use crate::compression::Compression;

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
    /// Keep a copy of the file as it was at open (`<file>.bak`) and the whole
    /// session's journal, so that even a file damaged by a crash inside an HDF5
    /// flush is restored (URL `recovery=backup`; costs a copy per open).
    pub backup: bool,
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
        }
    }
}

/// Options a URL may carry.
pub const URL_OPTIONS: [&str; 5] = ["mode", "sync", "compression", "checkpoint", "recovery"];

impl Hdf5Options {
    /// Reads options from a parsed `hdf5://` location.
    pub fn from_location(loc: &Location) -> Result<Hdf5Options> {
        loc.check_options(&URL_OPTIONS)?;
        let bad = |reason: String| PetError::BadLocation {
            url: loc.to_string(),
            reason,
        };
        let mut o = Hdf5Options::default();
        match loc.option("mode") {
            None | Some("rw") => {}
            Some("ro") => o.read_only = true,
            Some(m) => return Err(bad(format!("mode must be ro or rw, not '{m}'"))),
        }
        match loc.option("sync") {
            None | Some("normal") => {}
            Some("full") => o.sync_full = true,
            Some(s) => return Err(bad(format!("sync must be normal or full, not '{s}'"))),
        }
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
