//! Point sets: an explored parameter's points outside its node document, in
//! chunk documents of the `points` collection. This module owns their layout:
//! building a set, reading one back with every size checked, the chunk an
//! append fills next, and the collection itself (indexes, the schema version
//! a store holding sets needs, deletion).
//!
//! A set is named by an ObjectId (`pid`) that the node document gives as
//! `points_id`, next to the committed length `points_len`, the number of
//! chunks holding those points `points_chunks` and the append fence
//! `points_epoch`. Chunk `n` holds the points `start..start + count` of the
//! list; chunks are numbered from 0 and hold at most [`CHUNK_POINTS`] points
//! and, unless a single point is larger, about [`CHUNK_BYTES`]. A new version
//! of the whole list is a new set (a new `pid`), so a set's committed points
//! never change: readers take the first `points_len` points of chunks
//! `0..points_chunks` and ignore anything after them (what an append that is
//! still at work, or that died, left there).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use mongodb::bson::{doc, oid::ObjectId, Bson, Document, RawArrayBuf, RawDocumentBuf};
use mongodb::options::IndexOptions;
use mongodb::sync::{Collection, Database};
use mongodb::IndexModel;

use pet_core::bounds::MAX_RUN_INDEX;
use pet_core::{PetError, Result, Value};

use crate::error::ErrCtx;
use crate::node::DOC_BUDGET;
use crate::value::{self, corrupt, int_of, Spill};

/// Most points in one chunk document.
pub const CHUNK_POINTS: usize = 4096;

/// Bytes of encoded points a chunk takes before a new chunk starts (a chunk
/// that would hold one point only takes it whatever its size).
pub const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Largest encoded point: what is left of a document besides the chunk's own fields.
const POINT_MAX: usize = DOC_BUDGET - 64 * 1024;

/// The first schema version whose stores may hold point sets.
pub const SETS_SCHEMA_VERSION: i64 = 2;

/// Node document field: the id of the node's point set.
pub const ID: &str = "points_id";
/// Node document field: how many points the set holds (committed).
pub const LEN: &str = "points_len";
/// Node document field: how many chunks hold the committed points.
pub const CHUNKS: &str = "points_chunks";
/// Node document field: the fence of appends (raised by each append first).
pub const EPOCH: &str = "points_epoch";

/// The chunk documents of one new set and the payloads its points moved out.
#[derive(Debug, Default)]
pub struct PointSet {
    /// The chunk documents, in order, as BSON bytes (a document per point
    /// would take several times the memory for a list of 10^7 points).
    pub chunks: Vec<RawDocumentBuf>,
    /// `(id, bytes)` of the payloads of points too large to stay in a chunk.
    pub blobs: Vec<(ObjectId, Vec<u8>)>,
}

/// One point encoded for a chunk.
pub struct EncodedPoint {
    /// Its typed value document, as BSON bytes.
    pub raw: RawDocumentBuf,
    /// Bytes it takes in a chunk (as an array element, with its payload ids).
    pub size: usize,
    /// Payloads it moved out of the chunk.
    pub blobs: Vec<(ObjectId, Vec<u8>)>,
}

/// Bytes a value document of `len` bytes takes as an element of a chunk's
/// `points` array, plus the entries its payloads add to the chunk's `blobs`.
fn weight(len: usize, blobs: usize) -> usize {
    // Element type, key (at most 4 digits and a NUL), then the document; an
    // ObjectId element of `blobs` takes 18 bytes.
    len.saturating_add(6).saturating_add(18 * blobs)
}

fn raw(d: &Document) -> Result<RawDocumentBuf> {
    RawDocumentBuf::from_document(d).map_err(|e| corrupt(format!("cannot encode a document: {e}")))
}

