//! Writing node records: groups, leaves (one dataset, or a group of datasets)
//! and links, creating missing ancestors; a cache keeps hot groups open.

use std::collections::HashMap;

use hdf5::{File, Group, Location};
use pet_core::value::{Array, Scalar};
use pet_core::{LeafData, NodeKind, NodeRecord, PetError, Result, Value};

use crate::attrs;
use crate::compression::Compression;
use crate::error::h5;
use crate::layout::{self, A_TYPE, D_DEFAULT, D_EXPLORED};
use crate::nodes::{get_meta, links_of, lookup_in, put_links, put_meta, single_item, split, Obj};
use crate::values::{has_nul, write_value};

/// Open handles of groups known to exist, by HDF5 path (saves re-opening
/// the run buckets and run groups on the hot path).
pub type GroupCache = HashMap<String, Group>;

/// Most group handles kept open.
const CACHE_MAX: usize = 4096;

/// Writes into and reads from one open file.
pub struct Tree<'a> {
    /// The open file.
    pub file: &'a File,
    /// Compression for new array datasets.
    pub comp: Compression,
    /// Groups known to exist.
    pub known: &'a mut GroupCache,
}

impl Tree<'_> {
    fn lookup(&self, h5path: &str) -> Result<Obj> {
        let (parent, _) = split(h5path);
        match self.file.group(parent) {
            Ok(g) => lookup_in(&g, h5path),
            Err(_) => Ok(Obj::Missing),
        }
    }

    /// True when something sits at `h5path`.
    pub fn exists(&self, h5path: &str) -> Result<bool> {
        Ok(!matches!(self.lookup(h5path)?, Obj::Missing))
    }

    /// Opens the group at `h5path`, creating it and its missing ancestors.
    pub fn ensure_group(&mut self, h5path: &str) -> Result<Group> {
        if let Some(g) = self.known.get(h5path) {
            return Ok(g.clone());
        }
        let g = match self.lookup(h5path)? {
            Obj::Group(g) => g,
            Obj::Missing => {
                let (parent, last) = split(h5path);
                let pg = if parent == "/" {
                    self.file
                        .group("/")
                        .map_err(h5("cannot open the root group"))?
                } else {
                    self.ensure_group(parent)?
                };
                pg.create_group(last).map_err(h5("cannot create a group"))?
            }
            _ => {
                return Err(PetError::invalid(format!(
                    "'{h5path}' is a leaf or link in the file and cannot hold children"
                )))
            }
        };
        if self.known.len() >= CACHE_MAX {
            self.known.clear();
        }
        self.known.insert(h5path.to_string(), g.clone());
        Ok(g)
    }

    /// Removes the object at `h5path` (and its link metadata).
    pub fn unlink(&mut self, h5path: &str) -> Result<()> {
        let (parent, last) = split(h5path);
        let g = self.file.group(parent).map_err(h5("cannot open a group"))?;
        let mut links = links_of(&g)?;
        if links.remove(last).is_some() {
            put_links(&g, &links)?;
        }
        g.unlink(last).map_err(h5("cannot remove an object"))?;
        let below = format!("{h5path}/");
        self.known
            .retain(|k, _| k != h5path && !k.starts_with(&below));
        Ok(())
    }

    /// Writes one validated record of trajectory `traj`.
    pub fn put(&mut self, traj: &str, rec: &NodeRecord) -> Result<()> {
        let hp = layout::h5_path(traj, &rec.path);
        let (parent, last) = split(&hp);
        let node = &rec.node;
        match &node.kind {
            NodeKind::Group => match self.lookup(&hp)? {
                Obj::Group(g) if get_meta(&g)?.2.is_none() => {
                    put_meta(&g, &node.comment, &node.annotations, false)
                }
                Obj::Missing => {
                    let g = self.ensure_group(&hp)?;
                    put_meta(&g, &node.comment, &node.annotations, true)
                }
                _ => {
                    self.unlink(&hp)?;
                    let g = self.ensure_group(&hp)?;
                    put_meta(&g, &node.comment, &node.annotations, true)
                }
            },
            NodeKind::Link { target } => {
                if !matches!(self.lookup(&hp)?, Obj::Missing) {
                    self.unlink(&hp)?;
                }
                let pg = self.ensure_group(parent)?;
                pg.link_soft(&layout::h5_path(traj, target), last)
                    .map_err(h5("cannot create a soft link"))?;
                let mut links = links_of(&pg)?;
                links.insert(
                    last.to_string(),
                    (
                        target.clone(),
                        node.comment.clone(),
                        node.annotations.clone(),
                    ),
                );
                put_links(&pg, &links)
            }
            NodeKind::Leaf { type_info, .. } => match &node.data {
                None => {
                    let loc: Location = match self.lookup(&hp)? {
                        Obj::Dataset(d) => Location::clone(&d),
                        Obj::Group(g) => Location::clone(&g),
                        other => {
                            if matches!(other, Obj::Link) {
                                self.unlink(&hp)?;
                            }
                            let pg = self.ensure_group(parent)?;
                            let g = pg.create_group(last).map_err(h5("cannot create a group"))?;
                            Location::clone(&g)
                        }
                    };
                    attrs::remove(&loc, A_TYPE)?;
                    attrs::put_str(&loc, A_TYPE, type_info)?;
                    put_meta(&loc, &node.comment, &node.annotations, false)
                }
                Some(data) => {
                    if !matches!(self.lookup_fast(&hp, parent)?, Obj::Missing) {
                        self.unlink(&hp)?;
                    }
                    let pg = self.ensure_group(parent)?;
                    let loc = self.write_leaf(&pg, last, &rec.path, data)?;
                    // A plain scalar leaf needs no type attribute: readers derive it.
                    let implied = matches!(single_item(&rec.path, data), Some(v @ Value::Scalar(_)) if !has_nul(v))
                        && *type_info == data.type_info();
                    if !implied {
                        attrs::put_str(&loc, A_TYPE, type_info)?;
                    }
                    put_meta(&loc, &node.comment, &node.annotations, true)
                }
            },
        }
    }

    /// Like `lookup`, but answers `Missing` at once when the parent group was
    /// created in this session and the name is absent (the hot path of runs).
    fn lookup_fast(&self, hp: &str, parent: &str) -> Result<Obj> {
        if let Some(g) = self.known.get(parent) {
            if !g.link_exists(split(hp).1) {
                return Ok(Obj::Missing);
            }
        }
        self.lookup(hp)
    }

    fn write_leaf(&self, pg: &Group, last: &str, path: &str, data: &LeafData) -> Result<Location> {
        if let Some(v) = single_item(path, data) {
            let ds = write_value(pg, last, v, self.comp)?;
            return Ok(Location::clone(&ds));
        }
        let g = pg.create_group(last).map_err(h5("cannot create a group"))?;
        match data {
            LeafData::Result { items } => {
                for (k, v) in items {
                    write_value(&g, k, v, self.comp)?;
                }
            }
            LeafData::Param { value, explored } => {
                write_value(&g, D_DEFAULT, value, self.comp)?;
                if let Some(points) = explored {
                    write_explored(&g, points, self.comp)?;
                }
            }
        }
        Ok(Location::clone(&g))
    }
}

fn write_explored(g: &Group, points: &[Value], comp: Compression) -> Result<()> {
    let scalars: Option<Vec<_>> = points
        .iter()
        .map(|v| match v {
            Value::Scalar(s) if !matches!(s, Scalar::Str(x) if x.contains('\0')) => Some(s.clone()),
            _ => None,
        })
        .collect();
    if let Some(s) = scalars.filter(|s| !s.is_empty()) {
        let dtype = s[0].dtype();
        if s.iter().all(|x| x.dtype() == dtype) {
            let arr = Array::from_scalars(dtype, &s)?;
            write_value(g, D_EXPLORED, &Value::from(arr), comp)?;
            return Ok(());
        }
    }
    let eg = g
        .create_group(D_EXPLORED)
        .map_err(h5("cannot create a group"))?;
    for (i, v) in points.iter().enumerate() {
        write_value(&eg, &i.to_string(), v, comp)?;
    }
    Ok(())
}
