//! Conversion between pet nodes and node documents of the `nodes` collection.

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};

use pet_core::{name, Annotations, LeafData, LeafRole, Node, NodeKind, NodeRecord, Result, Value};

use crate::points;
use crate::value::{self, corrupt, Payload, Spill};

/// Largest node document pet writes; MongoDB refuses documents above 16 MiB.
pub const DOC_BUDGET: usize = 15 * 1024 * 1024;

/// Fields that hold a leaf's data (left out of skeleton reads; a point set's
/// chunks are read only with the data).
pub const DATA_FIELDS: [&str; 3] = ["value", "points", "items"];

/// The run a path belongs to, as stored in the `run` field.
pub fn run_field(path: &str) -> Bson {
    match name::run_of_path(path) {
        Some(r) => Bson::Int64(r as i64),
        None => Bson::Null,
    }
}

/// Fields describing the node itself (everything but its data).
pub fn meta_fields(node: &Node) -> Result<Document> {
    let mut d = Document::new();
    match &node.kind {
        NodeKind::Group => {
            d.insert("kind", "group");
        }
        NodeKind::Leaf {
            role,
            type_info,
            explored,
        } => {
            d.insert("kind", "leaf");
            d.insert("role", role.name());
            d.insert("type_info", type_info.as_str());
            d.insert("explored", *explored);
        }
        NodeKind::Link { target } => {
            d.insert("kind", "link");
            d.insert("target", target.as_str());
        }
    }
    d.insert("comment", node.comment.as_str());
    d.insert("annotations", annotations_doc(&node.annotations)?);
    Ok(d)
}

fn annotations_doc(a: &Annotations) -> Result<Document> {
    let mut never = Spill::new(usize::MAX);
    let mut d = Document::new();
    for (k, v) in a {
        d.insert(k.as_str(), value::encode(v, &mut never)?);
    }
    Ok(d)
}

/// Data fields of the leaf at `path`; payloads above the spill's limit, and
/// explored points (as a point set, unless the spill keeps them inline), go
/// to `spill`.
pub fn data_fields(traj: &str, path: &str, data: &LeafData, spill: &mut Spill) -> Result<Document> {
    let mut d = Document::new();
    match data {
        LeafData::Param { value, explored } => {
            d.insert("value", value::encode(value, spill)?);
            match explored {
                Some(list) if spill.inline_points => {
                    let arr = list
                        .iter()
                        .map(|v| value::encode(v, spill).map(Bson::Document))
                        .collect::<Result<Vec<_>>>()?;
                    d.insert("points", arr);
                }
                Some(list) => {
                    let (fields, pid, set) =
                        points::encode_set(traj, path, list, spill.inline_max)?;
                    d.extend(fields);
                    spill.blobs.push((pid, Payload::Points(set)));
                }
                None => {}
            }
        }
        LeafData::Result { items } => {
            let mut it = Document::new();
            for (k, v) in items {
                it.insert(k.as_str(), value::encode(v, spill)?);
            }
            d.insert("items", it);
        }
    }
    Ok(d)
}

/// Bytes a document takes in BSON.
pub fn bson_size(d: &Document) -> usize {
    let mut buf = Vec::new();
    match d.to_writer(&mut buf) {
        Ok(()) => buf.len(),
        Err(_) => usize::MAX,
    }
}

/// A whole node document (without `_id` and `wid`), with data when the node carries it.
/// Data too large for one document is moved to `spill` (with a smaller limit if needed).
pub fn to_doc(traj: &str, rec: &NodeRecord, spill: &mut Spill) -> Result<Document> {
    let mut d = doc! { "traj": traj, "path": rec.path.as_str(), "run": run_field(&rec.path) };
    d.extend(meta_fields(&rec.node)?);
    if let (NodeKind::Leaf { .. }, Some(data)) = (&rec.node.kind, &rec.node.data) {
        let mark = spill.blobs.len();
        let mut fields = data_fields(traj, &rec.path, data, spill)?;
        if bson_size(&d) + bson_size(&fields) > DOC_BUDGET {
            spill.blobs.truncate(mark);
            let mut small = Spill::new(1024);
            small.inline_points = spill.inline_points;
            fields = data_fields(traj, &rec.path, data, &mut small)?;
            spill.blobs.append(&mut small.blobs);
            if bson_size(&d) + bson_size(&fields) > DOC_BUDGET {
                return Err(pet_core::PetError::invalid(format!(
                    "'{}' does not fit in one MongoDB document (16 MiB) even with its arrays moved out; split it into several results",
                    rec.path
                )));
            }
        }
        let blobs: Vec<Bson> = spill.blobs[mark..]
            .iter()
            .map(|(id, _)| Bson::ObjectId(*id))
            .collect();
        d.extend(fields);
        d.insert("blobs", blobs);
    }
    Ok(d)
}

