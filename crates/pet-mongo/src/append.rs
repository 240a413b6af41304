//! Appending explored points (`append_points`): the new points go onto the end
//! of the visible node document's `points` array with `$push`/`$each`, each
//! update guarded by the array's length (`points: {$size: start}`), so an
//! expansion sends and writes its new points, not the whole list.
//!
//! Every append of a batch is checked first (the parameter, the type of its
//! default, its stored length in one query), so a refused batch writes
//! nothing. The updates are one single-document write per parameter; a writer
//! that changes one of the parameters between the check and the update makes
//! that update match nothing, which fails with an append conflict after the
//! parameters before it were appended (MongoDB has no multi-document atomic
//! write without transactions, which pet does not use).
//!
//! A list that would outgrow one document (16 MiB) is rewritten whole
//! instead, which moves array points out of the document; scalar points
//! cannot move, so such a list is refused either way.

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::storage::append::rewrite;
use pet_core::storage::PointAppend;
use pet_core::{LeafData, PetError, Result, Value};

use crate::error::is_too_large;
use crate::store::MongoStore;
use crate::value::{self, Spill};

/// One checked append: the visible document's id and the new type description.
struct Checked {
    id: ObjectId,
    type_info: String,
}

impl MongoStore {
    pub(crate) fn push_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        self.check_traj(traj)?;
        let paths: Vec<&str> = appends.iter().map(|a| a.path).collect();
        let docs = self.find_nodes(
            traj,
            doc! { "path": { "$in": paths } },
            Some(doc! { "points": 0, "items": 0 }),
        )?;
        let visible = self.resolve(traj, docs)?;
        let mut checked = Vec::with_capacity(appends.len());
        for a in appends {
            let d = visible
                .get(a.path)
                .ok_or_else(|| PetError::NotFound(a.path.to_string()))?;
            let id = d
                .get_object_id("_id")
                .map_err(|_| value::corrupt("a node document has no _id"))?;
            let default = self.default_of(d, a.path)?;
            if let Some(v) = a.values.iter().find(|v| !v.same_type(&default)) {
                return Err(PetError::mismatch(
                    a.path,
                    default.signature(),
                    v.signature(),
                ));
            }
            checked.push(Checked {
                id,
                type_info: LeafData::explored_type_info(&default, a.end()?),
            });
        }
        self.check_lengths(traj, appends, &checked)?;
        for (a, c) in appends.iter().zip(&checked) {
            self.push_one(traj, a, c)?;
        }
        Ok(())
    }

    /// The default value of the parameter document `d` (read without its points).
    fn default_of(&self, d: &Document, path: &str) -> Result<Value> {
        let rec = self
            .decode_all(vec![d.clone()])?
            .pop()
            .ok_or_else(|| PetError::NotFound(path.to_string()))?;
        match rec.node.data {
            Some(LeafData::Param { value, .. }) => Ok(value),
            _ => Err(PetError::Explore(format!(
                "'{path}' is not a parameter in the store"
            ))),
        }
    }

    /// Fails unless every parameter holds exactly `start` points (one query;
    /// the points are read only to explain a refusal).
    fn check_lengths(
        &self,
        traj: &str,
        appends: &[PointAppend<'_>],
        checked: &[Checked],
    ) -> Result<()> {
        let either: Vec<Document> = appends
            .iter()
            .zip(checked)
            .map(|(a, c)| doc! { "_id": c.id, "points": { "$size": a.start as i64 } })
            .collect();
        let fits: Vec<ObjectId> = self
            .find_nodes(traj, doc! { "$or": either }, Some(doc! { "_id": 1 }))?
            .iter()
            .filter_map(|d| d.get_object_id("_id").ok())
            .collect();
        for (a, c) in appends.iter().zip(checked) {
            if fits.contains(&c.id) {
                continue;
            }
            let (default, stored) = match self.get_data(traj, a.path)? {
                LeafData::Param { value, explored } => (value, explored.map(|e| e.len())),
                LeafData::Result { .. } => {
                    return Err(PetError::Explore(format!("'{}' is a result", a.path)))
                }
            };
            a.check_stored(&default, stored)?;
            // Right now, but not a moment ago: another writer is at work.
            return Err(PetError::AppendConflict {
                path: a.path.to_string(),
                start: a.start,
                stored: stored.unwrap_or(0),
            });
        }
        Ok(())
    }

    /// Pushes the points of one checked append; payloads too large for the
    /// document go to the bucket first.
    fn push_one(&self, traj: &str, a: &PointAppend<'_>, c: &Checked) -> Result<()> {
        let mut spill = Spill::new(self.opts.inline_max);
        let points = a
            .values
            .iter()
            .map(|v| value::encode(v, &mut spill).map(Bson::Document))
            .collect::<Result<Vec<_>>>()?;
        let blobs: Vec<Bson> = spill
            .blobs
            .iter()
            .map(|(id, _)| Bson::ObjectId(*id))
            .collect();
        self.colls
            .bucket
            .put(&self.ctx, &spill.blobs, &doc! { "traj": traj })?;
        let ids: Vec<ObjectId> = spill.blobs.iter().map(|(id, _)| *id).collect();
        let update = doc! {
            "$push": { "points": { "$each": points }, "blobs": { "$each": blobs } },
            "$set": { "type_info": c.type_info.as_str(), "explored": true },
        };
        let guard = doc! { "_id": c.id, "points": { "$size": a.start as i64 } };
        match self.colls.nodes.update_one(guard, update).run() {
            Ok(r) if r.matched_count == 1 => Ok(()),
            Ok(_) => {
                self.colls.bucket.delete(&self.ctx, &ids)?;
                let stored = match self.get_data(traj, a.path)? {
                    LeafData::Param {
                        explored: Some(e), ..
                    } => e.len(),
                    _ => 0,
                };
                Err(PetError::AppendConflict {
                    path: a.path.to_string(),
                    start: a.start,
                    stored,
                })
            }
            Err(e) if is_too_large(&e) => {
                self.colls.bucket.delete(&self.ctx, &ids)?;
                rewrite(self, traj, std::slice::from_ref(a))
            }
            Err(e) => {
                let err = self.ctx.map(e);
                self.colls.bucket.delete(&self.ctx, &ids)?;
                Err(err)
            }
        }
    }
}