/// Encodes point `index` of `path`: payloads above `inline_max` leave the
/// chunk, and so do all but the smallest when the point would fill a chunk
/// alone; a point that still does not fit in a document is refused.
fn encode_point(v: &Value, inline_max: usize, path: &str, index: usize) -> Result<EncodedPoint> {
    let mut spill = Spill::new(inline_max);
    let mut doc = raw(&value::encode(v, &mut spill)?)?;
    let mut size = weight(doc.as_bytes().len(), spill.blobs.len());
    if size > CHUNK_BYTES {
        spill = Spill::new(1024);
        doc = raw(&value::encode(v, &mut spill)?)?;
        size = weight(doc.as_bytes().len(), spill.blobs.len());
        if size > POINT_MAX {
            return Err(PetError::invalid(format!(
                "point {index} of '{path}' takes {size} bytes even with its arrays moved out; one MongoDB document holds 16 MiB"
            )));
        }
    }
    Ok(EncodedPoint {
        raw: doc,
        size,
        blobs: spill.into_bytes(),
    })
}

/// Encodes points that become points `first..` of `path`.
pub fn encode_points(
    values: &[Value],
    inline_max: usize,
    path: &str,
    first: usize,
) -> Result<Vec<EncodedPoint>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| encode_point(v, inline_max, path, first.saturating_add(i)))
        .collect()
}

/// How many of `points` fit, in order, into a chunk that holds `count`
/// points taking `bytes` already.
pub fn fits(mut count: usize, mut bytes: usize, points: &[EncodedPoint]) -> usize {
    let mut k = 0;
    for p in points {
        if count >= CHUNK_POINTS || (count > 0 && bytes.saturating_add(p.size) > CHUNK_BYTES) {
            break;
        }
        count += 1;
        bytes = bytes.saturating_add(p.size);
        k += 1;
    }
    k
}

/// Where a set is and who fills it: what every chunk document carries.
#[derive(Clone, Copy)]
pub struct SetRef<'a> {
    /// The set's id.
    pub pid: ObjectId,
    /// The trajectory.
    pub traj: &'a str,
    /// The node's path.
    pub path: &'a str,
}

/// The `points` and `blobs` arrays of encoded points (for an update), and
/// the bytes they take.
pub fn arrays(points: &[EncodedPoint]) -> Result<(Vec<Bson>, Vec<Bson>, usize)> {
    let docs = points
        .iter()
        .map(|p| {
            p.raw
                .to_document()
                .map(Bson::Document)
                .map_err(|e| corrupt(format!("cannot encode a document: {e}")))
        })
        .collect::<Result<_>>()?;
    let ids = points
        .iter()
        .flat_map(|p| p.blobs.iter().map(|(id, _)| Bson::ObjectId(*id)))
        .collect();
    Ok((docs, ids, weights(points)))
}

fn weights(points: &[EncodedPoint]) -> usize {
    points
        .iter()
        .map(|p| p.size)
        .fold(0usize, usize::saturating_add)
}

/// Chunk `n` of a set, holding `points` from point `start` on, written under `epoch`.
pub fn chunk_doc(
    set: SetRef<'_>,
    n: usize,
    start: usize,
    points: &[EncodedPoint],
    epoch: i64,
) -> RawDocumentBuf {
    let mut docs = RawArrayBuf::new();
    let mut ids = RawArrayBuf::new();
    for p in points {
        docs.push(p.raw.clone());
        for (id, _) in &p.blobs {
            ids.push(*id);
        }
    }
    let mut meta = RawDocumentBuf::new();
    meta.append("traj", set.traj);
    meta.append("path", set.path);
    let mut d = RawDocumentBuf::new();
    d.append("pid", set.pid);
    d.append("n", n as i64);
    d.append("start", start as i64);
    d.append("count", points.len() as i64);
    d.append("bytes", weights(points) as i64);
    d.append("epoch", epoch);
    d.append("metadata", meta);
    d.append("points", docs);
    d.append("blobs", ids);
    d
}

/// Groups points into chunks as they come: a chunk closes when the next
/// point would not fit ([`fits`]).
pub struct Chunker<'a> {
    set: SetRef<'a>,
    epoch: i64,
    n: usize,
    start: usize,
    current: Vec<EncodedPoint>,
    bytes: usize,
    chunks: Vec<RawDocumentBuf>,
    blobs: Vec<(ObjectId, Vec<u8>)>,
}

