//! Appending explored points (`append_points`): the new points go into the
//! parameter's point set ([`crate::points`]), so an expansion sends and
//! writes its new points (and at most the last chunk's rewrite on the server,
//! a bounded cost), never the whole list.
//!
//! Every append of a batch is checked first (the parameter, the type of its
//! default and its stored length, with one read of its node document and one
//! of its last chunk, neither bringing the points), so a refused batch writes
//! nothing. Then, for each parameter:
//!
//! 1. the fence: `points_epoch` is raised by one in a write guarded by the
//!    length, set and epoch just read. It fences every writer that read the
//!    older epoch (their commit can no longer match), and fails, as an append
//!    conflict, when another writer changed the parameter since the check;
//! 2. the points: they fill the last chunk (`$push` at the committed count,
//!    with `$slice` cutting what an append that failed left after it) and new
//!    chunks (inserted, or replacing what a failed append left there). Every
//!    chunk write is guarded by `epoch <= mine` and stamps the chunk with my
//!    epoch, so a fenced writer that is still at work cannot touch a chunk
//!    again once a writer behind a newer fence wrote it;
//! 3. the commit: the node's `points_len`, `points_chunks` and type
//!    description are set in one write guarded by my epoch and the old length.
//!
//! Readers take the first `points_len` points only, so they see all of an
//! append or none of it; a writer that dies leaves points after the
//! committed ones, which the next append cuts or overwrites. The fences of all
//! parameters come before any points, so a conflict found by a fence writes
//! nothing; a writer that fences one of the parameters after ours makes
//! that parameter's commit fail, after the parameters before it were
//! committed (MongoDB has no multi-document atomic write without
//! transactions, which pet does not use).
//!
//! A parameter stored by an older pet, with its points in its node document
//! (schema version 1), is rewritten whole once, into a point set.

use mongodb::bson::{doc, oid::ObjectId, Document, RawDocumentBuf};

use pet_core::storage::append::rewrite;
use pet_core::storage::PointAppend;
use pet_core::{LeafData, LeafRole, PetError, Result};

use crate::error::is_duplicate;
use crate::points::{self, Declared, SetRef, Tail, CHUNKS, EPOCH, ID, LEN};
use crate::store::MongoStore;
use crate::value::{self, Payload};

/// One checked append to a point set.
struct Checked {
    /// The visible node document.
    id: ObjectId,
    /// Its set as read.
    decl: Declared,
    /// The set's last chunk as read.
    tail: Tail,
    /// The type description after the append.
    type_info: String,
}

/// How a checked append is written.
enum Plan {
    /// Into the parameter's point set.
    Set(Checked),
    /// By rewriting the parameter whole (its points are in its node document).
    Rewrite,
}

/// What writing one append's points left, for its commit or its undoing.
struct Written {
    /// Chunks holding the points after the commit.
    chunks: usize,
    /// Payloads of the new points.
    payloads: Vec<ObjectId>,
}

