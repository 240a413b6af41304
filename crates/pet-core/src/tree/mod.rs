//! The tree's building blocks: nodes (groups, leaves, links), leaf roles and leaf data.

pub mod node;

pub use node::{Annotations, LeafData, LeafRole, Node, NodeKind, NodeRecord};
