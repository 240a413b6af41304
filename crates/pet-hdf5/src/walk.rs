//! The guard of every walk through a file's groups: a forged file may nest
//! groups without end or link a group back to its ancestor (by a hard link or
//! a soft link pet did not make), so a walk follows at most
//! [`MAX_DEPTH`] levels and enters each group once.

use std::collections::HashSet;

use hdf5::Group;
use pet_core::bounds::MAX_DEPTH;
use pet_core::{name, Result};

use crate::error::{corrupt, h5};

/// Groups entered so far by one walk.
#[derive(Default)]
pub struct Walk {
    seen: HashSet<String>,
}

impl Walk {
    /// Records that the walk enters `g` at pet path `path` (nested `depth`
    /// levels below where it started); refuses a group entered before or
    /// nested too deep.
    pub fn enter(&mut self, g: &Group, path: &str, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH || name::depth(path) > MAX_DEPTH {
            return Err(corrupt(
                path,
                format!("groups nest deeper than {MAX_DEPTH} levels (a link cycle?); the file is damaged or forged"),
            ));
        }
        let info = g.loc_info().map_err(h5("cannot inspect a group"))?;
        let key = format!("{}:{:?}", info.fileno, info.token);
        if !self.seen.insert(key) {
            return Err(corrupt(
                path,
                "this group is reached a second time through a link pet did not make (a link cycle); the file is damaged or forged",
            ));
        }
        Ok(())
    }
}
