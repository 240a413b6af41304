//! Reading nodes and leaf data, with out-of-document payloads fetched in one
//! go and point sets read chunk by chunk (only when data is read).

use std::collections::HashMap;

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::storage::{under, ReadSpec};
use pet_core::{LeafData, NodeRecord, PetError, Result};

use crate::node::{self, DATA_FIELDS};
use crate::points::{self, Declared, Loaded};
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

/// How often a read follows a node whose point set was replaced while it was read.
const READ_ATTEMPTS: usize = 3;

/// Payload ids of a node document that are GridFS files (its point set is not).
fn file_ids(d: &Document) -> impl Iterator<Item = ObjectId> + '_ {
    let set = d.get_object_id(points::ID).ok();
    node::blobs_of(d)
        .into_iter()
        .filter(move |id| Some(*id) != set)
}

impl MongoStore {
    /// One payload of the bucket.
    pub(crate) fn payload(&self, id: ObjectId) -> Result<Vec<u8>> {
        self.colls
            .bucket
            .get_many(&self.ctx, &[id])?
            .remove(&id)
            .ok_or_else(|| corrupt(format!("payload {id} is missing; the store is damaged")))
    }

    /// Decodes node documents, fetching their out-of-document payloads in one
    /// go, and the point sets of those read with data; a node that vanished
    /// while it was read is left out.
    pub(crate) fn decode_all(&self, docs: Vec<Document>) -> Result<Vec<NodeRecord>> {
        let ids: Vec<ObjectId> = docs.iter().flat_map(file_ids).collect();
        let payloads: HashMap<ObjectId, Vec<u8>> = self.colls.bucket.get_many(&self.ctx, &ids)?;
        let mut out = Vec::with_capacity(docs.len());
        for d in docs {
            out.extend(self.decode_one(d, &payloads)?);
        }
        Ok(out)
    }

    /// Decodes one node document. A point set that lacks a chunk (or whose
    /// chunks do not check) is read again from a fresh copy of the document
    /// when another writer replaced the set meanwhile (it deletes the old set
    /// once the new one is named), and is an error naming the node when the
    /// document still names it.
    fn decode_one(
        &self,
        mut d: Document,
        payloads: &HashMap<ObjectId, Vec<u8>>,
    ) -> Result<Option<NodeRecord>> {
        let fetch = |id: ObjectId| -> Result<Vec<u8>> {
            match payloads.get(&id) {
                Some(b) => Ok(b.clone()),
                None => self.payload(id),
            }
        };
        for _ in 0..READ_ATTEMPTS {
            let path = d
                .get_str("path")
                .map_err(|_| corrupt("a node document has no path"))?
                .to_string();
            let decl = match points::declared(&d, &path)? {
                Some(decl) if d.contains_key("value") => decl,
                _ => return node::from_doc(&d, &fetch, None).map(Some),
            };
            let failed = match self.read_set(&path, &decl) {
                Ok(Loaded::Points(list)) => {
                    return node::from_doc(&d, &fetch, Some(list)).map(Some)
                }
                Ok(Loaded::Missing(n)) => points::missing(&path, &decl, n),
                Err(e @ PetError::Format { .. }) => e,
                Err(e) => return Err(e),
            };
            let id = d
                .get_object_id("_id")
                .map_err(|_| corrupt(format!("the node document of '{path}' has no _id")))?;
            let fresh = self
                .colls
                .nodes
                .find_one(doc! { "_id": id })
                .run()
                .map_err(|e| self.ctx.map(e))?;
            match fresh {
                None => return Ok(None),
                Some(f) if points::declared(&f, &path)?.is_some_and(|n| n.pid != decl.pid) => {
                    d = f;
                }
                Some(_) => return Err(failed),
            }
        }
        Err(PetError::backend_msg(
            "mongodb",
            format!(
                "'{}' was rewritten by other writers {READ_ATTEMPTS} times while it was read; retry",
                d.get_str("path").unwrap_or("?")
            ),
        ))
    }

    /// Reads the committed points of a set, chunk by chunk, each checked.
    pub(crate) fn read_set(&self, path: &str, decl: &Declared) -> Result<Loaded> {
        let mut reader = points::Reader::new(path, decl);
        if decl.chunks > 0 {
            let cursor = self
                .colls
                .bucket
                .points
                .coll
                .find(doc! { "pid": decl.pid, "n": { "$lt": decl.chunks as i64 } })
                .sort(doc! { "n": 1 })
                .run()
                .map_err(|e| self.ctx.map(e))?;
            let fetch = |ids: &[ObjectId]| self.colls.bucket.get_many(&self.ctx, ids);
            for c in cursor {
                if !reader.feed(&c.map_err(|e| self.ctx.map(e))?, &fetch)? {
                    break;
                }
            }
        }
        Ok(reader.finish())
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
