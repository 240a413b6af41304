//! Payloads that live outside node documents: large byte payloads in a
//! GridFS-compatible bucket (`blobs.files` + `blobs.chunks`), so pymongo's
//! `gridfs.GridFSBucket(db, "blobs")` reads them too, and the point sets of
//! explored parameters (`points`, see [`crate::points`]).
//!
//! Chunks are written before their `files` document, a point set's payloads
//! before its chunks, and node documents refer to a payload only after all of
//! it exists: a payload is never visible half-written.

use std::collections::HashMap;

use mongodb::bson::{doc, oid::ObjectId, Bson, DateTime, Document};
use mongodb::sync::Collection;

use pet_core::Result;

use crate::error::ErrCtx;
use crate::points::{PointSet, PointSets};
use crate::value::{binary, corrupt, Payload};

/// Bytes per chunk document.
pub const CHUNK: usize = 4 * 1024 * 1024;

/// The collections of out-of-document payloads.
#[derive(Clone)]
pub struct Bucket {
    /// `blobs.files`: one document per payload.
    pub files: Collection<Document>,
    /// `blobs.chunks`: the bytes, `CHUNK` per document.
    pub chunks: Collection<Document>,
    /// `points`: the point sets of explored parameters.
    pub points: PointSets,
}

impl Bucket {
    /// Writes payloads: byte payloads as files (`meta` goes into each files
    /// document's `metadata`), then point sets (their own byte payloads first).
    pub fn put(&self, ctx: &ErrCtx, blobs: &[(ObjectId, Payload)], meta: &Document) -> Result<()> {
        let mut bytes: Vec<(ObjectId, &[u8])> = Vec::new();
        let mut sets: Vec<&PointSet> = Vec::new();
        for (id, p) in blobs {
            match p {
                Payload::Bytes(b) => bytes.push((*id, b)),
                Payload::Points(s) => {
                    bytes.extend(s.blobs.iter().map(|(i, b)| (*i, b.as_slice())));
                    sets.push(s);
                }
            }
        }
        self.put_bytes(ctx, &bytes, meta)?;
        self.points.insert(ctx, &sets)
    }

    fn put_bytes(&self, ctx: &ErrCtx, blobs: &[(ObjectId, &[u8])], meta: &Document) -> Result<()> {
        if blobs.is_empty() {
            return Ok(());
        }
        for (id, bytes) in blobs {
            let chunks: Vec<Document> = bytes
                .chunks(CHUNK)
                .enumerate()
                .map(|(n, c)| doc! { "files_id": id, "n": n as i32, "data": binary(c.to_vec()) })
                .collect();
            if !chunks.is_empty() {
                self.chunks
                    .insert_many(chunks)
                    .run()
                    .map_err(|e| ctx.map(e))?;
            }
        }
        let files: Vec<Document> = blobs
            .iter()
            .map(|(id, bytes)| {
                doc! {
                    "_id": id,
                    "length": bytes.len() as i64,
                    "chunkSize": CHUNK as i32,
                    "uploadDate": DateTime::now(),
                    "metadata": meta.clone(),
                }
            })
            .collect();
        self.files
            .insert_many(files)
            .run()
            .map_err(|e| ctx.map(e))?;
        Ok(())
    }

    /// Reads payloads by id; a missing or incomplete one is a `Format` error.
    pub fn get_many(&self, ctx: &ErrCtx, ids: &[ObjectId]) -> Result<HashMap<ObjectId, Vec<u8>>> {
        let mut out: HashMap<ObjectId, Vec<u8>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut lengths = HashMap::new();
        for f in self
            .files
            .find(doc! { "_id": { "$in": ids } })
            .run()
            .map_err(|e| ctx.map(e))?
        {
            let f = f.map_err(|e| ctx.map(e))?;
            if let (Ok(id), Ok(len)) = (f.get_object_id("_id"), f.get_i64("length")) {
                let len = usize::try_from(len).map_err(|_| {
                    corrupt(format!("payload {id} declares a negative length {len}"))
                })?;
                lengths.insert(id, len);
            }
        }
        for id in ids {
            if !lengths.contains_key(id) {
                return Err(corrupt(format!(
                    "payload {id} is missing from the blobs bucket; the store is damaged"
                )));
            }
        }
        let cursor = self
            .chunks
            .find(doc! { "files_id": { "$in": ids } })
            .sort(doc! { "files_id": 1, "n": 1 })
            .run()
            .map_err(|e| ctx.map(e))?;
        for c in cursor {
            let c = c.map_err(|e| ctx.map(e))?;
            let id = c
                .get_object_id("files_id")
                .map_err(|_| corrupt("a chunk has no files_id"))?;
            let n = c.get_i32("n").map_err(|_| corrupt("a chunk has no n"))?;
            let data = c
                .get_binary_generic("data")
                .map_err(|_| corrupt("a chunk has no data"))?;
            let declared = lengths.get(&id).copied().ok_or_else(|| {
                corrupt(format!(
                    "a chunk belongs to payload {id}, which was not asked for"
                ))
            })?;
            let buf = out.entry(id).or_default();
            let at = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_mul(CHUNK))
                .ok_or_else(|| corrupt(format!("payload {id} has a chunk numbered {n}")))?;
            if buf.len() != at {
                return Err(corrupt(format!("payload {id} has a gap at chunk {n}")));
            }
            if data.len() > CHUNK || at + data.len() > declared {
                return Err(corrupt(format!(
                    "payload {id} has more bytes than the {declared} its files document declares; the store is damaged"
                )));
            }
            buf.extend_from_slice(data);
        }
        for (id, len) in lengths {
            let have = out.entry(id).or_default().len();
            if have != len {
                return Err(corrupt(format!(
                    "payload {id} has {have} of {len} bytes; the store is damaged"
                )));
            }
        }
        Ok(out)
    }

    /// Deletes payloads by id: files (files document first, so none is left
    /// half-visible) and point sets (chunks first, then their payloads).
    pub fn delete(&self, ctx: &ErrCtx, ids: &[ObjectId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut ids = ids.to_vec();
        ids.extend(self.points.delete(ctx, &ids)?);
        self.delete_files(ctx, &ids)
    }

    fn delete_files(&self, ctx: &ErrCtx, ids: &[ObjectId]) -> Result<()> {
        for part in ids.chunks(10_000) {
            let list: Vec<Bson> = part.iter().map(|i| Bson::ObjectId(*i)).collect();
            self.files
                .delete_many(doc! { "_id": { "$in": list.clone() } })
                .run()
                .map_err(|e| ctx.map(e))?;
            self.chunks
                .delete_many(doc! { "files_id": { "$in": list } })
                .run()
                .map_err(|e| ctx.map(e))?;
        }
        Ok(())
    }

    /// Deletes every payload whose files document or point chunk matches
    /// `filter` on `metadata` (both carry `metadata.traj`).
    pub fn delete_where(&self, ctx: &ErrCtx, filter: Document) -> Result<()> {
        let mut ids = self.points.delete_where(ctx, filter.clone())?;
        for f in self
            .files
            .find(filter)
            .projection(doc! { "_id": 1 })
            .run()
            .map_err(|e| ctx.map(e))?
        {
            if let Ok(id) = f.map_err(|e| ctx.map(e))?.get_object_id("_id") {
                ids.push(id);
            }
        }
        self.delete_files(ctx, &ids)
    }
}