impl<'a> Chunker<'a> {
    /// Chunks numbered from `n`, the first holding point `start`, written under `epoch`.
    pub fn new(set: SetRef<'a>, n: usize, start: usize, epoch: i64) -> Self {
        Chunker {
            set,
            epoch,
            n,
            start,
            current: Vec::new(),
            bytes: 0,
            chunks: Vec::new(),
            blobs: Vec::new(),
        }
    }

    /// Takes the next point.
    pub fn push(&mut self, p: EncodedPoint) {
        let room = fits(self.current.len(), self.bytes, std::slice::from_ref(&p));
        if !self.current.is_empty() && room == 0 {
            self.close();
        }
        self.bytes = self.bytes.saturating_add(p.size);
        self.current.push(p);
    }

    fn close(&mut self) {
        let points = std::mem::take(&mut self.current);
        self.bytes = 0;
        self.chunks
            .push(chunk_doc(self.set, self.n, self.start, &points, self.epoch));
        self.n += 1;
        self.start += points.len();
        self.blobs.extend(points.into_iter().flat_map(|p| p.blobs));
    }

    /// The chunks and their payloads.
    pub fn finish(mut self) -> PointSet {
        if !self.current.is_empty() {
            self.close();
        }
        PointSet {
            chunks: self.chunks,
            blobs: self.blobs,
        }
    }
}

/// A new set holding `values` as the points of `path`: the fields the node
/// document gets, the set's id and the set itself.
pub fn encode_set(
    traj: &str,
    path: &str,
    values: &[Value],
    inline_max: usize,
) -> Result<(Document, ObjectId, PointSet)> {
    let pid = ObjectId::new();
    let mut chunker = Chunker::new(SetRef { pid, traj, path }, 0, 0, 0);
    for (i, v) in values.iter().enumerate() {
        chunker.push(encode_point(v, inline_max, path, i)?);
    }
    let set = chunker.finish();
    let fields = doc! {
        ID: pid,
        LEN: values.len() as i64,
        CHUNKS: set.chunks.len() as i64,
        EPOCH: 0_i64,
    };
    Ok((fields, pid, set))
}

/// What a node document declares about its set.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    /// The set's id.
    pub pid: ObjectId,
    /// Committed points.
    pub len: usize,
    /// Chunks holding them.
    pub chunks: usize,
    /// The append fence, when the document has one.
    pub epoch: Option<i64>,
}

/// The set a node document declares (`None` for a document without one),
/// with its sizes checked: at most one point per possible run, no empty
/// chunk, no chunk above [`CHUNK_POINTS`].
pub fn declared(d: &Document, path: &str) -> Result<Option<Declared>> {
    let Some(id) = d.get(ID) else {
        return Ok(None);
    };
    let pid = id
        .as_object_id()
        .ok_or_else(|| corrupt(format!("'{path}': its {ID} is {id}, not an ObjectId")))?;
    let int = |k: &str| {
        d.get(k)
            .and_then(int_of)
            .ok_or_else(|| corrupt(format!("'{path}' has a point set but no integer {k}")))
    };
    let (len, chunks) = (int(LEN)?, int(CHUNKS)?);
    let most = MAX_RUN_INDEX + 1;
    let len = usize::try_from(len)
        .ok()
        .filter(|&n| n <= most)
        .ok_or_else(|| {
            corrupt(format!(
                "'{path}' declares {len} explored points; there are at most {most} (one per run)"
            ))
        })?;
    let chunks = usize::try_from(chunks)
        .ok()
        .filter(|&m| m <= len && (m == 0) == (len == 0) && len <= m.saturating_mul(CHUNK_POINTS))
        .ok_or_else(|| {
            corrupt(format!(
                "'{path}' declares {len} explored points in {chunks} chunks of 1 to {CHUNK_POINTS} points"
            ))
        })?;
    Ok(Some(Declared {
        pid,
        len,
        chunks,
        epoch: d.get(EPOCH).and_then(int_of),
    }))
}

/// What reading a set found.
#[derive(Debug, PartialEq)]
pub enum Loaded {
    /// Every committed point, in order.
    Points(Vec<Value>),
    /// Chunk `n` is not there (the set was replaced meanwhile, or damaged).
    Missing(usize),
}

