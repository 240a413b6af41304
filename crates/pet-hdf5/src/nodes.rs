//! What pet keeps beside groups and datasets (link table, comment, annotations,
//! type attribute) and how to find what sits at an HDF5 path.

use std::collections::BTreeMap;

use hdf5::{Group, Location, LocationType};
use pet_core::{codec, name, Annotations, LeafData, Result, Value};

use crate::attrs;
use crate::error::h5;
use crate::layout::{ANN_PREFIX, A_ANNOTATIONS, A_COMMENT, A_LINKS, A_TYPE};
use crate::values::{has_nul, read_scalar_attr, write_scalar_attr};

/// Link metadata kept in the parent group's `pet_links` attribute.
pub type LinkMeta = BTreeMap<String, (String, String, Annotations)>;

/// What sits at an HDF5 path.
pub enum Obj {
    /// Nothing.
    Missing,
    /// A soft link pet made.
    Link,
    /// A dataset.
    Dataset(hdf5::Dataset),
    /// A group.
    Group(Group),
}

/// Splits an HDF5 path into parent and last name.
pub fn split(h5path: &str) -> (&str, &str) {
    match h5path.rsplit_once('/') {
        Some(("", last)) => ("/", last),
        Some((p, last)) => (p, last),
        None => ("/", h5path),
    }
}

/// The link table of a group.
pub fn links_of(g: &Location) -> Result<LinkMeta> {
    match attrs::get_bytes(g, A_LINKS)? {
        Some(b) => codec::from_cbor(&b),
        None => Ok(LinkMeta::new()),
    }
}

/// Replaces the link table of a group.
pub fn put_links(g: &Location, m: &LinkMeta) -> Result<()> {
    attrs::remove(g, A_LINKS)?;
    if !m.is_empty() {
        attrs::put_bytes(g, A_LINKS, &codec::to_cbor(m)?)?;
    }
    Ok(())
}

/// Writes comment and annotations (`fresh`: the object has none yet).
pub fn put_meta(loc: &Location, comment: &str, ann: &Annotations, fresh: bool) -> Result<()> {
    if !fresh {
        for n in loc.attr_names().map_err(h5("cannot list attributes"))? {
            if n == A_COMMENT || n == A_ANNOTATIONS || n.starts_with(ANN_PREFIX) {
                loc.delete_attr(&n)
                    .map_err(h5("cannot delete an attribute"))?;
            }
        }
    }
    if !comment.is_empty() {
        attrs::put_str(loc, A_COMMENT, comment)?;
    }
    // Scalar annotations become typed attributes h5py shows as they are; the
    // others (arrays, dicts...) go into one CBOR attribute.
    let mut rest = Annotations::new();
    for (k, v) in ann {
        match v {
            Value::Scalar(s) if !has_nul(v) => {
                write_scalar_attr(loc, &format!("{ANN_PREFIX}{k}"), s)?
            }
            other => {
                rest.insert(k.clone(), other.clone());
            }
        }
    }
    if !rest.is_empty() {
        attrs::put_bytes(loc, A_ANNOTATIONS, &codec::to_cbor(&rest)?)?;
    }
    Ok(())
}

/// Comment, annotations and `pet_type` of an object.
pub fn get_meta(loc: &Location) -> Result<(String, Annotations, Option<String>)> {
    let names = loc.attr_names().map_err(h5("cannot list attributes"))?;
    let has = |n: &str| names.iter().any(|x| x == n);
    let comment = if has(A_COMMENT) {
        attrs::get_str(loc, A_COMMENT)?.unwrap_or_default()
    } else {
        String::new()
    };
    let mut ann = if has(A_ANNOTATIONS) {
        match attrs::get_bytes(loc, A_ANNOTATIONS)? {
            Some(b) => codec::from_cbor(&b)?,
            None => Annotations::new(),
        }
    } else {
        Annotations::new()
    };
    for n in names.iter().filter(|n| n.starts_with(ANN_PREFIX)) {
        let a = loc.attr(n).map_err(h5("cannot open an attribute"))?;
        let s = read_scalar_attr(&a, n)?;
        ann.insert(n[ANN_PREFIX.len()..].to_string(), Value::Scalar(s));
    }
    let ty = if has(A_TYPE) {
        attrs::get_str(loc, A_TYPE)?
    } else {
        None
    };
    Ok((comment, ann, ty))
}

/// The value of a leaf stored as one dataset, if it is one.
pub fn single_item<'v>(path: &str, data: &'v LeafData) -> Option<&'v Value> {
    match data {
        LeafData::Param {
            value,
            explored: None,
        } => Some(value),
        LeafData::Result { items } if items.len() == 1 => items.get(name::last(path)),
        _ => None,
    }
}

/// What sits at `hp`, whose parent group is `pg`.
pub fn lookup_in(pg: &Group, hp: &str) -> Result<Obj> {
    let last = split(hp).1;
    if !pg.link_exists(last) {
        return Ok(Obj::Missing);
    }
    if links_of(pg)?.contains_key(last) {
        return Ok(Obj::Link);
    }
    Ok(
        match pg
            .loc_type_by_name(last)
            .map_err(h5("cannot inspect an object"))?
        {
            LocationType::Dataset => {
                Obj::Dataset(pg.dataset(last).map_err(h5("cannot open a dataset"))?)
            }
            LocationType::Group => Obj::Group(pg.group(last).map_err(h5("cannot open a group"))?),
            _ => Obj::Missing,
        },
    )
}
