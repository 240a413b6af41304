//! Conversions between pet values/nodes/runs and SQLite rows.
//!
//! Scalars go into the dynamically typed `value` column as native INTEGER, REAL
//! or TEXT, so `sqlite3`/pandas read them directly; values SQLite cannot hold
//! exactly (NaN, complex, u64 above i64::MAX) go into `data` as little-endian bytes.

use rusqlite::types::Value as Sql;

use pet_core::codec::{self, Encoded};
use pet_core::{Annotations, DType, Kind, LeafRole, NodeKind, PetError, Result, Scalar, Value};

fn corrupt(msg: impl Into<String>) -> PetError {
    PetError::corrupt(msg)
}

/// The columns of one `items` row that describe and hold a value.
pub struct ItemRow {
    /// `kind` column.
    pub kind: String,
    /// `dtype` column.
    pub dtype: Option<String>,
    /// `shape` column, like `[2,3]`.
    pub shape: Option<String>,
    /// `unit` column.
    pub unit: Option<String>,
    /// `value` column (native scalar).
    pub value: Sql,
    /// `data` column.
    pub data: Option<Vec<u8>>,
}

/// True when SQLite's REAL keeps `x` exactly (it turns NaN into NULL and -0.0 into 0.0).
fn fits_real(x: f64) -> bool {
    !(x.is_nan() || (x == 0.0 && x.is_sign_negative()))
}

fn scalar_to_sql(s: &Scalar) -> (Sql, Option<Vec<u8>>) {
    match *s {
        Scalar::Bool(b) => (Sql::Integer(i64::from(b)), None),
        Scalar::I8(x) => (Sql::Integer(x.into()), None),
        Scalar::I16(x) => (Sql::Integer(x.into()), None),
        Scalar::I32(x) => (Sql::Integer(x.into()), None),
        Scalar::I64(x) => (Sql::Integer(x), None),
        Scalar::U8(x) => (Sql::Integer(x.into()), None),
        Scalar::U16(x) => (Sql::Integer(x.into()), None),
        Scalar::U32(x) => (Sql::Integer(x.into()), None),
        Scalar::U64(x) => match i64::try_from(x) {
            Ok(i) => (Sql::Integer(i), None),
            Err(_) => (Sql::Null, Some(s.to_le_bytes())),
        },
        Scalar::F32(x) if fits_real(x.into()) => (Sql::Real(x.into()), None),
        Scalar::F64(x) if fits_real(x) => (Sql::Real(x), None),
        Scalar::Str(ref t) => (Sql::Text(t.clone()), None),
        _ => (Sql::Null, Some(s.to_le_bytes())),
    }
}

/// A scalar of `dtype` from its `value` column (or its `data` bytes).
pub fn scalar_from_sql(dtype: DType, value: Sql, data: Option<Vec<u8>>) -> Result<Scalar> {
    if let Some(d) = data {
        return Scalar::from_le_bytes(dtype, &d);
    }
    let range = |_| corrupt(format!("stored integer out of range for {dtype}"));
    Ok(match (dtype, value) {
        (DType::Bool, Sql::Integer(i)) => Scalar::Bool(i != 0),
        (DType::I8, Sql::Integer(i)) => Scalar::I8(i8::try_from(i).map_err(range)?),
        (DType::I16, Sql::Integer(i)) => Scalar::I16(i16::try_from(i).map_err(range)?),
        (DType::I32, Sql::Integer(i)) => Scalar::I32(i32::try_from(i).map_err(range)?),
        (DType::I64, Sql::Integer(i)) => Scalar::I64(i),
        (DType::U8, Sql::Integer(i)) => Scalar::U8(u8::try_from(i).map_err(range)?),
        (DType::U16, Sql::Integer(i)) => Scalar::U16(u16::try_from(i).map_err(range)?),
        (DType::U32, Sql::Integer(i)) => Scalar::U32(u32::try_from(i).map_err(range)?),
        (DType::U64, Sql::Integer(i)) => Scalar::U64(u64::try_from(i).map_err(range)?),
        (DType::F32, Sql::Real(f)) => Scalar::F32(f as f32),
        (DType::F64, Sql::Real(f)) => Scalar::F64(f),
        (DType::F32, Sql::Integer(i)) => Scalar::F32(i as f32),
        (DType::F64, Sql::Integer(i)) => Scalar::F64(i as f64),
        (DType::Str, Sql::Text(t)) => Scalar::Str(t),
        (d, v) => return Err(corrupt(format!("a {d} scalar cannot be read from {v:?}"))),
    })
}