/// Payloads by id, as the bucket returns them.
pub type Fetch<'a> = &'a dyn Fn(&[ObjectId]) -> Result<HashMap<ObjectId, Vec<u8>>>;

/// Reads a set from its chunk documents in order, checking each against the
/// node's declaration before taking its points: numbers without gaps, the
/// set's id, a start where the previous chunk ended, a count of 1 to
/// [`CHUNK_POINTS`] equal to the points present, and the declared length met
/// exactly by the last chunk. Nothing is allocated for points that are not present.
pub struct Reader<'a> {
    path: &'a str,
    decl: &'a Declared,
    next: usize,
    total: usize,
    out: Vec<Value>,
}

impl<'a> Reader<'a> {
    /// A reader of the set `decl` of `path`.
    pub fn new(path: &'a str, decl: &'a Declared) -> Self {
        Reader {
            path,
            decl,
            next: 0,
            total: 0,
            out: Vec::new(),
        }
    }

    fn bad(&self, what: impl std::fmt::Display) -> PetError {
        corrupt(format!(
            "'{}': point chunk {} of {} ({ID} {}) {what}; the store is damaged",
            self.path, self.next, self.decl.chunks, self.decl.pid
        ))
    }

    /// Takes the next chunk document; false when it is not the next chunk
    /// (chunk [`Reader::next`] is missing), which ends the reading.
    pub fn feed(&mut self, c: &Document, fetch: Fetch<'_>) -> Result<bool> {
        if self.next >= self.decl.chunks {
            return Err(self.bad("is one more than the node declares"));
        }
        let int = |k: &str| c.get(k).and_then(int_of);
        let n = int("n").ok_or_else(|| self.bad("has no number"))?;
        if n != self.next as i64 {
            if n > self.next as i64 {
                return Ok(false);
            }
            return Err(self.bad(format!("is followed by a chunk numbered {n}")));
        }
        if c.get_object_id("pid") != Ok(self.decl.pid) {
            return Err(self.bad("belongs to another set"));
        }
        let start = int("start").ok_or_else(|| self.bad("has no start"))?;
        if start != self.total as i64 {
            return Err(self.bad(format!(
                "starts at point {start}, not {} where the chunk before ends",
                self.total
            )));
        }
        let count = int("count")
            .and_then(|k| usize::try_from(k).ok())
            .filter(|k| (1..=CHUNK_POINTS).contains(k))
            .ok_or_else(|| {
                self.bad(format!(
                    "declares {} points, not 1 to {CHUNK_POINTS}",
                    c.get("count").map_or("no".to_string(), |b| b.to_string())
                ))
            })?;
        let points = c
            .get_array("points")
            .map_err(|_| self.bad("has no points array"))?;
        if points.len() != count {
            return Err(self.bad(format!(
                "declares {count} points but holds {}",
                points.len()
            )));
        }
        let left = self.decl.len - self.total;
        let take = if self.next + 1 == self.decl.chunks {
            if count < left {
                return Err(corrupt(format!(
                    "'{}' declares {} explored points, but its {} point chunks hold {}; the store is damaged",
                    self.path,
                    self.decl.len,
                    self.decl.chunks,
                    self.total + count
                )));
            }
            left
        } else {
            if count >= left {
                return Err(corrupt(format!(
                    "'{}' declares {} explored points in {} chunks, but its first {} chunks hold {} already; the store is damaged",
                    self.path,
                    self.decl.len,
                    self.decl.chunks,
                    self.next + 1,
                    self.total + count
                )));
            }
            count
        };
        let taken = &points[..take];
        let mut docs = Vec::with_capacity(take);
        let mut ids = Vec::new();
        for p in taken {
            let Bson::Document(d) = p else {
                return Err(self.bad(format!("holds {p}, not a value document")));
            };
            ids.extend(value::blob_of(d));
            docs.push(d);
        }
        let payloads = if ids.is_empty() {
            HashMap::new()
        } else {
            fetch(&ids)?
        };
        let get = |id: ObjectId| {
            payloads.get(&id).cloned().ok_or_else(|| {
                corrupt(format!(
                    "'{}': payload {id} of a point is missing; the store is damaged",
                    self.path
                ))
            })
        };
        self.out.reserve(take);
        for d in docs {
            self.out.push(value::decode(d, &get)?);
        }
        self.total += take;
        self.next += 1;
        Ok(true)
    }

