//! The operations a journal records: one per mutating store call, replayed in
//! order after a crash (every operation is an idempotent upsert or removal).
//! Numeric arrays travel as CBOR byte strings of their little-endian elements,
//! so journalling a 1 MB array costs a copy, not a million CBOR items.

use std::fmt;

use pet_core::storage::PointAppend;
use pet_core::value::{Array, DType};
use pet_core::{
    Annotations, LeafData, Node, NodeKind, NodeRecord, Result, RunInfo, RunRecord, TrajectoryInfo,
    Value,
};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Arrays with at least this many elements are journalled as raw bytes.
const RAW_MIN: usize = 64;

/// One store call, borrowed (what the live path applies).
pub enum OpRef<'a> {
    /// `Store::create`.
    Create(&'a TrajectoryInfo),
    /// `Store::remove_trajectory`.
    Remove(&'a str),
    /// `Store::write_nodes`.
    Nodes(&'a str, &'a [NodeRecord]),
    /// `Store::write_runs`.
    Runs(&'a str, &'a [RunInfo]),
    /// `Store::store_runs`.
    StoreRuns(&'a str, &'a [RunRecord]),
    /// `Store::delete`.
    Delete(&'a str, &'a str),
    /// `Store::append_points`.
    Points(&'a str, &'a [PointAppend<'a>]),
}

/// One store call as the journal holds it.
#[derive(Debug, Serialize, Deserialize)]
pub enum Op {
    /// `Store::create`.
    Create(TrajectoryInfo),
    /// `Store::remove_trajectory`.
    Remove(String),
    /// `Store::write_nodes`.
    Nodes(String, Vec<JNode>),
    /// `Store::write_runs`.
    Runs(String, Vec<RunInfo>),
    /// `Store::store_runs`.
    StoreRuns(String, Vec<(RunInfo, Vec<JNode>)>),
    /// `Store::delete`.
    Delete(String, String),
    /// `Store::append_points`: replayed as "points from `start` on are these".
    Points(String, Vec<JPoints>),
    /// Several calls that are one change (all or none): a trajectory created
    /// with its nodes and runs, or a trajectory store.
    All(Vec<Op>),
}

/// New points of one explored parameter in the journal.
#[derive(Debug, Serialize, Deserialize)]
pub struct JPoints {
    path: String,
    start: usize,
    values: Vec<JValue>,
}

/// New points of one explored parameter, decoded from the journal.
pub struct OwnedPoints {
    /// The parameter.
    pub path: String,
    /// Index of the first new point.
    pub start: usize,
    /// The new points.
    pub values: Vec<Value>,
}

impl OwnedPoints {
    /// The append these points make.
    pub fn as_append(&self) -> PointAppend<'_> {
        PointAppend {
            path: &self.path,
            start: self.start,
            values: &self.values,
        }
    }
}

/// A byte string (CBOR major type 2).
#[derive(Debug)]
pub struct Bytes(Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string")
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<Bytes, E> {
        Ok(Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> std::result::Result<Bytes, E> {
        Ok(Bytes(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Bytes, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(Bytes(out))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Bytes, D::Error> {
        d.deserialize_byte_buf(BytesVisitor)
    }
}

/// A value in the journal.
#[derive(Debug, Serialize, Deserialize)]
pub enum JValue {
    /// Any value, as CBOR.
    Plain(Value),
    /// A numeric array as little-endian bytes.
    Raw(DType, Vec<usize>, Bytes),
}

/// Leaf data in the journal.
#[derive(Debug, Serialize, Deserialize)]
pub enum JData {
    /// A parameter-like leaf.
    Param(JValue, Option<Vec<JValue>>),
    /// A result.
    Result(Vec<(String, JValue)>),
}

/// A node record in the journal.
#[derive(Debug, Serialize, Deserialize)]
pub struct JNode {
    path: String,
    kind: NodeKind,
    comment: String,
    annotations: Annotations,
    data: Option<JData>,
}

fn jvalue(v: &Value) -> JValue {
    match v {
        Value::Array(a) if a.dtype() != DType::Str && a.len() >= RAW_MIN => match a.to_le_bytes() {
            Some(b) => JValue::Raw(a.dtype(), a.shape().to_vec(), Bytes(b)),
            None => JValue::Plain(v.clone()),
        },
        other => JValue::Plain(other.clone()),
    }
}

fn value(j: JValue) -> Result<Value> {
    match j {
        JValue::Plain(v) => Ok(v),
        JValue::Raw(dtype, shape, Bytes(b)) => {
            Ok(Value::from(Array::from_le_bytes(dtype, &shape, &b)?))
        }
    }
}

fn jnode(r: &NodeRecord) -> JNode {
    JNode {
        path: r.path.clone(),
        kind: r.node.kind.clone(),
        comment: r.node.comment.clone(),
        annotations: r.node.annotations.clone(),
        data: r.node.data.as_ref().map(|d| match d {
            LeafData::Param { value, explored } => JData::Param(
                jvalue(value),
                explored.as_ref().map(|e| e.iter().map(jvalue).collect()),
            ),
            LeafData::Result { items } => {
                JData::Result(items.iter().map(|(k, v)| (k.clone(), jvalue(v))).collect())
            }
        }),
    }
}

fn node(j: JNode) -> Result<NodeRecord> {
    let data = match j.data {
        None => None,
        Some(JData::Param(v, e)) => Some(LeafData::Param {
            value: value(v)?,
            explored: match e {
                Some(e) => Some(e.into_iter().map(value).collect::<Result<_>>()?),
                None => None,
            },
        }),
        Some(JData::Result(items)) => Some(LeafData::Result {
            items: items
                .into_iter()
                .map(|(k, v)| Ok((k, value(v)?)))
                .collect::<Result<_>>()?,
        }),
    };
    Ok(NodeRecord {
        path: j.path,
        node: Node {
            kind: j.kind,
            comment: j.comment,
            annotations: j.annotations,
            data,
        },
    })
}

fn jnodes(n: &[NodeRecord]) -> Vec<JNode> {
    n.iter().map(jnode).collect()
}

/// Owned records of a journalled call, ready to apply.
pub enum Owned {
    /// Node records.
    Nodes(Vec<NodeRecord>),
    /// Run records.
    Runs(Vec<RunRecord>),
    /// Appended points.
    Points(Vec<OwnedPoints>),
    /// Nothing to convert.
    None,
}

impl Op {
    /// The journal form of a call.
    pub fn of(op: &OpRef<'_>) -> Op {
        match *op {
            OpRef::Create(i) => Op::Create(i.clone()),
            OpRef::Remove(t) => Op::Remove(t.to_string()),
            OpRef::Nodes(t, n) => Op::Nodes(t.to_string(), jnodes(n)),
            OpRef::Runs(t, r) => Op::Runs(t.to_string(), r.to_vec()),
            OpRef::StoreRuns(t, r) => Op::StoreRuns(
                t.to_string(),
                r.iter()
                    .map(|r| (r.info.clone(), jnodes(&r.nodes)))
                    .collect(),
            ),
            OpRef::Delete(t, p) => Op::Delete(t.to_string(), p.to_string()),
            OpRef::Points(t, a) => Op::Points(
                t.to_string(),
                a.iter()
                    .map(|a| JPoints {
                        path: a.path.to_string(),
                        start: a.start,
                        values: a.values.iter().map(jvalue).collect(),
                    })
                    .collect(),
            ),
        }
    }

    /// Converts journalled nodes back into records.
    pub fn take_records(&mut self) -> Result<Owned> {
        Ok(match self {
            Op::Nodes(_, n) => Owned::Nodes(
                std::mem::take(n)
                    .into_iter()
                    .map(node)
                    .collect::<Result<_>>()?,
            ),
            Op::StoreRuns(_, r) => Owned::Runs(
                std::mem::take(r)
                    .into_iter()
                    .map(|(info, nodes)| {
                        Ok(RunRecord {
                            info,
                            nodes: nodes.into_iter().map(node).collect::<Result<_>>()?,
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
            Op::Points(_, a) => Owned::Points(
                std::mem::take(a)
                    .into_iter()
                    .map(|p| {
                        Ok(OwnedPoints {
                            path: p.path,
                            start: p.start,
                            values: p.values.into_iter().map(value).collect::<Result<_>>()?,
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
            _ => Owned::None,
        })
    }
}
