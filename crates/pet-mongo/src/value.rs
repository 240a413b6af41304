//! Conversion between pet values and typed BSON value documents
//! (`{kind, dtype, shape, unit, value | data | blob}`), on top of `pet_core::codec`.

use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{doc, oid::ObjectId, Binary, Bson, Document};
use num_complex::{Complex32, Complex64};

use pet_core::codec::{self, Encoded};
use pet_core::{DType, Kind, PetError, Result, Scalar, Value};

use crate::points::PointSet;

/// A payload that leaves a node document.
#[derive(Debug)]
pub enum Payload {
    /// Bytes, stored as a file of the GridFS bucket.
    Bytes(Vec<u8>),
    /// An explored parameter's points, stored as a point set (`points`).
    Points(PointSet),
}

/// Payloads that are too big to stay inside a node document, gathered while
/// encoding: array bytes above the limit, and the points of explored parameters.
#[derive(Default)]
pub struct Spill {
    /// Payloads larger than this many bytes leave the document (`usize::MAX`: never).
    pub inline_max: usize,
    /// `(id, payload)` of every payload that left the document.
    pub blobs: Vec<(ObjectId, Payload)>,
    /// Explored points stay in the node document's `points` array (the
    /// layout of schema version 1) instead of going to a point set.
    pub inline_points: bool,
}

impl Spill {
    /// A spill that moves payloads above `inline_max` bytes, and explored
    /// points, out of the document.
    pub fn new(inline_max: usize) -> Self {
        Spill {
            inline_max,
            blobs: Vec::new(),
            inline_points: false,
        }
    }

    /// A spill that keeps everything inside the document.
    pub fn inline() -> Self {
        Spill {
            inline_max: usize::MAX,
            blobs: Vec::new(),
            inline_points: true,
        }
    }

    fn place(&mut self, out: &mut Document, bytes: Vec<u8>) {
        if bytes.len() > self.inline_max {
            let id = ObjectId::new();
            out.insert("nbytes", bytes.len() as i64);
            out.insert("blob", id);
            self.blobs.push((id, Payload::Bytes(bytes)));
        } else {
            out.insert("data", binary(bytes));
        }
    }

    /// The byte payloads, with the byte payloads of point sets.
    pub fn into_bytes(self) -> Vec<(ObjectId, Vec<u8>)> {
        let mut out = Vec::new();
        for (id, p) in self.blobs {
            match p {
                Payload::Bytes(b) => out.push((id, b)),
                Payload::Points(s) => out.extend(s.blobs),
            }
        }
        out
    }
}

/// BSON generic binary.
pub fn binary(bytes: Vec<u8>) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Generic,
        bytes,
    })
}

pub(crate) fn corrupt(msg: impl Into<String>) -> PetError {
    PetError::corrupt(msg)
}

fn scalar_bson(s: &Scalar, out: &mut Document) {
    let v = match *s {
        Scalar::Bool(b) => Bson::Boolean(b),
        Scalar::I8(x) => Bson::Int32(x.into()),
        Scalar::I16(x) => Bson::Int32(x.into()),
        Scalar::I32(x) => Bson::Int32(x),
        Scalar::I64(x) => Bson::Int64(x),
        Scalar::U8(x) => Bson::Int32(x.into()),
        Scalar::U16(x) => Bson::Int32(x.into()),
        Scalar::U32(x) => Bson::Int64(x.into()),
        Scalar::U64(x) => match i64::try_from(x) {
            Ok(i) => Bson::Int64(i),
            Err(_) => {
                out.insert("data", binary(s.to_le_bytes()));
                return;
            }
        },
        Scalar::F32(x) => Bson::Double(x.into()),
        Scalar::F64(x) => Bson::Double(x),
        Scalar::C64(c) => Bson::Array(vec![Bson::Double(c.re.into()), Bson::Double(c.im.into())]),
        Scalar::C128(c) => Bson::Array(vec![Bson::Double(c.re), Bson::Double(c.im)]),
        Scalar::Str(ref t) => Bson::String(t.clone()),
    };
    out.insert("value", v);
}

/// An integer stored as int32 or int64.
pub(crate) fn int_of(b: &Bson) -> Option<i64> {
    match *b {
        Bson::Int32(i) => Some(i.into()),
        Bson::Int64(i) => Some(i),
        _ => None,
    }
}

fn pair_of(b: &Bson) -> Option<(f64, f64)> {
    match b {
        Bson::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
            (Bson::Double(re), Bson::Double(im)) => Some((*re, *im)),
            _ => None,
        },
        _ => None,
    }
}