    /// The points, or the first chunk that was not there.
    pub fn finish(self) -> Loaded {
        if self.next < self.decl.chunks {
            Loaded::Missing(self.next)
        } else {
            Loaded::Points(self.out)
        }
    }
}

/// The error of a chunk that is missing from a set whose node still names it.
pub fn missing(path: &str, decl: &Declared, n: usize) -> PetError {
    corrupt(format!(
        "'{path}': point chunk {n} of {} ({ID} {}) is missing from the points collection; the store is damaged",
        decl.chunks, decl.pid
    ))
}

/// The chunk an append fills first: the last chunk holding committed points.
#[derive(Clone, Copy, Debug)]
pub struct Tail {
    /// Its number.
    pub n: usize,
    /// Its first point.
    pub start: usize,
    /// The points it holds (committed ones, then what a failed append left).
    pub count: usize,
    /// Bytes its points take (an upper bound once a failed append's points were cut).
    pub bytes: usize,
}

impl Tail {
    /// The committed points of the set it ends, in it.
    pub fn committed(&self, decl: &Declared) -> usize {
        decl.len - self.start
    }
}

/// The tail of `decl` from its chunk document (without its points), checked.
pub fn tail_from(c: &Document, path: &str, decl: &Declared) -> Result<Tail> {
    let n = decl.chunks.saturating_sub(1);
    let bad = |what: &str| {
        corrupt(format!(
            "'{path}': its last point chunk {n} ({ID} {}) {what}; the store is damaged",
            decl.pid
        ))
    };
    let int = |k: &str| {
        c.get(k)
            .and_then(int_of)
            .and_then(|i| usize::try_from(i).ok())
    };
    let start = int("start").ok_or_else(|| bad("has no start"))?;
    let count = int("count")
        .filter(|k| (1..=CHUNK_POINTS).contains(k))
        .ok_or_else(|| bad("has no count of 1 to 4096"))?;
    let bytes = int("bytes").ok_or_else(|| bad("has no byte count"))?;
    let t = Tail {
        n,
        start,
        count,
        bytes,
    };
    if start >= decl.len || t.committed(decl) > count {
        return Err(bad(&format!(
            "holds points {start}..{}, which does not end the {} points the node declares",
            start + count,
            decl.len
        )));
    }
    Ok(t)
}

/// The `points` collection of a database.
#[derive(Clone)]
pub struct PointSets {
    /// The chunk documents.
    pub coll: Collection<Document>,
    meta: Collection<Document>,
    ready: Arc<AtomicBool>,
}

fn index(keys: Document, name: &str, unique: bool) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_string())
                .unique(unique)
                .build(),
        )
        .build()
}

