//! Appending points to explored parameters: [`PointAppend`], the checks every
//! store makes before a backend sees one, and the check a backend makes
//! against what it holds.
//!
//! An expansion adds points after the stored ones; writing only those (and the
//! new runs) keeps each expansion O(new points) instead of O(all points).

use std::collections::BTreeSet;

use super::{Backend, ReadSpec};
use crate::name;
use crate::tree::{LeafData, LeafRole};
use crate::value::Value;
use crate::{PetError, Result};

/// New points of one explored parameter: `values` become points
/// `start..start + values.len()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointAppend<'a> {
    /// Full path of the explored parameter (`parameters.x`).
    pub path: &'a str,
    /// Index of the first new point: how many points the store holds now.
    pub start: usize,
    /// The new points, each of the parameter's type.
    pub values: &'a [Value],
}

impl PointAppend<'_> {
    /// One past the index of the last new point.
    pub fn end(&self) -> Result<usize> {
        self.start.checked_add(self.values.len()).ok_or_else(|| {
            PetError::invalid(format!(
                "{} points appended to '{}' from point {} overflow the point index",
                self.values.len(),
                self.path,
                self.start
            ))
        })
    }

    /// The checks that need no store: the path names a parameter-like leaf,
    /// there is at least one point, every point is valid, may be a parameter
    /// and has the type of the first, and the last index is a valid run index.
    pub fn validate(&self) -> Result<()> {
        name::validate_path(self.path)?;
        let role = LeafRole::for_path(self.path)?;
        if !role.is_param_like() {
            return Err(PetError::Explore(format!(
                "'{}' is a {}; points can only be appended to parameters, derived parameters and config items",
                self.path,
                role.name()
            )));
        }
        let Some(first) = self.values.first() else {
            return Err(PetError::Explore(format!(
                "no points given to append to '{}'",
                self.path
            )));
        };
        for (i, v) in self.values.iter().enumerate() {
            v.validate()?;
            if !v.allowed_in_parameter() {
                return Err(PetError::invalid(format!(
                    "'{}' is a {} and cannot hold a {}; store it as a result",
                    self.path,
                    role.name(),
                    v.signature()
                )));
            }
            if !v.same_type(first) {
                return Err(PetError::mismatch(
                    &format!("{} (new point {i})", self.path),
                    first.signature(),
                    v.signature(),
                ));
            }
        }
        let last = self.end()? - 1;
        crate::bounds::run_index(last)
    }

    /// The checks against the stored parameter, which every backend makes
    /// before it writes: the parameter is explored (`stored` is how many points
    /// it holds, `None` or 0 when it is not explored), the new points start
    /// where the stored ones end, and they have the type of its `default`.
    pub fn check_stored(&self, default: &Value, stored: Option<usize>) -> Result<()> {
        let stored = match stored {
            Some(n) if n > 0 => n,
            _ => {
                return Err(PetError::Explore(format!(
                    "'{}' is not explored in the store; points can only be appended to an explored parameter (store its first points with the node)",
                    self.path
                )))
            }
        };
        if self.start != stored {
            return Err(PetError::AppendConflict {
                path: self.path.to_string(),
                start: self.start,
                stored,
            });
        }
        match self.values.iter().find(|v| !v.same_type(default)) {
            Some(v) => Err(PetError::mismatch(
                self.path,
                default.signature(),
                v.signature(),
            )),
            None => Ok(()),
        }
    }
}

/// Checks a batch of appends before a backend sees it: each is valid on its
/// own and no parameter appears twice.
pub fn validate_appends(appends: &[PointAppend<'_>]) -> Result<()> {
    let mut seen = BTreeSet::new();
    for a in appends {
        a.validate()?;
        if !seen.insert(a.path) {
            return Err(PetError::Explore(format!(
                "'{}' is given twice in one append",
                a.path
            )));
        }
    }
    Ok(())
}

/// Appends by reading each parameter whole and writing it back with its new
/// points through [`Backend::write_nodes`] (one atomic batch): correct on any
/// backend, and costs all points. [`Backend::append_points`]'s default, and
/// the way out for a backend whose own layout cannot take some append.
pub fn rewrite<B: Backend + ?Sized>(b: &B, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
    let mut records = Vec::with_capacity(appends.len());
    for a in appends {
        let mut rec = Backend::read_nodes(b, traj, a.path, ReadSpec::DATA)?
            .into_iter()
            .find(|r| r.path == a.path)
            .ok_or_else(|| PetError::NotFound(a.path.to_string()))?;
        let Some(LeafData::Param { value, explored }) = &mut rec.node.data else {
            return Err(PetError::Explore(format!(
                "'{}' is not a parameter in the store",
                a.path
            )));
        };
        a.check_stored(value, explored.as_ref().map(Vec::len))?;
        explored
            .get_or_insert_with(Vec::new)
            .extend_from_slice(a.values);
        rec.node.refresh_kind();
        records.push(rec);
    }
    Backend::write_nodes(b, traj, &records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vals;

    #[test]
    fn appends_are_checked_without_a_store() {
        let v = vals([1.0, 2.0]);
        let ok = PointAppend {
            path: "parameters.x",
            start: 3,
            values: &v,
        };
        assert!(ok.validate().is_ok());
        let result = PointAppend {
            path: "results.x",
            ..ok
        };
        assert!(matches!(result.validate(), Err(PetError::Explore(_))));
        let mixed = [Value::from(1.0), Value::from(1i64)];
        let mixed = PointAppend {
            values: &mixed,
            ..ok
        };
        assert!(matches!(
            mixed.validate(),
            Err(PetError::TypeMismatch { .. })
        ));
        let none = PointAppend { values: &[], ..ok };
        assert!(none.validate().is_err());
        let huge = PointAppend {
            start: usize::MAX,
            ..ok
        };
        assert!(huge.validate().is_err());
        assert!(validate_appends(&[ok, ok]).is_err());
    }

    #[test]
    fn appends_are_checked_against_the_stored_parameter() {
        let v = vals([1.0]);
        let a = PointAppend {
            path: "parameters.x",
            start: 2,
            values: &v,
        };
        assert!(a.check_stored(&0.0.into(), Some(2)).is_ok());
        assert!(matches!(
            a.check_stored(&0.0.into(), Some(3)),
            Err(PetError::AppendConflict {
                start: 2,
                stored: 3,
                ..
            })
        ));
        assert!(matches!(
            a.check_stored(&0.0.into(), None),
            Err(PetError::Explore(_))
        ));
        assert!(matches!(
            a.check_stored(&0i64.into(), Some(2)),
            Err(PetError::TypeMismatch { .. })
        ));
    }
}