fn shape_text(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", parts.join(","))
}

fn parse_shape(s: &str) -> Result<Vec<usize>> {
    let inner = s
        .trim()
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .ok_or_else(|| corrupt(format!("bad shape '{s}'")))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().map_err(|_| corrupt(format!("bad shape '{s}'"))))
        .collect()
}

/// Splits a value into the columns of an `items` row.
pub fn value_to_row(v: &Value) -> Result<ItemRow> {
    let e = codec::encode(v)?;
    let (value, scalar_bytes) = match &e.scalar {
        Some(s) => scalar_to_sql(s),
        None => (Sql::Null, None),
    };
    Ok(ItemRow {
        kind: e.kind.name().to_string(),
        dtype: e.dtype.map(|d| d.name().to_string()),
        shape: e.shape.as_deref().map(shape_text),
        unit: e.unit,
        value,
        data: scalar_bytes.or(e.blob),
    })
}

/// Rebuilds a value from the columns of an `items` row.
pub fn row_to_value(row: ItemRow) -> Result<Value> {
    let kind = Kind::from_name(&row.kind)
        .ok_or_else(|| corrupt(format!("unknown kind '{}'", row.kind)))?;
    let dtype = match &row.dtype {
        Some(d) => {
            Some(DType::from_name(d).ok_or_else(|| corrupt(format!("unknown dtype '{d}'")))?)
        }
        None => None,
    };
    let shape = row.shape.as_deref().map(parse_shape).transpose()?;
    let scalar_like = shape.is_none() && matches!(kind, Kind::Scalar | Kind::Quantity);
    let (scalar, blob) = match dtype {
        Some(d) if scalar_like => (Some(scalar_from_sql(d, row.value, row.data)?), None),
        _ => (None, row.data),
    };
    codec::decode(&Encoded {
        kind,
        dtype,
        shape,
        unit: row.unit,
        scalar,
        blob,
    })
}

/// `(kind, role, type_info, explored, target)` columns of a node.
pub fn node_kind_cols(
    kind: &NodeKind,
) -> (
    &'static str,
    Option<&'static str>,
    Option<&str>,
    bool,
    Option<&str>,
) {
    match kind {
        NodeKind::Group => ("group", None, None, false, None),
        NodeKind::Leaf {
            role,
            type_info,
            explored,
        } => (
            "leaf",
            Some(role.name()),
            Some(type_info.as_str()),
            *explored,
            None,
        ),
        NodeKind::Link { target } => ("link", None, None, false, Some(target.as_str())),
    }
}

/// Rebuilds a node kind from its columns.
pub fn node_kind_from(
    kind: &str,
    role: Option<String>,
    type_info: Option<String>,
    explored: bool,
    target: Option<String>,
) -> Result<NodeKind> {
    Ok(match kind {
        "group" => NodeKind::Group,
        "leaf" => {
            let r = role.as_deref().unwrap_or("");
            NodeKind::Leaf {
                role: LeafRole::from_name(r)
                    .ok_or_else(|| corrupt(format!("unknown role '{r}'")))?,
                type_info: type_info.unwrap_or_default(),
                explored,
            }
        }
        "link" => NodeKind::Link {
            target: target.ok_or_else(|| corrupt("link without target"))?,
        },
        other => return Err(corrupt(format!("unknown node kind '{other}'"))),
    })
}

/// Annotations as a CBOR blob (`None` when there are none).
pub fn annotations_blob(a: &Annotations) -> Result<Option<Vec<u8>>> {
    if a.is_empty() {
        Ok(None)
    } else {
        codec::to_cbor(a).map(Some)
    }
}

/// Annotations from their CBOR blob.
pub fn annotations_from(blob: Option<Vec<u8>>) -> Result<Annotations> {
    match blob {
        None => Ok(Annotations::new()),
        Some(b) => {
            let a: Annotations = codec::from_cbor(&b)?;
            a.values().try_for_each(Value::validate)?;
            Ok(a)
        }
    }
}