impl PointSets {
    /// The collection in `db`.
    pub fn new(db: &Database) -> Self {
        PointSets {
            coll: db.collection("points"),
            meta: db.collection("pet_meta"),
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Makes the store ready for sets, once per handle: the unique index on
    /// `(pid, n)` (which makes two appends that add the same chunk collide),
    /// the index on `(pid, n, epoch)` that guarded chunk writes use (a
    /// planner that takes only an index covering a whole filter, as the test
    /// server's does, would scan the collection), the index on
    /// `metadata.traj`, and a schema version of at least
    /// [`SETS_SCHEMA_VERSION`], so older pets, which would read a parameter
    /// with a set as not explored, refuse the store instead.
    pub fn ensure(&self, ctx: &ErrCtx) -> Result<()> {
        if self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        self.coll
            .create_index(index(doc! { "pid": 1, "n": 1 }, "pid_n", true))
            .run()
            .map_err(|e| ctx.map(e))?;
        self.coll
            .create_index(index(
                doc! { "pid": 1, "n": 1, "epoch": 1 },
                "pid_n_epoch",
                false,
            ))
            .run()
            .map_err(|e| ctx.map(e))?;
        self.coll
            .create_index(index(doc! { "metadata.traj": 1 }, "metadata_traj", false))
            .run()
            .map_err(|e| ctx.map(e))?;
        self.meta
            .update_one(
                doc! { "_id": "format" },
                doc! { "$max": { "schema_version": SETS_SCHEMA_VERSION } },
            )
            .run()
            .map_err(|e| ctx.map(e))?;
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Inserts the chunks of new sets (their payloads are in the bucket already).
    pub fn insert(&self, ctx: &ErrCtx, sets: &[&PointSet]) -> Result<()> {
        if sets.is_empty() {
            return Ok(());
        }
        self.ensure(ctx)?;
        if sets.iter().all(|s| s.chunks.is_empty()) {
            return Ok(());
        }
        self.coll
            .clone_with_type::<RawDocumentBuf>()
            .insert_many(sets.iter().flat_map(|s| s.chunks.iter()))
            .run()
            .map(|_| ())
            .map_err(|e| ctx.map(e))
    }

    /// Deletes the chunks matching `filter`; returns the payload ids they referred to.
    pub fn delete_where(&self, ctx: &ErrCtx, filter: Document) -> Result<Vec<ObjectId>> {
        let mut blobs = Vec::new();
        for c in self
            .coll
            .find(filter.clone())
            .projection(doc! { "blobs": 1 })
            .run()
            .map_err(|e| ctx.map(e))?
        {
            let c = c.map_err(|e| ctx.map(e))?;
            if let Ok(a) = c.get_array("blobs") {
                blobs.extend(a.iter().filter_map(Bson::as_object_id));
            }
        }
        self.coll
            .delete_many(filter)
            .run()
            .map_err(|e| ctx.map(e))?;
        Ok(blobs)
    }

    /// Deletes the sets among `ids` (other ids are ignored); returns the
    /// payload ids their chunks referred to.
    pub fn delete(&self, ctx: &ErrCtx, ids: &[ObjectId]) -> Result<Vec<ObjectId>> {
        let mut blobs = Vec::new();
        for part in ids.chunks(10_000) {
            let list: Vec<Bson> = part.iter().map(|i| Bson::ObjectId(*i)).collect();
            blobs.extend(self.delete_where(ctx, doc! { "pid": { "$in": list } })?);
        }
        Ok(blobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(d: &Declared, chunks: &[Document]) -> Result<Loaded> {
        let mut r = Reader::new("parameters.x", d);
        let none = |_: &[ObjectId]| -> Result<HashMap<ObjectId, Vec<u8>>> { Ok(HashMap::new()) };
        for c in chunks {
            if !r.feed(c, &none)? {
                break;
            }
        }
        Ok(r.finish())
    }

    fn docs(s: &PointSet) -> Vec<Document> {
        s.chunks.iter().map(|c| c.to_document().unwrap()).collect()
    }

    fn set(values: &[Value]) -> (Declared, Vec<Document>) {
        let (fields, _, s) = encode_set("t", "parameters.x", values, usize::MAX).unwrap();
        let mut d = doc! { "path": "parameters.x" };
        d.extend(fields);
        (declared(&d, "parameters.x").unwrap().unwrap(), docs(&s))
    }

    #[test]
    fn sets_round_trip_in_full_chunks() {
        let values: Vec<Value> = (0..10_000i64).map(Value::from).collect();
        let (d, chunks) = set(&values);
        assert_eq!((d.len, d.chunks, chunks.len()), (10_000, 3, 3));
        assert_eq!(chunks[2].get_i64("count").unwrap(), 10_000 - 2 * 4096);
        assert_eq!(read(&d, &chunks).unwrap(), Loaded::Points(values));
        assert_eq!(read(&d, &chunks[..2]).unwrap(), Loaded::Missing(2));
        assert_eq!(
            read(&d, &[chunks[0].clone(), chunks[2].clone()]).unwrap(),
            Loaded::Missing(1)
        );
    }

    #[test]
    fn points_beyond_the_declared_length_are_not_read() {
        let values: Vec<Value> = (0..5000i64).map(Value::from).collect();
        let (mut d, chunks) = set(&values);
        d.len = 4100;
        assert_eq!(
            read(&d, &chunks).unwrap(),
            Loaded::Points(values[..4100].to_vec())
        );
    }

    #[test]
    fn forged_chunks_are_refused() {
        let values: Vec<Value> = (0..5000i64).map(Value::from).collect();
        let (d, chunks) = set(&values);
        let forged = |k: usize, f: &dyn Fn(&mut Document)| {
            let mut c = chunks.clone();
            f(&mut c[k]);
            read(&d, &c).unwrap_err().to_string()
        };
        let e = forged(1, &|c| {
            c.insert("count", 7i64);
        });
        assert!(
            e.contains("'parameters.x'") && e.contains("declares 7 points but holds"),
            "{e}"
        );
        let e = forged(0, &|c| {
            c.insert("count", 100_000i64);
        });
        assert!(e.contains("not 1 to 4096"), "{e}");
        let e = forged(1, &|c| {
            c.insert("start", 3i64);
        });
        assert!(e.contains("starts at point 3"), "{e}");
        let e = forged(1, &|c| {
            c.insert("pid", ObjectId::new());
        });
        assert!(e.contains("another set"), "{e}");
        let e = forged(0, &|c| {
            c.insert("points", vec![Bson::Int32(1); 4096]);
        });
        assert!(e.contains("not a value document"), "{e}");
        let long = Declared {
            len: 9000,
            ..d.clone()
        };
        let e = read(&long, &chunks).unwrap_err().to_string();
        assert!(
            e.contains("declares 9000 explored points, but its 2 point chunks hold 5000"),
            "{e}"
        );
        let short = Declared {
            chunks: 1,
            len: 4000,
            ..d.clone()
        };
        assert!(read(&short, &chunks).is_err());
        let e = read(
            &Declared {
                len: 10,
                ..d.clone()
            },
            &chunks,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("first 1 chunks hold 4096 already"), "{e}");
    }

    #[test]
    fn declarations_are_checked_before_anything_is_read() {
        let bad = |len: i64, chunks: i64| {
            let d = doc! { ID: ObjectId::new(), LEN: len, CHUNKS: chunks };
            declared(&d, "parameters.x").unwrap_err().to_string()
        };
        assert!(bad(i64::MAX, 1 << 40).contains("at most 4294967295"));
        assert!(bad(-1, 1).contains("-1 explored points"));
        assert!(bad(10_000, 2).contains("in 2 chunks"));
        assert!(bad(3, 4).contains("in 4 chunks"));
        assert!(bad(0, 1).contains("in 1 chunks"));
        let d = doc! { ID: "x", LEN: 1i64, CHUNKS: 1i64 };
        assert!(declared(&d, "p").is_err());
        assert_eq!(declared(&doc! {}, "p").unwrap(), None);
    }

    #[test]
    fn large_points_leave_the_chunk_and_chunks_stay_small() {
        let big = Value::from(ndarray::Array1::from_elem(600_000, 1.0f64));
        let values = vec![
            big.clone(),
            big.clone(),
            Value::from(ndarray::Array1::from_elem(10, 2.0f64)),
        ];
        let (fields, _, s) = encode_set("t", "parameters.w", &values, 8 * 1024 * 1024).unwrap();
        assert_eq!(fields.get_i64(CHUNKS).unwrap(), 1);
        assert_eq!(s.blobs.len(), 2);
        assert_eq!(docs(&s)[0].get_array("blobs").unwrap().len(), 2);
        assert!(s.chunks[0].as_bytes().len() < 64 * 1024);
        // Below inline_max but together above CHUNK_BYTES: one chunk each.
        let mid = Value::from(ndarray::Array1::from_elem(200_000, 1.0f64));
        let (fields, _, s) =
            encode_set("t", "parameters.w", &vec![mid; 3], 8 * 1024 * 1024).unwrap();
        assert_eq!(fields.get_i64(CHUNKS).unwrap(), 2);
        assert!(s.blobs.is_empty());
        let huge = Value::from("x".repeat(DOC_BUDGET));
        assert!(encode_set("t", "parameters.s", &[huge], usize::MAX).is_err());
    }
}
