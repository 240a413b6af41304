//! One node document as BSON bytes, without a server, alone or with its
//! point set: what the fuzz campaign feeds through the same decoders that
//! read documents and point chunks from the database.

use mongodb::bson::{doc, oid::ObjectId, Bson, Document, RawDocument};
use pet_core::{NodeRecord, PetError, Result};

use crate::node;
use crate::points::{self, Loaded};
use crate::value::{corrupt, Payload, Spill};

/// The BSON bytes of the document a node is stored as, with every payload
/// inside the document (explored points in its `points` array, the layout
/// of schema version 1, which pet still reads).
pub fn encode_node(traj: &str, rec: &NodeRecord) -> Result<Vec<u8>> {
    let mut spill = Spill::inline();
    let d = node::to_doc(traj, rec, &mut spill)?;
    let mut out = Vec::new();
    d.to_writer(&mut out)
        .map_err(|e| corrupt(format!("cannot encode a document: {e}")))?;
    Ok(out)
}

/// Decodes and checks a node document from its BSON bytes; a document that
/// refers to an out-of-document payload or point set is refused (there is no
/// server to ask).
pub fn decode_node(bytes: &[u8]) -> Result<NodeRecord> {
    // The raw view checks every declared length against the bytes present
    // before anything is allocated (`Document::from_reader` allocates what the
    // length prefix claims, up to 2 GiB).
    let d = document(bytes)?;
    let rec = node::from_doc(&d, &no_payload, None)?;
    rec.validate()?;
    Ok(rec)
}

/// A BSON document from bytes, every declared length checked against the
/// bytes present before anything is allocated.
fn document(bytes: &[u8]) -> Result<Document> {
    let raw =
        RawDocument::from_bytes(bytes).map_err(|e| corrupt(format!("not a BSON document: {e}")))?;
    Document::try_from(raw).map_err(|e| corrupt(format!("not a BSON document: {e}")))
}

fn outside(id: &ObjectId) -> PetError {
    corrupt(format!(
        "payload {id} lives outside the document and no database was given"
    ))
}

fn no_payload(id: ObjectId) -> Result<Vec<u8>> {
    Err(outside(&id))
}

/// The BSON bytes of `{node: NODE, chunks: [CHUNK, ...]}`: the document a
/// node is stored as and the chunk documents of its point set (none for a
/// node without explored points), with payloads inside them where they fit.
pub fn encode_node_with_set(traj: &str, rec: &NodeRecord) -> Result<Vec<u8>> {
    let mut spill = Spill::new(usize::MAX);
    let node = node::to_doc(traj, rec, &mut spill)?;
    let chunks: Vec<Bson> = spill
        .blobs
        .into_iter()
        .filter_map(|(_, p)| match p {
            Payload::Points(set) => Some(set.chunks),
            Payload::Bytes(_) => None,
        })
        .flatten()
        .map(|c| c.to_document().map(Bson::Document))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| corrupt(format!("cannot encode a document: {e}")))?;
    let mut out = Vec::new();
    doc! { "node": node, "chunks": chunks }
        .to_writer(&mut out)
        .map_err(|e| corrupt(format!("cannot encode a document: {e}")))?;
    Ok(out)
}

/// Decodes and checks `{node, chunks}` (see [`encode_node_with_set`]) with
/// the checks a read from the database makes: the node's point set is read
/// from the chunks in order, each checked against the node before its points
/// are taken.
pub fn decode_node_with_set(bytes: &[u8]) -> Result<NodeRecord> {
    let d = document(bytes)?;
    let node = d
        .get_document("node")
        .map_err(|_| corrupt("no node document"))?;
    let chunks = d
        .get_array("chunks")
        .map_err(|_| corrupt("no chunks array"))?;
    let path = node
        .get_str("path")
        .map_err(|_| corrupt("a node document has no path"))?;
    let set = match points::declared(node, path)? {
        Some(decl) if node.contains_key("value") => {
            let mut reader = points::Reader::new(path, &decl);
            let none =
                |ids: &[ObjectId]| Err(ids.first().map_or_else(|| corrupt("no payload"), outside));
            for c in chunks {
                let Bson::Document(c) = c else {
                    return Err(corrupt(format!("a chunk is {c}, not a document")));
                };
                if !reader.feed(c, &none)? {
                    break;
                }
            }
            match reader.finish() {
                Loaded::Points(list) => Some(list),
                Loaded::Missing(n) => return Err(points::missing(path, &decl, n)),
            }
        }
        _ => None,
    };
    let rec = node::from_doc(node, &no_payload, set)?;
    rec.validate()?;
    Ok(rec)
}