fn scalar_from(dtype: DType, d: &Document) -> Result<Scalar> {
    if let Ok(bytes) = d.get_binary_generic("data") {
        return Scalar::from_le_bytes(dtype, bytes);
    }
    let v = d
        .get("value")
        .ok_or_else(|| corrupt(format!("a {dtype} scalar has no value")))?;
    let bad = || corrupt(format!("a {dtype} scalar cannot be read from {v}"));
    let int = || int_of(v).ok_or_else(bad);
    let range = |_| corrupt(format!("stored integer out of range for {dtype}"));
    Ok(match dtype {
        DType::Bool => Scalar::Bool(v.as_bool().ok_or_else(bad)?),
        DType::I8 => Scalar::I8(i8::try_from(int()?).map_err(range)?),
        DType::I16 => Scalar::I16(i16::try_from(int()?).map_err(range)?),
        DType::I32 => Scalar::I32(i32::try_from(int()?).map_err(range)?),
        DType::I64 => Scalar::I64(int()?),
        DType::U8 => Scalar::U8(u8::try_from(int()?).map_err(range)?),
        DType::U16 => Scalar::U16(u16::try_from(int()?).map_err(range)?),
        DType::U32 => Scalar::U32(u32::try_from(int()?).map_err(range)?),
        DType::U64 => Scalar::U64(u64::try_from(int()?).map_err(range)?),
        DType::F32 => Scalar::F32(v.as_f64().ok_or_else(bad)? as f32),
        DType::F64 => Scalar::F64(v.as_f64().ok_or_else(bad)?),
        DType::C64 => {
            let (re, im) = pair_of(v).ok_or_else(bad)?;
            Scalar::C64(Complex32::new(re as f32, im as f32))
        }
        DType::C128 => {
            let (re, im) = pair_of(v).ok_or_else(bad)?;
            Scalar::C128(Complex64::new(re, im))
        }
        DType::Str => Scalar::Str(v.as_str().ok_or_else(bad)?.to_string()),
    })
}

/// Encodes a value as a typed BSON document; large payloads go to `spill`.
pub fn encode(v: &Value, spill: &mut Spill) -> Result<Document> {
    let e = codec::encode(v)?;
    let mut out = doc! { "kind": e.kind.name() };
    if let Some(d) = e.dtype {
        out.insert("dtype", d.name());
    }
    if let Some(shape) = &e.shape {
        let dims: Vec<Bson> = shape.iter().map(|&n| Bson::Int64(n as i64)).collect();
        out.insert("shape", dims);
    }
    if let Some(u) = &e.unit {
        out.insert("unit", u.as_str());
    }
    if let Some(s) = &e.scalar {
        scalar_bson(s, &mut out);
    }
    if let Some(b) = e.blob {
        spill.place(&mut out, b);
    }
    Ok(out)
}

/// The id of the out-of-document payload a typed value refers to, if any.
pub fn blob_of(d: &Document) -> Option<ObjectId> {
    d.get_object_id("blob").ok()
}

/// Decodes a typed BSON document; `fetch` returns out-of-document payloads by id.
pub fn decode(d: &Document, fetch: &dyn Fn(ObjectId) -> Result<Vec<u8>>) -> Result<Value> {
    let kind_name = d
        .get_str("kind")
        .map_err(|_| corrupt("a stored value has no kind"))?;
    let kind =
        Kind::from_name(kind_name).ok_or_else(|| corrupt(format!("unknown kind '{kind_name}'")))?;
    let dtype = match d.get_str("dtype") {
        Ok(n) => Some(DType::from_name(n).ok_or_else(|| corrupt(format!("unknown dtype '{n}'")))?),
        Err(_) => None,
    };
    let shape = match d.get_array("shape") {
        Ok(a) => Some(
            a.iter()
                .map(|b| {
                    int_of(b)
                        .and_then(|i| usize::try_from(i).ok())
                        .ok_or_else(|| corrupt(format!("bad shape entry {b}")))
                })
                .collect::<Result<Vec<usize>>>()?,
        ),
        Err(_) => None,
    };
    let unit = d.get_str("unit").ok().map(str::to_string);
    let scalar_like = shape.is_none() && matches!(kind, Kind::Scalar | Kind::Quantity);
    let (scalar, blob) = match dtype {
        Some(t) if scalar_like => (Some(scalar_from(t, d)?), None),
        _ => {
            let bytes = match (d.get_binary_generic("data"), blob_of(d)) {
                (Ok(b), _) => Some(b.clone()),
                (Err(_), Some(id)) => {
                    let bytes = fetch(id)?;
                    let want = d.get_i64("nbytes").unwrap_or(-1);
                    if want != bytes.len() as i64 {
                        return Err(corrupt(format!(
                            "payload {id} has {} bytes, expected {want}; the store is damaged",
                            bytes.len()
                        )));
                    }
                    Some(bytes)
                }
                _ => None,
            };
            (None, bytes)
        }
    };
    codec::decode(&Encoded {
        kind,
        dtype,
        shape,
        unit,
        scalar,
        blob,
    })
}
