//! Deleting subtrees with their payloads and point sets, and removing what
//! interrupted writers left behind.

use std::collections::BTreeSet;
use std::time::Duration;

use mongodb::bson::{doc, oid::ObjectId, Bson, DateTime};

use pet_core::storage::under;
use pet_core::{PetError, Result};

use crate::node;
use crate::read::path_range;
use crate::store::MongoStore;
use crate::visible::wid_of;

impl MongoStore {
    fn delete_ids(&self, ids: Vec<Bson>) -> Result<()> {
        for part in ids.chunks(10_000) {
            self.colls
                .nodes
                .delete_many(doc! { "_id": { "$in": part.to_vec() } })
                .run()
                .map_err(|e| self.ctx.map(e))?;
        }
        Ok(())
    }

    pub(crate) fn remove_nodes(&self, traj: &str, path: &str) -> Result<usize> {
        self.check_traj(traj)?;
        self.forget(traj, path);
        let docs: Vec<_> = self
            .find_nodes(
                traj,
                path_range(path),
                Some(doc! { "path": 1, "wid": 1, "run": 1, "blobs": 1 }),
            )?
            .into_iter()
            .filter(|d| d.get_str("path").is_ok_and(|p| under(p, path)))
            .collect();
        let visible = self.resolve(traj, docs.clone())?.len();
        if docs.is_empty() {
            return Err(PetError::NotFound(path.to_string()));
        }
        let blobs: Vec<ObjectId> = docs.iter().flat_map(node::blobs_of).collect();
        let ids: Vec<Bson> = docs
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok().map(Bson::ObjectId))
            .collect();
        self.delete_ids(ids)?;
        self.colls.bucket.delete(&self.ctx, &blobs)?;
        if visible == 0 {
            return Err(PetError::NotFound(path.to_string()));
        }
        Ok(visible)
    }

    /// Removes what interrupted writers of `traj` left behind: node versions of runs
    /// that never committed, point sets no node names and payloads nothing
    /// refers to, if older than `grace`
    /// (younger ones may belong to a writer still at work). Returns how many
    /// documents and payloads went. Readers never see these leftovers; storing the
    /// run again also removes its own.
    pub fn cleanup_orphans(&self, traj: &str, grace: Duration) -> Result<usize> {
        self.check_traj(traj)?;
        let cutoff = DateTime::now().timestamp_millis() - grace.as_millis() as i64;
        let old = |id: &ObjectId| id.timestamp().timestamp_millis() <= cutoff;
        let tagged = self.find_nodes(
            traj,
            doc! { "wid": { "$type": "objectId" } },
            Some(doc! { "path": 1, "wid": 1, "run": 1, "blobs": 1 }),
        )?;
        let live: BTreeSet<ObjectId> = self
            .resolve(traj, tagged.clone())?
            .values()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect();
        let mut doomed = Vec::new();
        let mut blobs = Vec::new();
        for d in &tagged {
            let (Ok(id), Some(w)) = (d.get_object_id("_id"), wid_of(d)) else {
                continue;
            };
            if !live.contains(&id) && old(&w) {
                doomed.push(Bson::ObjectId(id));
                blobs.extend(node::blobs_of(d));
            }
        }
        let mut n = doomed.len() + blobs.len();
        self.delete_ids(doomed)?;
        self.colls.bucket.delete(&self.ctx, &blobs)?;
        // Payloads and point sets written before their nodes, by a writer
        // that died in between; the payloads of points are named by chunks.
        let mut referenced: BTreeSet<ObjectId> = self
            .find_nodes(
                traj,
                doc! { "blobs.0": { "$exists": true } },
                Some(doc! { "blobs": 1 }),
            )?
            .iter()
            .flat_map(node::blobs_of)
            .collect();
        let mut sets = BTreeSet::new();
        let chunks = self
            .colls
            .bucket
            .points
            .coll
            .find(doc! { "metadata.traj": traj })
            .projection(doc! { "pid": 1, "blobs": 1 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        let mut named_by_chunks = Vec::new();
        for c in chunks {
            let c = c.map_err(|e| self.ctx.map(e))?;
            sets.extend(c.get_object_id("pid").ok());
            named_by_chunks.extend(node::blobs_of(&c));
        }
        let orphan_sets: Vec<ObjectId> = sets
            .into_iter()
            .filter(|p| !referenced.contains(p) && old(p))
            .collect();
        n += orphan_sets.len();
        self.colls.bucket.delete(&self.ctx, &orphan_sets)?;
        referenced.extend(named_by_chunks);
        let mut unreferenced = Vec::new();
        let files = self
            .colls
            .bucket
            .files
            .find(doc! { "metadata.traj": traj })
            .projection(doc! { "_id": 1 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        for f in files {
            if let Ok(id) = f.map_err(|e| self.ctx.map(e))?.get_object_id("_id") {
                if !referenced.contains(&id) && old(&id) {
                    unreferenced.push(id);
                }
            }
        }
        n += unreferenced.len();
        self.colls.bucket.delete(&self.ctx, &unreferenced)?;
        Ok(n)
    }
}
