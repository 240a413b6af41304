//! Adding and removing nodes: parameters, config items, derived parameters,
//! results, groups, links, comments and annotations.

use super::Trajectory;
use crate::name::{self, BRANCHES, CONFIG, DERIVED, PARAMETERS, RESULTS};
use crate::tree::{LeafData, LeafRole, Node, NodeKind};
use crate::value::Value;
use crate::{PetError, Result};

impl Trajectory {
    /// `name` as a full path below `branch` (a name may already start with the branch).
    pub(crate) fn full_name(&self, branch: &str, name: &str) -> Result<String> {
        let name = self.expand_crun(name)?;
        let full = if name == branch || name.starts_with(&format!("{branch}.")) {
            name
        } else {
            format!("{branch}.{name}")
        };
        name::validate_path(&full)?;
        Ok(full)
    }

    fn add_leaf(
        &mut self,
        path: String,
        role: LeafRole,
        data: LeafData,
        comment: &str,
    ) -> Result<()> {
        data.validate(&path, role)?;
        if self.nodes.contains_key(&path) {
            return Err(PetError::AlreadyExists(path));
        }
        self.check_parents_are_groups(&path)?;
        self.insert_node(path, Node::leaf(role, data, comment), true);
        Ok(())
    }

    fn check_parents_are_groups(&self, path: &str) -> Result<()> {
        for a in name::ancestors(path) {
            if let Some(n) = self.nodes.get(a) {
                if !n.is_group() {
                    return Err(PetError::invalid(format!(
                        "cannot add '{path}': '{a}' is a leaf or link, not a group"
                    )));
                }
            }
        }
        Ok(())
    }

    fn add_param_like(
        &mut self,
        branch: &str,
        role: LeafRole,
        name: &str,
        value: Value,
        comment: &str,
    ) -> Result<()> {
        let path = self.full_name(branch, name)?;
        let data = LeafData::Param {
            value,
            explored: None,
        };
        self.add_leaf(path, role, data, comment)
    }

    /// Adds a parameter with its default value (`"syn.w"` creates the group `syn`).
    pub fn add_parameter(
        &mut self,
        name: &str,
        value: impl Into<Value>,
        comment: &str,
    ) -> Result<()> {
        self.add_param_like(PARAMETERS, LeafRole::Parameter, name, value.into(), comment)
    }

    /// Adds a configuration item under `config`.
    pub fn add_config(&mut self, name: &str, value: impl Into<Value>, comment: &str) -> Result<()> {
        self.add_param_like(CONFIG, LeafRole::Config, name, value.into(), comment)
    }

    /// Adds a derived parameter under `derived_parameters`.
    pub fn add_derived(
        &mut self,
        name: &str,
        value: impl Into<Value>,
        comment: &str,
    ) -> Result<()> {
        self.add_param_like(DERIVED, LeafRole::Derived, name, value.into(), comment)
    }

    /// Adds a result with one item named after the result's last name part.
    pub fn add_result(&mut self, name: &str, value: impl Into<Value>, comment: &str) -> Result<()> {
        let path = self.full_name(RESULTS, name)?;
        let item = name::last(&path).to_string();
        self.add_result_items(&path, [(item, value.into())], comment)
    }

    /// Adds a result holding several named items.
    pub fn add_result_items<K: Into<String>>(
        &mut self,
        name: &str,
        items: impl IntoIterator<Item = (K, Value)>,
        comment: &str,
    ) -> Result<()> {
        let path = self.full_name(RESULTS, name)?;
        let items: crate::tree::Items = items.into_iter().map(|(k, v)| (k.into(), v)).collect();
        self.add_leaf(path, LeafRole::Result, LeafData::Result { items }, comment)
    }

    /// Adds (or comments) a group; `path` must start with a top-level branch.
    pub fn add_group(&mut self, path: &str, comment: &str) -> Result<()> {
        let path = self.expand_crun(path)?;
        name::validate_path(&path)?;
        self.check_parents_are_groups(&path)?;
        match self.nodes.get_mut(&path) {
            Some(n) if n.is_group() => {
                n.comment = comment.to_string();
                self.dirty.insert(path);
                Ok(())
            }
            Some(_) => Err(PetError::AlreadyExists(path)),
            None => {
                let mut g = Node::group();
                g.comment = comment.to_string();
                self.insert_node(path, g, true);
                Ok(())
            }
        }
    }

    /// Adds a link at full path `path` pointing to the node `target` (path or shortcut).
    pub fn add_link(&mut self, path: &str, target: &str) -> Result<()> {
        let path = self.expand_crun(path)?;
        name::validate_path(&path)?;
        if BRANCHES.contains(&path.as_str()) {
            return Err(PetError::invalid("a top-level branch cannot be a link"));
        }
        let target = self.resolve(target)?;
        if self.nodes.contains_key(&path) {
            return Err(PetError::AlreadyExists(path));
        }
        self.check_parents_are_groups(&path)?;
        self.insert_node(path, Node::link(target), true);
        Ok(())
    }

    fn node_mut_for_meta(&mut self, name: &str) -> Result<(String, &mut Node)> {
        let path = self.resolve(name)?;
        self.dirty.insert(path.clone());
        let node = self
            .nodes
            .get_mut(&path)
            .ok_or_else(|| PetError::NotFound(path.clone()))?;
        Ok((path, node))
    }

    /// Sets the comment of any node.
    pub fn set_comment(&mut self, name: &str, comment: &str) -> Result<()> {
        self.node_mut_for_meta(name)?.1.comment = comment.to_string();
        Ok(())
    }

    /// Adds or replaces an annotation on any node.
    pub fn annotate(&mut self, name: &str, key: &str, value: impl Into<Value>) -> Result<()> {
        name::validate_part(key)?;
        let value = value.into();
        value.validate()?;
        self.node_mut_for_meta(name)?
            .1
            .annotations
            .insert(key.to_string(), value);
        Ok(())
    }

    /// Removes a node and everything below it, from memory now and from the
    /// store at the next [`Trajectory::store`]. Explored parameters, the
    /// top-level branches and what a completed run stored cannot be removed
    /// (free memory with [`Trajectory::unload`] instead, which keeps it stored).
    pub fn remove(&mut self, name: &str) -> Result<usize> {
        let full = self.expand_crun(name)?;
        if BRANCHES.contains(&crate::name::split_branch(&full).0) {
            // Said even when the run's nodes are not in memory.
            self.check_removable(&full)?;
        }
        let path = self.resolve(name)?;
        if BRANCHES.contains(&path.as_str()) {
            return Err(PetError::invalid(format!(
                "the branch '{path}' cannot be removed"
            )));
        }
        self.check_removable(&path)?;
        let doomed = self.leaves_and_groups_under(&path);
        if let Some(p) = doomed.iter().find(|p| self.explored.contains(p)) {
            return Err(PetError::invalid(format!(
                "'{p}' is explored and cannot be removed"
            )));
        }
        for p in &doomed {
            self.dirty.remove(p);
        }
        self.forget_nodes(&doomed);
        self.removed.insert(path);
        Ok(doomed.len())
    }

    pub(crate) fn leaves_and_groups_under(&self, path: &str) -> Vec<String> {
        self.nodes
            .range(path.to_string()..)
            .take_while(|(p, _)| p.starts_with(path))
            .filter(|(p, _)| crate::storage::under(p, path))
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// True when the node at `path` is a link.
    pub fn is_link(&self, name: &str) -> Result<bool> {
        let p = self.resolve(name)?;
        Ok(matches!(
            self.nodes.get(&p).map(|n| &n.kind),
            Some(NodeKind::Link { .. })
        ))
    }
}
