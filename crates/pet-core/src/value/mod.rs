//! The value model: everything a parameter or result can hold, with enough type
//! information (dtype, shape, kind) for every backend to store it natively.

pub mod array;
pub mod borrow;
pub mod convert;
pub mod dtype;
pub mod sparse;
pub mod table;
pub mod user;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use array::Array;
pub use borrow::FromValueRef;
pub use convert::FromValue;
pub use dtype::{DType, Scalar};
pub use sparse::{Sparse, SparseFormat};
pub use table::Table;
pub use user::{UserType, UserTypeRegistry, UserValue};

use crate::{PetError, Result};

/// A physical quantity: a numeric scalar or array with a unit string (`"mV"`, `"ms"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The magnitude, a numeric scalar or array.
    pub value: Box<Value>,
    /// The unit, free text such as `"mV"` or `"m/s^2"`.
    pub unit: String,
}

/// What a parameter, result item or annotation holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// One typed scalar.
    Scalar(Scalar),
    /// An n-d array (boxed, so that a value is as small as a scalar: a
    /// result item or explored point costs 40 bytes plus its payload).
    Array(Box<Array>),
    /// A homogeneous list (every element has the same type signature).
    List(Vec<Value>),
    /// A homogeneous tuple.
    Tuple(Vec<Value>),
    /// String-keyed map (results and annotations only).
    Dict(BTreeMap<String, Value>),
    /// A sparse matrix.
    Sparse(Box<Sparse>),
    /// A table of named columns.
    Table(Table),
    /// A value with a unit.
    Quantity(Quantity),
    /// A user-defined type.
    User(Box<UserValue>),
}

/// The broad kind of a value, used for strict type checks and by backends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// [`Value::Scalar`]
    Scalar,
    /// [`Value::Array`]
    Array,
    /// [`Value::List`]
    List,
    /// [`Value::Tuple`]
    Tuple,
    /// [`Value::Dict`]
    Dict,
    /// [`Value::Sparse`]
    Sparse,
    /// [`Value::Table`]
    Table,
    /// [`Value::Quantity`]
    Quantity,
    /// [`Value::User`]
    User,
}

