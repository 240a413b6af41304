//! Reading and changing values: auto-loading from the store, parameter locks,
//! the current run's values, result items.

use super::Trajectory;
use crate::name::{self, BRANCHES, CONFIG, DERIVED, PARAMETERS};
use crate::tree::{LeafData, Node};
use crate::value::{FromValue, FromValueRef, Value};
use crate::{PetError, Result};

/// Branches whose leaves hold parameter-like data.
pub(crate) const PARAM_BRANCHES: [&str; 3] = [PARAMETERS, DERIVED, CONFIG];

impl Trajectory {
    /// Resolves a name, loading the node (and what lies below it) from the store
    /// when a full path is not in memory yet.
    pub fn resolve_loading(&mut self, name: &str) -> Result<String> {
        match self.resolve_target(name) {
            Err(PetError::NotFound(p))
                if self.store.is_some() && BRANCHES.contains(&name::split_branch(&p).0) =>
            {
                self.load_subtree(&p, crate::storage::ReadSpec::DATA)?;
                self.resolve_target(name)
            }
            other => other,
        }
    }

    /// Makes sure the leaf at full path `path` has its data in memory.
    pub(crate) fn ensure_data(&mut self, path: &str) -> Result<()> {
        let missing = matches!(self.nodes.get(path), Some(n) if n.is_leaf() && n.data.is_none());
        if missing {
            let store = self
                .store
                .clone()
                .ok_or_else(|| PetError::NoStore(self.info.name.clone()))?;
            let data = store.read_data(&self.info.name, path)?;
            if let Some(n) = self.nodes.get_mut(path) {
                n.set_data(data);
            }
        }
        Ok(())
    }

    /// The data of a leaf, auto-loading it when only its skeleton is in memory.
    pub fn data(&mut self, name: &str) -> Result<&LeafData> {
        let path = self.resolve_loading(name)?;
        self.ensure_data(&path)?;
        match self.nodes.get(&path).and_then(|n| n.data.as_ref()) {
            Some(d) => Ok(d),
            None => Err(PetError::invalid(format!(
                "'{path}' is a group, not a leaf"
            ))),
        }
    }

    /// The node at `name`, auto-loading its data.
    pub fn node_loaded(&mut self, name: &str) -> Result<&Node> {
        let path = self.resolve_loading(name)?;
        self.ensure_data(&path)?;
        self.nodes
            .get(&path)
            .map(|n| &**n)
            .ok_or(PetError::NotFound(path))
    }

    /// The value of a leaf: a parameter's value for the current run (locking the
    /// parameter), or a result's single item (or the item named like the result).
    pub fn get(&mut self, name: &str) -> Result<Value> {
        self.get_ref::<&Value>(name).cloned()
    }

    /// Like [`Trajectory::get`], converted strictly to `T` (one copy).
    pub fn get_as<T: FromValue>(&mut self, name: &str) -> Result<T> {
        let path = self.resolve_loading(name)?;
        self.ensure_data(&path)?;
        T::from_value_at(self.value_ref(&path)?, name)
    }

    /// Like [`Trajectory::get`], borrowed from memory instead of copied:
    /// `&ArrayD<f64>`, `ArrayView2<f64>`, `&[f64]`, `&str`, `&Value`… (see
    /// [`FromValueRef`]); auto-loads as `get` does.
    ///
    /// ```
    /// use ndarray::{array, ArrayView2};
    /// let mut t = pet_core::Trajectory::new("borrow")?;
    /// t.add_result("m", array![[1.0, 2.0], [3.0, 4.0]], "")?;
    /// let m: ArrayView2<f64> = t.get_ref("m")?;
    /// assert_eq!(m[[1, 0]], 3.0);
    /// # Ok::<(), pet_core::PetError>(())
    /// ```
    pub fn get_ref<'a, T: FromValueRef<'a>>(&'a mut self, name: &str) -> Result<T> {
        let path = self.resolve_loading(name)?;
        self.ensure_data(&path)?;
        T::from_ref_at(self.value_ref(&path)?, name)
    }

    /// The value [`Trajectory::get`] gives for the leaf at full path `path`
    /// (its data in memory), locking a parameter.
    fn value_ref(&self, path: &str) -> Result<&Value> {
        let node = self
            .nodes
            .get(path)
            .ok_or_else(|| PetError::NotFound(path.to_string()))?;
        match &node.data {
            Some(LeafData::Param { value, explored }) => {
                let v = match (explored, self.current) {
                    (Some(list), Some(i)) => list.get(i).ok_or(PetError::NoSuchRun {
                        index: i,
                        len: list.len(),
                    })?,
                    _ => value,
                };
                self.lock_path(path);
                Ok(v)
            }
            Some(d @ LeafData::Result { items }) => d.value_at(path).ok_or_else(|| {
                PetError::invalid(format!(
                    "result '{path}' has items {}; use get_item to pick one",
                    items.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            }),
            None => Err(PetError::invalid(format!(
                "'{path}' is a group, not a leaf"
            ))),
        }
    }

    /// One named item of a result.
    pub fn get_item(&mut self, name: &str, item: &str) -> Result<Value> {
        match self.data(name)? {
            LeafData::Result { items } => items
                .get(item)
                .cloned()
                .ok_or_else(|| PetError::NotFound(format!("{name} item '{item}'"))),
            LeafData::Param { .. } => Err(PetError::invalid(format!(
                "'{name}' is a parameter; items exist only on results"
            ))),
        }
    }

    fn lock_path(&self, path: &str) {
        self.locked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_string());
    }

    /// True when a parameter has been read and is locked against changes.
    pub fn is_locked(&self, name: &str) -> Result<bool> {
        let path = self.resolve_in(name, &PARAM_BRANCHES)?;
        Ok(self
            .locked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&path))
    }

    /// Lifts the lock of a parameter so that it can be changed again.
    pub fn unlock(&mut self, name: &str) -> Result<()> {
        let path = self.resolve_in(name, &PARAM_BRANCHES)?;
        self.locked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&path);
        Ok(())
    }

    /// Changes the default value of a parameter, derived parameter or config item.
    /// The new value must have the same type signature; locked and explored
    /// parameters are refused.
    pub fn set_parameter(&mut self, name: &str, value: impl Into<Value>) -> Result<()> {
        let value = value.into();
        let path = self.resolve_in(name, &PARAM_BRANCHES)?;
        if self.is_locked(&path)? {
            return Err(PetError::Locked(path));
        }
        if self.explored.contains(&path) {
            return Err(PetError::invalid(format!(
                "'{path}' is explored; change its points with explore/expand"
            )));
        }
        self.ensure_data(&path)?;
        let node = self
            .nodes
            .get_mut(&path)
            .ok_or_else(|| PetError::NotFound(path.clone()))?;
        let Some(LeafData::Param { value: old, .. }) = &node.data else {
            return Err(PetError::invalid(format!("'{path}' is not a parameter")));
        };
        if !old.same_type(&value) {
            return Err(PetError::mismatch(
                &path,
                old.signature(),
                value.signature(),
            ));
        }
        value.validate()?;
        node.set_data(LeafData::Param {
            value,
            explored: None,
        });
        self.dirty.insert(path);
        Ok(())
    }
}
