//! Nodes of the trajectory tree and the record form in which stores receive them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Items;
use crate::name::{self, CONFIG, DERIVED, PARAMETERS, RESULTS};
use crate::value::Value;
use crate::{PetError, Result};

/// Key/value metadata attached to any node.
pub type Annotations = BTreeMap<String, Value>;

/// What a leaf is, which follows from the branch it lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeafRole {
    /// A configuration item under `config`.
    Config,
    /// A parameter under `parameters`.
    Parameter,
    /// A derived parameter under `derived_parameters`.
    Derived,
    /// A result under `results`.
    Result,
}

impl LeafRole {
    /// The role of leaves below `path`'s top-level branch.
    pub fn for_path(path: &str) -> Result<LeafRole> {
        match name::split_branch(path).0 {
            CONFIG => Ok(LeafRole::Config),
            PARAMETERS => Ok(LeafRole::Parameter),
            DERIVED => Ok(LeafRole::Derived),
            RESULTS => Ok(LeafRole::Result),
            _ => Err(PetError::InvalidName {
                name: path.to_string(),
                reason: format!(
                    "a full path starts with one of {}",
                    name::BRANCHES.join(", ")
                ),
            }),
        }
    }

    /// Lower-case name (`parameter`, `result`...).
    pub fn name(self) -> &'static str {
        match self {
            LeafRole::Config => "config",
            LeafRole::Parameter => "parameter",
            LeafRole::Derived => "derived",
            LeafRole::Result => "result",
        }
    }

    /// Parses a name produced by [`LeafRole::name`].
    pub fn from_name(s: &str) -> Option<LeafRole> {
        match s {
            "config" => Some(LeafRole::Config),
            "parameter" => Some(LeafRole::Parameter),
            "derived" => Some(LeafRole::Derived),
            "result" => Some(LeafRole::Result),
            _ => None,
        }
    }

    /// True for roles whose data is a single value with an optional explored range.
    pub fn is_param_like(self) -> bool {
        self != LeafRole::Result
    }
}

/// The data of a leaf.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LeafData {
    /// A parameter, derived parameter or config item: its default and its explored range.
    Param {
        /// The default value (used by runs when the parameter is not explored).
        value: Value,
        /// One value per run when explored.
        explored: Option<Vec<Value>>,
    },
    /// A result: one or more named items.
    Result {
        /// Items by name.
        items: Items,
    },
}

impl LeafData {
    /// A short description of the data (`f64`, `f64 explored len=4`, `z: f64`).
    pub fn type_info(&self) -> String {
        match self {
            LeafData::Param { value, explored } => match explored {
                Some(v) => Self::explored_type_info(value, v.len()),
                None => value.type_info(),
            },
            LeafData::Result { items } if items.len() == 1 => items
                .values()
                .next()
                .map(Value::type_info)
                .unwrap_or_default(),
            LeafData::Result { items } => {
                let parts: Vec<String> = items
                    .iter()
                    .take(4)
                    .map(|(k, v)| format!("{k}: {}", v.type_info()))
                    .collect();
                let more = if items.len() > 4 { ", ..." } else { "" };
                format!("{}{more}", parts.join(", "))
            }
        }
    }

    /// The type description of a parameter with default `value` and `len`
    /// explored points (what [`LeafData::type_info`] gives for it).
    pub fn explored_type_info(value: &Value, len: usize) -> String {
        format!("{} explored len={len}", value.type_info())
    }

    /// The value the leaf at `path` stands for: a parameter's default, or a
    /// result's single item (or its item named like the leaf, `z` of
    /// `results.z`); `None` for a result of several other items.
    pub fn value_at(&self, path: &str) -> Option<&Value> {
        match self {
            LeafData::Param { value, .. } => Some(value),
            LeafData::Result { items } if items.len() == 1 => items.values().next(),
            LeafData::Result { items } => items.get(name::last(path)),
        }
    }

    /// [`LeafData::value_at`], or an error saying to name one item of a
    /// result of several.
    pub fn single_value(&self, path: &str) -> Result<&Value> {
        self.value_at(path).ok_or_else(|| {
            PetError::invalid(format!(
                "result '{path}' has several items; name the leaf of one"
            ))
        })
    }

    /// True for a parameter with an explored range.
    pub fn is_explored(&self) -> bool {
        matches!(
            self,
            LeafData::Param {
                explored: Some(_),
                ..
            }
        )
    }

    /// Every value held (default, explored points, items).
    pub fn values(&self) -> Vec<&Value> {
        match self {
            LeafData::Param { value, explored } => std::iter::once(value)
                .chain(explored.iter().flatten())
                .collect(),
            LeafData::Result { items } => items.values().collect(),
        }
    }

