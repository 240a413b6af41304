//! The tree's building blocks: nodes (groups, leaves, links), leaf roles,
//! leaf data and a result's items.

pub mod items;
pub mod node;

pub use items::Items;
pub use node::{Annotations, LeafData, LeafRole, Node, NodeKind, NodeRecord};
