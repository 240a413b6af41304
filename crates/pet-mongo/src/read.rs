//! Reading nodes and leaf data, with out-of-document payloads fetched in one go.

use std::collections::HashMap;

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::storage::{under, ReadSpec};
use pet_core::{LeafData, NodeRecord, PetError, Result};

use crate::node::{self, DATA_FIELDS};
use crate::store::MongoStore;
use crate::value::corrupt;

/// Filter on `path` for `prefix` and everything below it (names never hold
/// characters below '/' other than '.', so the range is exact).
pub fn path_range(prefix: &str) -> Document {
    if prefix.is_empty() {
        doc! {}
    } else {
        doc! { "path": { "$gte": prefix, "$lt": format!("{prefix}/") } }
    }
}

/// The fields to read: everything, or everything but the data for a skeleton read.
fn projection(spec: ReadSpec) -> Option<Document> {
    if spec.with_data {
        return None;
    }
    let mut p = Document::new();
    for f in DATA_FIELDS {
        p.insert(f, 0);
    }
    Some(p)
}

impl MongoStore {
    /// Decodes node documents, fetching their out-of-document payloads in one go.
    pub(crate) fn decode_all(&self, docs: Vec<Document>) -> Result<Vec<NodeRecord>> {
        let ids: Vec<ObjectId> = docs.iter().flat_map(node::blobs_of).collect();
        let payloads: HashMap<ObjectId, Vec<u8>> = self.colls.bucket.get_many(&self.ctx, &ids)?;
        let fetch = |id: ObjectId| -> Result<Vec<u8>> {
            payloads
                .get(&id)
                .cloned()
                .ok_or_else(|| corrupt(format!("payload {id} is missing; the store is damaged")))
        };
        docs.iter().map(|d| node::from_doc(d, &fetch)).collect()
    }

    pub(crate) fn get_nodes(
        &self,
        traj: &str,
        prefix: &str,
        spec: ReadSpec,
    ) -> Result<Vec<NodeRecord>> {
        self.check_traj(traj)?;
        let mut filter = path_range(prefix);
        let skip_runs = !spec.includes(prefix, "results.runs.run_00000000");
        if skip_runs {
            filter.insert("run", Bson::Null);
        }
        let projection = projection(spec);
        let docs: Vec<Document> = self
            .find_nodes(traj, filter, projection)?
            .into_iter()
            .filter(|d| {
                d.get_str("path")
                    .is_ok_and(|p| under(p, prefix) && spec.includes(prefix, p))
            })
            .collect();
        let visible = self.resolve(traj, docs)?;
        self.decode_all(visible.into_values().collect())
    }

    pub(crate) fn get_run_nodes(
        &self,
        traj: &str,
        index: usize,
        spec: ReadSpec,
    ) -> Result<Vec<NodeRecord>> {
        self.check_traj(traj)?;
        let projection = projection(spec);
        let docs = self.find_nodes(traj, doc! { "run": index as i64 }, projection)?;
        let visible = self.resolve(traj, docs)?;
        self.decode_all(visible.into_values().collect())
    }

    pub(crate) fn get_data(&self, traj: &str, path: &str) -> Result<LeafData> {
        let docs = self.find_nodes(traj, doc! { "path": path }, None)?;
        let visible = self.resolve(traj, docs)?;
        let d = visible
            .into_values()
            .next()
            .ok_or_else(|| PetError::NotFound(path.to_string()))?;
        self.decode_all(vec![d])?
            .pop()
            .and_then(|r| r.node.data)
            .ok_or_else(|| PetError::NotFound(path.to_string()))
    }
}
