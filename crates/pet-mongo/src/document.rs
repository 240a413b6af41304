//! One node document as BSON bytes, without a server: what the fuzz campaign
//! feeds through the same decoder that reads documents from the database.

use mongodb::bson::{Document, RawDocument};
use pet_core::{NodeRecord, Result};

use crate::node;
use crate::value::{corrupt, Spill};

/// The BSON bytes of the document a node is stored as, with every payload
/// inside the document.
pub fn encode_node(traj: &str, rec: &NodeRecord) -> Result<Vec<u8>> {
    let mut spill = Spill::new(usize::MAX);
    let d = node::to_doc(traj, rec, &mut spill)?;
    let mut out = Vec::new();
    d.to_writer(&mut out)
        .map_err(|e| corrupt(format!("cannot encode a document: {e}")))?;
    Ok(out)
}

/// Decodes and checks a node document from its BSON bytes; a document that
/// refers to an out-of-document payload is refused (there is no server to ask).
pub fn decode_node(bytes: &[u8]) -> Result<NodeRecord> {
    // The raw view checks every declared length against the bytes present
    // before anything is allocated (`Document::from_reader` allocates what the
    // length prefix claims, up to 2 GiB).
    let raw =
        RawDocument::from_bytes(bytes).map_err(|e| corrupt(format!("not a BSON document: {e}")))?;
    let d = Document::try_from(raw).map_err(|e| corrupt(format!("not a BSON document: {e}")))?;
    let rec = node::from_doc(&d, &|id| {
        Err(corrupt(format!(
            "payload {id} lives outside the document and no database was given"
        )))
    })?;
    rec.validate()?;
    Ok(rec)
}