    /// Validates every value and the shape of the data for `role`.
    pub fn validate(&self, path: &str, role: LeafRole) -> Result<()> {
        match (self, role) {
            (LeafData::Result { items }, LeafRole::Result) => {
                if items.is_empty() {
                    return Err(PetError::invalid(format!("result '{path}' has no item")));
                }
                for k in items.keys() {
                    name::validate_part(k)?;
                }
            }
            (LeafData::Param { value, .. }, r) if r.is_param_like() => {
                if !value.allowed_in_parameter() {
                    return Err(PetError::invalid(format!(
                        "'{path}' is a {} and cannot hold a {}; store it as a result",
                        r.name(),
                        value.signature()
                    )));
                }
            }
            _ => {
                return Err(PetError::invalid(format!(
                    "'{path}' is a {} but carries the wrong kind of data",
                    role.name()
                )))
            }
        }
        for v in self.values() {
            v.validate()?;
        }
        Ok(())
    }
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NodeKind {
    /// A group of other nodes.
    Group,
    /// A leaf holding data.
    Leaf {
        /// What kind of leaf.
        role: LeafRole,
        /// Description of its data, available without loading the data.
        type_info: String,
        /// True when the leaf is a parameter with an explored range.
        explored: bool,
    },
    /// A link to another node, by full path.
    Link {
        /// The full path of the target.
        target: String,
    },
}

/// A node of the tree: its kind, comment, annotations and (for leaves) data if loaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Group, leaf or link.
    pub kind: NodeKind,
    /// Free-text comment.
    pub comment: String,
    /// Key/value metadata.
    pub annotations: Annotations,
    /// The leaf's data; `None` for groups, links and leaves loaded as skeleton only.
    pub data: Option<LeafData>,
}

impl Node {
    /// An empty group.
    pub fn group() -> Node {
        Node {
            kind: NodeKind::Group,
            comment: String::new(),
            annotations: Annotations::new(),
            data: None,
        }
    }

    /// A leaf with data.
    pub fn leaf(role: LeafRole, data: LeafData, comment: impl Into<String>) -> Node {
        Node {
            kind: NodeKind::Leaf {
                role,
                type_info: data.type_info(),
                explored: data.is_explored(),
            },
            comment: comment.into(),
            annotations: Annotations::new(),
            data: Some(data),
        }
    }

    /// A link to `target`.
    pub fn link(target: impl Into<String>) -> Node {
        Node {
            kind: NodeKind::Link {
                target: target.into(),
            },
            comment: String::new(),
            annotations: Annotations::new(),
            data: None,
        }
    }

    /// True for leaves.
    pub fn is_leaf(&self) -> bool {
        matches!(self.kind, NodeKind::Leaf { .. })
    }

    /// True for groups.
    pub fn is_group(&self) -> bool {
        matches!(self.kind, NodeKind::Group)
    }

    /// The leaf role, if a leaf.
    pub fn role(&self) -> Option<LeafRole> {
        match self.kind {
            NodeKind::Leaf { role, .. } => Some(role),
            _ => None,
        }
    }

    /// Sets the data and refreshes the type description.
    pub fn set_data(&mut self, data: LeafData) {
        if let NodeKind::Leaf {
            type_info,
            explored,
            ..
        } = &mut self.kind
        {
            *type_info = data.type_info();
            *explored = data.is_explored();
        }
        self.data = Some(data);
    }

    /// Recomputes the type description and explored flag from the data in
    /// place (after the data was changed through `data`).
    pub fn refresh_kind(&mut self) {
        if let (
            NodeKind::Leaf {
                type_info,
                explored,
                ..
            },
            Some(data),
        ) = (&mut self.kind, &self.data)
        {
            *type_info = data.type_info();
            *explored = data.is_explored();
        }
    }

    /// The same node without its data (what a skeleton load returns).
    pub fn skeleton(&self) -> Node {
        Node {
            kind: self.kind.clone(),
            comment: self.comment.clone(),
            annotations: self.annotations.clone(),
            data: None,
        }
    }
}

/// A node together with its full path: the unit that stores read and write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// Full dotted path, starting with a top-level branch.
    pub path: String,
    /// The node.
    pub node: Node,
}

impl NodeRecord {
    /// Checks the path, the role/branch agreement and the data.
    pub fn validate(&self) -> Result<()> {
        name::validate_path(&self.path)?;
        for v in self.node.annotations.values() {
            v.validate()?;
        }
        for k in self.node.annotations.keys() {
            name::validate_part(k)?;
        }
        match &self.node.kind {
            NodeKind::Group => Ok(()),
            NodeKind::Link { target } => name::validate_path(target),
            NodeKind::Leaf { role, .. } => {
                let expected = LeafRole::for_path(&self.path)?;
                if expected != *role {
                    return Err(PetError::invalid(format!(
                        "'{}' is declared a {} but lives in the {} branch",
                        self.path,
                        role.name(),
                        expected.name()
                    )));
                }
                match &self.node.data {
                    Some(d) => d.validate(&self.path, *role),
                    None => Ok(()),
                }
            }
        }
    }
}