/// Payload ids a node document refers to: its GridFS files and its point set.
pub fn blobs_of(d: &Document) -> Vec<ObjectId> {
    d.get_array("blobs")
        .map(|a| a.iter().filter_map(Bson::as_object_id).collect())
        .unwrap_or_default()
}

fn kind_from(d: &Document) -> Result<NodeKind> {
    let s = |k: &str| d.get_str(k).ok();
    Ok(match s("kind").unwrap_or("") {
        "group" => NodeKind::Group,
        "leaf" => {
            let r = s("role").unwrap_or("");
            NodeKind::Leaf {
                role: LeafRole::from_name(r)
                    .ok_or_else(|| corrupt(format!("unknown role '{r}'")))?,
                type_info: s("type_info").unwrap_or("").to_string(),
                explored: d.get_bool("explored").unwrap_or(false),
            }
        }
        "link" => NodeKind::Link {
            target: s("target")
                .ok_or_else(|| corrupt("link without target"))?
                .to_string(),
        },
        other => return Err(corrupt(format!("unknown node kind '{other}'"))),
    })
}

fn data_from(
    role: LeafRole,
    d: &Document,
    fetch: &dyn Fn(ObjectId) -> Result<Vec<u8>>,
    set: Option<Vec<Value>>,
) -> Result<Option<LeafData>> {
    let sub = |b: &Bson| -> Result<Value> {
        match b {
            Bson::Document(x) => value::decode(x, fetch),
            other => Err(corrupt(format!(
                "a stored value is {other}, not a document"
            ))),
        }
    };
    if role.is_param_like() {
        let Some(v) = d.get("value") else {
            return Ok(None);
        };
        let explored = match (d.get_array("points"), set) {
            (Ok(a), _) => Some(a.iter().map(sub).collect::<Result<Vec<_>>>()?),
            (Err(_), Some(list)) => Some(list),
            (Err(_), None) if d.contains_key(points::ID) => {
                return Err(corrupt(format!(
                    "'{}': its explored points live in the points collection, which was not read",
                    d.get_str("path").unwrap_or("?")
                )))
            }
            (Err(_), None) => None,
        };
        Ok(Some(LeafData::Param {
            value: sub(v)?,
            explored,
        }))
    } else {
        let Ok(items) = d.get_document("items") else {
            return Ok(None);
        };
        let mut out = pet_core::Items::new();
        for (k, v) in items {
            out.insert(k.clone(), sub(v)?);
        }
        if out.is_empty() {
            return Err(corrupt("a stored result has no items"));
        }
        Ok(Some(LeafData::Result { items: out }))
    }
}

/// Rebuilds a node record; data is read when the document holds it, and
/// `set` holds the points of its point set when it has one and data was read.
pub fn from_doc(
    d: &Document,
    fetch: &dyn Fn(ObjectId) -> Result<Vec<u8>>,
    set: Option<Vec<Value>>,
) -> Result<NodeRecord> {
    let path = d
        .get_str("path")
        .map_err(|_| corrupt("a node document has no path"))?
        .to_string();
    let kind = kind_from(d)?;
    let mut annotations = Annotations::new();
    if let Ok(a) = d.get_document("annotations") {
        for (k, v) in a {
            let Bson::Document(vd) = v else {
                return Err(corrupt(format!(
                    "annotation '{k}' of '{path}' is not a value"
                )));
            };
            annotations.insert(k.clone(), value::decode(vd, fetch)?);
        }
    }
    let data = match &kind {
        NodeKind::Leaf { role, .. } => data_from(*role, d, fetch, set)?,
        _ => None,
    };
    Ok(NodeRecord {
        node: Node {
            kind,
            comment: d.get_str("comment").unwrap_or("").to_string(),
            annotations,
            data,
        },
        path,
    })
}