impl Kind {
    /// Lower-case name (`scalar`, `array`, `list`...), as stored by backends.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Scalar => "scalar",
            Kind::Array => "array",
            Kind::List => "list",
            Kind::Tuple => "tuple",
            Kind::Dict => "dict",
            Kind::Sparse => "sparse",
            Kind::Table => "table",
            Kind::Quantity => "quantity",
            Kind::User => "user",
        }
    }

    /// Parses a name produced by [`Kind::name`].
    pub fn from_name(s: &str) -> Option<Kind> {
        [
            Kind::Scalar,
            Kind::Array,
            Kind::List,
            Kind::Tuple,
            Kind::Dict,
            Kind::Sparse,
            Kind::Table,
            Kind::Quantity,
            Kind::User,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}

impl Value {
    /// The kind of this value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Scalar(_) => Kind::Scalar,
            Value::Array(_) => Kind::Array,
            Value::List(_) => Kind::List,
            Value::Tuple(_) => Kind::Tuple,
            Value::Dict(_) => Kind::Dict,
            Value::Sparse(_) => Kind::Sparse,
            Value::Table(_) => Kind::Table,
            Value::Quantity(_) => Kind::Quantity,
            Value::User(_) => Kind::User,
        }
    }

    /// A type signature that ignores sizes: two values with equal signatures may
    /// be explored together or sit in one list (`f64`, `array<f64,2>`, `list<i64>`).
    pub fn signature(&self) -> String {
        match self {
            Value::Scalar(s) => s.dtype().name().to_string(),
            Value::Array(a) => format!("array<{},{}>", a.dtype(), a.shape().len()),
            Value::List(v) => format!("list<{}>", Self::elem_sig(v)),
            Value::Tuple(v) => format!("tuple<{}>", Self::elem_sig(v)),
            Value::Dict(_) => "dict".into(),
            Value::Sparse(s) => format!("sparse<{},{}>", s.format.name(), s.data.dtype()),
            Value::Table(_) => "table".into(),
            Value::Quantity(q) => format!("quantity<{}>[{}]", q.value.signature(), q.unit),
            Value::User(u) => format!("user<{}>", u.type_name),
        }
    }

    fn elem_sig(v: &[Value]) -> String {
        v.first()
            .map(|x| x.signature())
            .unwrap_or_else(|| "?".into())
    }

    /// True when both values have the same type; an empty list or tuple matches
    /// any list or tuple (its element type is unknown).
    pub fn same_type(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                match (a.first(), b.first()) {
                    (Some(x), Some(y)) => x.same_type(y),
                    _ => true,
                }
            }
            (Value::Quantity(a), Value::Quantity(b)) => {
                a.unit == b.unit && a.value.same_type(&b.value)
            }
            _ => self.signature() == other.signature(),
        }
    }

    /// A human description with sizes (`f64`, `array<f64>[3, 4]`, `list<i64> len=3`).
    pub fn type_info(&self) -> String {
        match self {
            Value::Array(a) => a.type_info(),
            Value::List(v) | Value::Tuple(v) => format!("{} len={}", self.signature(), v.len()),
            Value::Dict(d) => format!("dict len={}", d.len()),
            Value::Sparse(s) => s.type_info(),
            Value::Table(t) => t.type_info(),
            Value::Quantity(q) => format!("quantity<{}>[{}]", q.value.type_info(), q.unit),
            _ => self.signature(),
        }
    }

    /// Checks the structural rules: homogeneous lists/tuples, valid sparse
    /// matrices and tables, numeric quantities, valid dict keys, nesting at most
    /// [`MAX_DEPTH`](crate::bounds::MAX_DEPTH) levels deep.
    pub fn validate(&self) -> Result<()> {
        self.validate_at(0)
    }

    fn validate_at(&self, depth: usize) -> Result<()> {
        if depth > crate::bounds::MAX_DEPTH {
            return Err(PetError::invalid(format!(
                "a value nests deeper than {} levels",
                crate::bounds::MAX_DEPTH
            )));
        }
        match self {
            Value::Scalar(_) | Value::Array(_) | Value::User(_) => Ok(()),
            Value::Table(t) => t.validate(),
            Value::List(items) | Value::Tuple(items) => {
                let reference = items
                    .iter()
                    .find(|v| !matches!(v, Value::List(x) | Value::Tuple(x) if x.is_empty()));
                for (i, it) in items.iter().enumerate() {
                    it.validate_at(depth + 1)?;
                    if let Some(r) = reference {
                        if !it.same_type(r) {
                            return Err(PetError::invalid(format!(
                                "lists and tuples must be homogeneous: found {} and, at element {i}, {}",
                                r.signature(),
                                it.signature()
                            )));
                        }
                    }
                }
                Ok(())
            }
            Value::Dict(d) => {
                for (k, v) in d {
                    if k.is_empty() {
                        return Err(PetError::invalid("dict keys must not be empty"));
                    }
                    v.validate_at(depth + 1)?;
                }
                Ok(())
            }
            Value::Sparse(s) => s.validate(),
            Value::Quantity(q) => {
                let numeric = match q.value.as_ref() {
                    Value::Scalar(s) => s.dtype().is_numeric(),
                    Value::Array(a) => a.dtype().is_numeric(),
                    _ => false,
                };
                if numeric {
                    Ok(())
                } else {
                    Err(PetError::invalid(format!(
                        "a quantity needs a numeric scalar or array, found {}",
                        q.value.signature()
                    )))
                }
            }
        }
    }

    /// True for values a parameter may hold (everything but dicts, tables and user types).
    pub fn allowed_in_parameter(&self) -> bool {
        match self {
            Value::Dict(_) | Value::Table(_) | Value::User(_) => false,
            Value::List(v) | Value::Tuple(v) => v.iter().all(Value::allowed_in_parameter),
            _ => true,
        }
    }

    /// The scalar inside, if this is a scalar (or a scalar quantity).
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Value::Scalar(s) => Some(s),
            Value::Quantity(q) => q.value.as_scalar(),
            _ => None,
        }
    }

    /// A value with a unit.
    pub fn with_unit(value: impl Into<Value>, unit: impl Into<String>) -> Value {
        Value::Quantity(Quantity {
            value: Box::new(value.into()),
            unit: unit.into(),
        })
    }

    /// Approximate payload size in bytes (for batching and memory bounds).
    pub fn approx_bytes(&self) -> usize {
        match self {
            Value::Scalar(Scalar::Str(s)) => s.len() + 8,
            Value::Scalar(_) => 16,
            Value::Array(a) => a.approx_bytes(),
            Value::List(v) | Value::Tuple(v) => {
                v.iter().map(Value::approx_bytes).sum::<usize>() + 8
            }
            Value::Dict(d) => {
                d.iter()
                    .map(|(k, v)| k.len() + v.approx_bytes())
                    .sum::<usize>()
                    + 8
            }
            Value::Sparse(s) => (s.major.len() + s.minor.len()) * 8 + s.data.approx_bytes(),
            Value::Table(t) => t
                .columns()
                .iter()
                .map(|(n, c)| n.len() + c.approx_bytes())
                .sum(),
            Value::Quantity(q) => q.value.approx_bytes() + q.unit.len(),
            Value::User(u) => u.payload.len() + u.type_name.len(),
        }
    }

    /// Equality that treats NaN as equal to NaN at the same position (for round-trip checks).
    pub fn same_as(&self, other: &Value) -> bool {
        fn canon(v: &Value) -> Vec<u8> {
            // serde_json would turn NaN into null; CBOR keeps the bit pattern.
            let mut out = Vec::new();
            let _ = ciborium::into_writer(v, &mut out);
            out
        }
        self == other || canon(self) == canon(other)
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Scalar(s) => write!(f, "{s}"),
            Value::Quantity(q) => write!(f, "{} {}", q.value, q.unit),
            Value::List(v) | Value::Tuple(v) if v.len() <= 8 => {
                let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                if matches!(self, Value::List(_)) {
                    write!(f, "[{}]", parts.join(", "))
                } else {
                    write!(f, "({})", parts.join(", "))
                }
            }
            Value::Array(a) if a.len() <= 8 && a.shape().len() <= 1 => {
                let parts: Vec<String> = (0..a.len())
                    .filter_map(|i| a.get_flat(i).map(|s| s.to_string()))
                    .collect();
                write!(f, "[{}]", parts.join(", "))
            }
            other => f.write_str(&other.type_info()),
        }
    }
}