impl MongoStore {
    pub(crate) fn push_points(&self, traj: &str, appends: &[PointAppend<'_>]) -> Result<()> {
        self.check_traj(traj)?;
        let plans = appends
            .iter()
            .map(|a| self.check_one(traj, a))
            .collect::<Result<Vec<_>>>()?;
        let mut sets = Vec::new();
        let mut rewrites = Vec::new();
        for (a, p) in appends.iter().zip(plans) {
            match p {
                Plan::Set(c) => sets.push((a, c)),
                Plan::Rewrite => rewrites.push(*a),
            }
        }
        let epochs = sets
            .iter()
            .map(|(a, c)| self.fence(traj, a, c))
            .collect::<Result<Vec<_>>>()?;
        let mut written: Vec<Written> = Vec::with_capacity(sets.len());
        for ((a, c), &epoch) in sets.iter().zip(&epochs) {
            match self.write_points(traj, a, c, epoch) {
                Ok(w) => written.push(w),
                Err(e) => {
                    for (((_, c), &epoch), w) in sets.iter().zip(&epochs).zip(&written) {
                        self.undo(c, epoch, w);
                    }
                    return Err(e);
                }
            }
        }
        for (k, (((a, c), &epoch), w)) in sets.iter().zip(&epochs).zip(&written).enumerate() {
            if let Err(e) = self.commit(traj, a, c, epoch, w) {
                // The failed commit undid its own points, if that was safe.
                for (((_, c), &epoch), w) in sets.iter().zip(&epochs).zip(&written).skip(k + 1) {
                    self.undo(c, epoch, w);
                }
                return Err(e);
            }
        }
        if !rewrites.is_empty() {
            rewrite(self, traj, &rewrites)?;
        }
        Ok(())
    }

    /// Checks one append with one read of the parameter's visible document
    /// that brings its default and, for a document holding its points (schema
    /// version 1), at most the two points around `start` (`$slice`): exactly
    /// one point there means `start` points are stored. The whole list is
    /// read only to explain a refusal.
    fn check_one(&self, traj: &str, a: &PointAppend<'_>) -> Result<Plan> {
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
        if let Some(decl) = points::declared(&d, a.path)? {
            a.check_stored(&default, Some(decl.len))?;
            let tail = self.tail_of(traj, a, &decl)?;
            return Ok(Plan::Set(Checked {
                id: d
                    .get_object_id("_id")
                    .map_err(|_| value::corrupt("a node document has no _id"))?,
                decl,
                tail,
                type_info: LeafData::explored_type_info(&default, a.end()?),
            }));
        }
        let near = d.get_array("points").map(|p| p.len()).ok();
        if a.start == 0 || near != Some(1) {
            let stored = self.stored_len(traj, a.path)?;
            a.check_stored(&default, Some(stored))?;
            // Right now, but not a moment ago: another writer is at work.
            return Err(PetError::AppendConflict {
                path: a.path.to_string(),
                start: a.start,
                stored,
            });
        }
        a.check_stored(&default, Some(a.start))?;
        Ok(Plan::Rewrite)
    }

    /// The last chunk of a set, read without its points.
    fn tail_of(&self, traj: &str, a: &PointAppend<'_>, decl: &Declared) -> Result<Tail> {
        let n = decl.chunks.saturating_sub(1);
        let found = self
            .colls
            .bucket
            .points
            .coll
            .find_one(doc! { "pid": decl.pid, "n": n as i64 })
            .projection(doc! { "points": 0, "blobs": 0 })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        match found {
            Some(c) => points::tail_from(&c, a.path, decl),
            // Gone with its set, which another writer replaced meanwhile?
            None => match self.stored_set(traj, a.path)? {
                Some(now) if now.pid == decl.pid => Err(points::missing(a.path, decl, n)),
                _ => Err(self.conflict(traj, a)),
            },
        }
    }

    /// The set the visible document of `path` declares now.
    fn stored_set(&self, traj: &str, path: &str) -> Result<Option<Declared>> {
        let fields = doc! { "path": 1, "wid": 1, "run": 1, ID: 1, LEN: 1, CHUNKS: 1, EPOCH: 1 };
        let docs = self.find_nodes(traj, doc! { "path": path }, Some(fields))?;
        match self.resolve(traj, docs)?.remove(path) {
            Some(d) => points::declared(&d, path),
            None => Err(PetError::NotFound(path.to_string())),
        }
    }

    /// How many points `path` holds now.
    fn stored_len(&self, traj: &str, path: &str) -> Result<usize> {
        if let Some(decl) = self.stored_set(traj, path)? {
            return Ok(decl.len);
        }
        Ok(match self.get_data(traj, path)? {
            LeafData::Param {
                explored: Some(e), ..
            } => e.len(),
            _ => 0,
        })
    }

    /// The append conflict of `a`, with the number of points stored now (or
    /// the error that prevented counting them).
    fn conflict(&self, traj: &str, a: &PointAppend<'_>) -> PetError {
        match self.stored_len(traj, a.path) {
            Ok(stored) => PetError::AppendConflict {
                path: a.path.to_string(),
                start: a.start,
                stored,
            },
            Err(e) => e,
        }
    }

    /// Raises the set's fence; returns the epoch this append writes under.
    fn fence(&self, traj: &str, a: &PointAppend<'_>, c: &Checked) -> Result<i64> {
        let epoch = c.decl.epoch.unwrap_or(0);
        let mine = epoch
            .checked_add(1)
            .ok_or_else(|| value::corrupt(format!("'{}' has an epoch of {epoch}", a.path)))?;
        let mut guard = doc! { "_id": c.id, ID: c.decl.pid, LEN: c.decl.len as i64 };
        match c.decl.epoch {
            Some(e) => guard.insert(EPOCH, e),
            None => guard.insert(EPOCH, doc! { "$exists": false }),
        };
        let r = self
            .colls
            .nodes
            .update_one(guard, doc! { "$set": { EPOCH: mine } })
            .run()
            .map_err(|e| self.ctx.map(e))?;
        if r.matched_count == 1 {
            Ok(mine)
        } else {
            Err(self.conflict(traj, a))
        }
    }

    /// Writes the new points of a fenced-in append after the committed ones:
    /// their payloads, the last chunk, new chunks. Undoes its own writes when
    /// one fails.
    fn write_points(
        &self,
        traj: &str,
        a: &PointAppend<'_>,
        c: &Checked,
        epoch: i64,
    ) -> Result<Written> {
        let set = SetRef {
            pid: c.decl.pid,
            traj,
            path: a.path,
        };
        let mut encoded = points::encode_points(a.values, self.opts.inline_max, a.path, a.start)?;
        let kept = c.tail.committed(&c.decl);
        let k = points::fits(kept, c.tail.bytes, &encoded);
        let rest = encoded.split_off(k);
        let tail_update = if k > 0 || c.tail.count > kept {
            let (docs, ids, bytes) = points::arrays(&encoded)?;
            Some(doc! {
                "$push": {
                    "points": { "$each": docs, "$position": kept as i32, "$slice": (kept + k) as i32 },
                    "blobs": { "$each": ids },
                },
                "$set": { "count": (kept + k) as i64, "epoch": epoch },
                "$inc": { "bytes": bytes as i64 },
            })
        } else {
            None
        };
        let mut chunker = points::Chunker::new(set, c.tail.n + 1, a.start + k, epoch);
        for p in rest {
            chunker.push(p);
        }
        let new = chunker.finish();
        let chunks = new.chunks;
        let payloads: Vec<(ObjectId, Payload)> = encoded
            .into_iter()
            .flat_map(|p| p.blobs)
            .chain(new.blobs)
            .map(|(id, b)| (id, Payload::Bytes(b)))
            .collect();
        let w = Written {
            chunks: c.tail.n + 1 + chunks.len(),
            payloads: payloads.iter().map(|(id, _)| *id).collect(),
        };
        let done = self
            .colls
            .bucket
            .put(&self.ctx, &payloads, &doc! { "traj": traj })
            .and_then(|()| self.write_chunks(traj, a, c, epoch, tail_update, chunks));
        if let Err(e) = done {
            self.undo(c, epoch, &w);
            return Err(e);
        }
        Ok(w)
    }

    /// The chunk writes of an append, each guarded by the fence.
    fn write_chunks(
        &self,
        traj: &str,
        a: &PointAppend<'_>,
        c: &Checked,
        epoch: i64,
        tail_update: Option<Document>,
        chunks: Vec<RawDocumentBuf>,
    ) -> Result<()> {
        let coll = &self.colls.bucket.points.coll;
        let raw = coll.clone_with_type::<RawDocumentBuf>();
        let guard =
            |n: usize| doc! { "pid": c.decl.pid, "n": n as i64, "epoch": { "$lte": epoch } };
        if let Some(u) = tail_update {
            let r = coll
                .update_one(guard(c.tail.n), u)
                .run()
                .map_err(|e| self.ctx.map(e))?;
            if r.matched_count != 1 {
                return Err(self.conflict(traj, a));
            }
        }
        for (k, chunk) in chunks.into_iter().enumerate() {
            match raw
                .replace_one(guard(c.tail.n + 1 + k), chunk)
                .upsert(true)
                .run()
            {
                Ok(_) => {}
                // A newer fence wrote this chunk: we are fenced off.
                Err(e) if is_duplicate(&e) => return Err(self.conflict(traj, a)),
                Err(e) => return Err(self.ctx.map(e)),
            }
        }
        Ok(())
    }

    /// The commit: the new length, chunk count and type description, guarded
    /// by my epoch and the old length. A write that matched nothing (a newer
    /// fence shut us out) is undone; a write whose outcome is unknown is not.
    fn commit(
        &self,
        traj: &str,
        a: &PointAppend<'_>,
        c: &Checked,
        epoch: i64,
        w: &Written,
    ) -> Result<()> {
        let guard = doc! { "_id": c.id, ID: c.decl.pid, EPOCH: epoch, LEN: c.decl.len as i64 };
        let update = doc! { "$set": {
            LEN: a.end()? as i64,
            CHUNKS: w.chunks as i64,
            "type_info": c.type_info.as_str(),
            "explored": true,
        } };
        let r = self
            .colls
            .nodes
            .update_one(guard, update)
            .run()
            .map_err(|e| self.ctx.map(e))?;
        if r.matched_count == 1 {
            return Ok(());
        }
        self.undo(c, epoch, w);
        Err(self.conflict(traj, a))
    }

    /// Best effort, after a failure: removes the chunks this append added
    /// after the set's last chunk and its payloads. What it pushed onto the
    /// last chunk stays after the committed points, where readers never look
    /// and the next append cuts it.
    fn undo(&self, c: &Checked, epoch: i64, w: &Written) {
        // Errors are ignored: the caller reports the failure that matters,
        // and leftovers are invisible (`cleanup_orphans` removes payloads).
        for n in c.decl.chunks..w.chunks {
            let mine = doc! { "pid": c.decl.pid, "n": n as i64, "epoch": epoch };
            let _ = self.colls.bucket.points.coll.delete_one(mine).run();
        }
        let _ = self.colls.bucket.delete(&self.ctx, &w.payloads);
    }
}
