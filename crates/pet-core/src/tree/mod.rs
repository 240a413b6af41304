//! The tree's building blocks: nodes (groups, leaves, links), leaf roles,
//! leaf data, a result's items and how their small vectors grow.

pub mod items;
pub mod node;
pub(crate) mod small;

pub use items::Items;
pub use node::{Annotations, LeafData, LeafRole, Node, NodeKind, NodeRecord};
