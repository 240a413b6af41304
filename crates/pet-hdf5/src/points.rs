//! Appending explored points in place: what the file holds for an explored
//! parameter (its default and how many points), and writing new points at the
//! end of its `explored` dataset (grown along its axis) or as new per-point
//! datasets of its `explored` group, without reading the stored points.
//!
//! A full write stores scalar points as one fixed-size dataset; the first
//! append moves them once into a growable (chunked, unlimited) dataset, and
//! every later append writes only its points. A point the stacked dataset
//! cannot hold (a string with a NUL byte) moves the list once into the
//! per-point layout, where every append adds datasets.

use hdf5::{Dataset, File, Group, LocationType};
use pet_core::storage::PointAppend;
use pet_core::value::Scalar;
use pet_core::{LeafData, PetError, Result, Value};

use crate::attrs;
use crate::compression::Compression;
use crate::error::{corrupt, h5};
use crate::layout::{self, A_TYPE, D_DEFAULT, D_EXPLORED};
use crate::nodes::{lookup_in, split, Obj};
use crate::values::{create_growable, dtype_of, has_nul, read_value, write_growable, write_value};

/// Where the points of a parameter are.
enum Points {
    /// Not explored.
    None,
    /// One 1-d dataset of scalars.
    Stacked(Dataset),
    /// A group of datasets `0`, `1`, ….
    Each(Group),
}

/// An explored parameter as the file holds it.
pub struct Explored {
    path: String,
    group: Option<Group>,
    default: Value,
    points: Points,
}

