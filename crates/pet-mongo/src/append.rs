//! Appending explored points (`append_points`): the new points go onto the end
//! of the visible node document's `points` array with `$push`/`$each`, each
//! update guarded by the array's length (`points: {$size: start}`), so an
//! expansion sends and writes its new points, not the whole list.
//!
//! Every append of a batch is checked first (the parameter, the type of its
//! default and its stored length, with one read per parameter that leaves
//! the list on the server), so a refused batch writes nothing. The updates are one single-document write per parameter; a writer
//! that changes one of the parameters between the check and the update makes
//! that update match nothing, which fails with an append conflict after the
//! parameters before it were appended (MongoDB has no multi-document atomic
//! write without transactions, which pet does not use).
//!
//! A list that would outgrow one document (16 MiB) is rewritten whole
//! instead, which moves array points out of the document; scalar points
//! cannot move, so such a list is refused either way.

use mongodb::bson::{doc, oid::ObjectId, Bson};

use pet_core::storage::append::rewrite;
use pet_core::storage::PointAppend;
use pet_core::{LeafData, LeafRole, PetError, Result};

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
        let checked = appends
            .iter()
            .map(|a| self.check_one(traj, a))
            .collect::<Result<Vec<_>>>()?;
        for (a, c) in appends.iter().zip(&checked) {
            self.push_one(traj, a, c)?;
        }
        Ok(())
    }

    /// Checks one append with one read of the parameter's visible document
    /// that brings its default and at most the two points around `start`
    /// (`$slice`), not its list: exactly one point there means `start` points
    /// are stored. The whole list is read only to explain a refusal.
    fn check_one(&self, traj: &str, a: &PointAppend<'_>) -> Result<Checked> {
        let skip = i64::try_from(a.start.saturating_sub(1))
            .map_err(|_| PetError::invalid("point index out of range"))?;
        let window = doc! { "points": { "$slice": [skip, 2] }, "blobs": 0 };
        let docs = self.find_nodes(traj, doc! { "path": a.path }, Some(window))?;
        let d = self
            .resolve(traj, docs)?
            .remove(a.path)
            .ok_or_else(|| PetError::NotFound(a.path.to_string()))?;
        let not_param =
            || PetError::Explore(format!("'{}' is not a parameter in the store", a.path));
        let role = d.get_str("role").ok().and_then(LeafRole::from_name);
        if d.get_str("kind") != Ok("leaf") || !role.is_some_and(LeafRole::is_param_like) {
            return Err(not_param());
        }
        let default = match d.get_document("value") {
            Ok(v) => value::decode(v, &|id| self.payload(id))?,
            Err(_) => return Err(not_param()),
        };
        let near = d.get_array("points").map(|p| p.len()).ok();
        if a.start == 0 || near != Some(1) {
            let stored = match self.get_data(traj, a.path)? {
                LeafData::Param { explored, .. } => explored.map(|e| e.len()),
                LeafData::Result { .. } => return Err(not_param()),
            };
            a.check_stored(&default, stored)?;
            // Right now, but not a moment ago: another writer is at work.
            return Err(PetError::AppendConflict {
                path: a.path.to_string(),
                start: a.start,
                stored: stored.unwrap_or(0),
            });
        }
        a.check_stored(&default, Some(a.start))?;
        Ok(Checked {
            id: d
                .get_object_id("_id")
                .map_err(|_| value::corrupt("a node document has no _id"))?,
            type_info: LeafData::explored_type_info(&default, a.end()?),
        })
    }

    /// One payload of the bucket.
    fn payload(&self, id: ObjectId) -> Result<Vec<u8>> {
        self.colls
            .bucket
            .get_many(&self.ctx, &[id])?
            .remove(&id)
            .ok_or_else(|| value::corrupt(format!("payload {id} is missing; the store is damaged")))
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
