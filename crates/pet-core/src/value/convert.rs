//! Conversions between Rust types and [`Value`]: `From` into values, [`FromValue`] out of them.

use ndarray::{Array1, Array2, ArrayBase, ArrayD, ArrayView1, ArrayView2, Dimension, OwnedRepr};

use super::{Array, FromValueRef, Quantity, Scalar, Sparse, Table, UserValue, Value};
use crate::{PetError, Result};

/// Strict extraction of a Rust value from a [`Value`]: no numeric coercion, so an
/// `i64` parameter is never read as `f64` by accident.
pub trait FromValue: Sized {
    /// The type name shown in mismatch errors.
    fn expected() -> String;
    /// Extracts the value, or `None` when the type differs.
    fn from_value(v: &Value) -> Option<Self>;
    /// Extracts the value or gives a mismatch error naming `path`.
    fn from_value_at(v: &Value, path: &str) -> Result<Self> {
        Self::from_value(v).ok_or_else(|| PetError::mismatch(path, Self::expected(), v.signature()))
    }
}

macro_rules! scalar_conv {
    ($(($v:ident, $t:ty, $n:literal, $w:literal)),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value { Value::Scalar(Scalar::$v(x)) }
        }
        impl From<$t> for Scalar {
            fn from(x: $t) -> Scalar { Scalar::$v(x) }
        }
        impl<D: Dimension> From<ArrayBase<OwnedRepr<$t>, D>> for Value {
            fn from(a: ArrayBase<OwnedRepr<$t>, D>) -> Value { Value::from(Array::$v(a.into_dyn())) }
        }
        impl FromValue for $t {
            fn expected() -> String { $n.to_string() }
            fn from_value(v: &Value) -> Option<Self> {
                match v.as_scalar() { Some(Scalar::$v(x)) => Some(x.clone()), _ => None }
            }
        }
        impl FromValue for ArrayD<$t> {
            fn expected() -> String { format!("array<{}>", $n) }
            fn from_value(v: &Value) -> Option<Self> {
                <&ArrayD<$t>>::from_ref(v).cloned()
            }
        }
        impl FromValue for Array1<$t> {
            fn expected() -> String { format!("array<{},1>", $n) }
            fn from_value(v: &Value) -> Option<Self> {
                ArrayView1::<$t>::from_ref(v).map(|a| a.to_owned())
            }
        }
        impl FromValue for Array2<$t> {
            fn expected() -> String { format!("array<{},2>", $n) }
            fn from_value(v: &Value) -> Option<Self> {
                ArrayView2::<$t>::from_ref(v).map(|a| a.to_owned())
            }
        }
    )*};
}
crate::for_each_fixed_dtype!(scalar_conv);

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Scalar(Scalar::Str(s))
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Scalar(Scalar::Str(s.to_string()))
    }
}
impl<D: Dimension> From<ArrayBase<OwnedRepr<String>, D>> for Value {
    fn from(a: ArrayBase<OwnedRepr<String>, D>) -> Value {
        Value::from(Array::Str(a.into_dyn()))
    }
}
impl From<Scalar> for Value {
    fn from(s: Scalar) -> Value {
        Value::Scalar(s)
    }
}
impl From<Array> for Value {
    fn from(a: Array) -> Value {
        Value::Array(Box::new(a))
    }
}
impl From<Sparse> for Value {
    fn from(s: Sparse) -> Value {
        Value::Sparse(Box::new(s))
    }
}
impl From<Table> for Value {
    fn from(t: Table) -> Value {
        Value::Table(t)
    }
}
impl From<Quantity> for Value {
    fn from(q: Quantity) -> Value {
        Value::Quantity(q)
    }
}
impl From<UserValue> for Value {
    fn from(u: UserValue) -> Value {
        Value::User(Box::new(u))
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

impl FromValue for String {
    fn expected() -> String {
        "str".into()
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Scalar(Scalar::Str(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromValue for ArrayD<String> {
    fn expected() -> String {
        "array<str>".into()
    }
    fn from_value(v: &Value) -> Option<Self> {
        <&ArrayD<String>>::from_ref(v).cloned()
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn expected() -> String {
        format!("list<{}>", T::expected())
    }
    /// A list or tuple element by element, or a one-dimensional array (or
    /// quantity of one) element by element.
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::List(items) | Value::Tuple(items) => items.iter().map(T::from_value).collect(),
            Value::Array(a) if a.shape().len() == 1 => (0..a.len())
                .map(|i| T::from_value(&Value::Scalar(a.get_flat(i)?)))
                .collect(),
            Value::Quantity(q) if matches!(q.value.as_ref(), Value::Array(_)) => {
                Self::from_value(&q.value)
            }
            _ => None,
        }
    }
}

impl FromValue for Value {
    fn expected() -> String {
        "any value".into()
    }
    fn from_value(v: &Value) -> Option<Self> {
        Some(v.clone())
    }
}

impl FromValue for Sparse {
    fn expected() -> String {
        "sparse".into()
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Sparse(s) => Some(s.as_ref().clone()),
            _ => None,
        }
    }
}

impl FromValue for Table {
    fn expected() -> String {
        "table".into()
    }
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Table(t) => Some(t.clone()),
            _ => None,
        }
    }
}