/// The scalars of `values` when the stacked dataset can hold them all.
fn stackable(values: &[Value]) -> Option<Vec<Scalar>> {
    values
        .iter()
        .map(|v| match v {
            Value::Scalar(s) if !has_nul(v) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

impl Explored {
    /// Opens the parameter at pet path `path` of `traj`; reads its default, not its points.
    pub fn open(file: &File, traj: &str, path: &str) -> Result<Explored> {
        let hp = layout::h5_path(traj, path);
        let (parent, _) = split(&hp);
        let obj = match file.group(parent) {
            Ok(pg) => lookup_in(&pg, &hp)?,
            Err(_) => Obj::Missing,
        };
        let not_param =
            |what: &str| PetError::Explore(format!("'{path}' is a {what}, not a parameter"));
        match obj {
            Obj::Missing => Err(PetError::NotFound(path.to_string())),
            Obj::Link => Err(not_param("link")),
            Obj::Dataset(ds) => Ok(Explored {
                path: path.to_string(),
                group: None,
                default: read_value(&ds, path)?,
                points: Points::None,
            }),
            Obj::Group(g) => {
                if !g.link_exists(D_DEFAULT) {
                    return Err(not_param("group"));
                }
                let ds = g.dataset(D_DEFAULT).map_err(h5("cannot open a dataset"))?;
                let default = read_value(&ds, path)?;
                let points = if !g.link_exists(D_EXPLORED) {
                    Points::None
                } else {
                    match g
                        .loc_type_by_name(D_EXPLORED)
                        .map_err(h5("cannot inspect an object"))?
                    {
                        LocationType::Dataset => Points::Stacked(
                            g.dataset(D_EXPLORED).map_err(h5("cannot open a dataset"))?,
                        ),
                        _ => Points::Each(g.group(D_EXPLORED).map_err(h5("cannot open a group"))?),
                    }
                };
                Ok(Explored {
                    path: path.to_string(),
                    group: Some(g),
                    default,
                    points,
                })
            }
        }
    }

    /// How many points the file holds (`None` when the parameter is not explored).
    pub fn len(&self) -> Result<Option<usize>> {
        match &self.points {
            Points::None => Ok(None),
            Points::Stacked(ds) => match ds.shape()[..] {
                [n] => Ok(Some(n)),
                _ => Err(corrupt(&self.path, "explored values are not a 1-d dataset")),
            },
            Points::Each(g) => Ok(Some(g.len() as usize)),
        }
    }

    /// The checks of [`PointAppend::check_stored`] against the file.
    pub fn check(&self, a: &PointAppend<'_>) -> Result<()> {
        a.check_stored(&self.default, self.len()?)
    }

    /// Sets points `a.start..` to `a.values` and ends the list there; the
    /// stored points must reach `a.start` and have the new points' type. The
    /// live path checked that exactly `a.start` points are stored, so this
    /// appends; a journal replay may find the points written already, and then
    /// writes them again (the same file either way).
    pub fn put(self, a: &PointAppend<'_>, comp: Compression) -> Result<()> {
        let len = self.len()?;
        match len {
            Some(n) if n >= a.start && n > 0 => {}
            _ => {
                return Err(PetError::AppendConflict {
                    path: a.path.to_string(),
                    start: a.start,
                    stored: len.unwrap_or(0),
                })
            }
        }
        if let Some(v) = a.values.iter().find(|v| !v.same_type(&self.default)) {
            return Err(PetError::mismatch(
                a.path,
                self.default.signature(),
                v.signature(),
            ));
        }
        let Some(g) = &self.group else {
            return Err(corrupt(a.path, "an explored parameter without its group"));
        };
        let end = a.end()?;
        match &self.points {
            Points::Stacked(ds) => match stackable(a.values) {
                Some(new)
                    if ds.is_chunked()
                        && ds.is_resizable()
                        && dtype_of(ds, a.path)? == new[0].dtype() =>
                {
                    write_growable(ds, a.start, &new)?
                }
                Some(new) => {
                    // Written whole at a fixed size: move into a growable dataset, once.
                    let mut all = self.stacked(ds, a.start)?;
                    all.extend(new);
                    g.unlink(D_EXPLORED)
                        .map_err(h5("cannot remove a dataset"))?;
                    let grown = create_growable(g, D_EXPLORED, all[0].dtype())?;
                    write_growable(&grown, 0, &all)?;
                }
                None => {
                    // A point the stacked dataset cannot hold: one dataset per point from now on.
                    let old = self.stacked(ds, a.start)?;
                    g.unlink(D_EXPLORED)
                        .map_err(h5("cannot remove a dataset"))?;
                    let eg = g
                        .create_group(D_EXPLORED)
                        .map_err(h5("cannot create a group"))?;
                    for (i, s) in old.into_iter().enumerate() {
                        write_value(&eg, &i.to_string(), &Value::Scalar(s), comp)?;
                    }
                    put_each(&eg, a, comp)?;
                }
            },
            Points::Each(eg) => put_each(eg, a, comp)?,
            Points::None => {}
        }
        attrs::remove(g, A_TYPE)?;
        attrs::put_str(g, A_TYPE, &LeafData::explored_type_info(&self.default, end))
    }

    /// The first `n` points of the stacked dataset.
    fn stacked(&self, ds: &Dataset, n: usize) -> Result<Vec<Scalar>> {
        match read_value(ds, &self.path)? {
            Value::Array(arr) => (0..n)
                .map(|i| {
                    arr.get_flat(i).ok_or_else(|| {
                        corrupt(&self.path, format!("explored point {i} is missing"))
                    })
                })
                .collect(),
            _ => Err(corrupt(&self.path, "explored values are not an array")),
        }
    }
}

/// Writes the points of `a` as datasets `start`, `start + 1`, … of `eg` and
/// removes any after them.
fn put_each(eg: &Group, a: &PointAppend<'_>, comp: Compression) -> Result<()> {
    for (i, v) in a.values.iter().enumerate() {
        let name = a
            .start
            .checked_add(i)
            .ok_or_else(|| PetError::invalid("point index overflows"))?
            .to_string();
        if eg.link_exists(&name) {
            eg.unlink(&name).map_err(h5("cannot remove a dataset"))?;
        }
        write_value(eg, &name, v, comp)?;
    }
    let mut next = a.end()?;
    while eg.link_exists(&next.to_string()) {
        eg.unlink(&next.to_string())
            .map_err(h5("cannot remove a dataset"))?;
        next = next.saturating_add(1);
    }
    Ok(())
}
