//! Borrowing access to values: [`FromValueRef`] reads a reference, a slice
//! or an ndarray view out of a [`Value`] without copying it.

use ndarray::{ArrayD, ArrayView1, ArrayView2, ArrayViewD, Ix1, Ix2};

use super::{Array, Scalar, Sparse, Table, Value};
use crate::{PetError, Result};

/// Strict, copy-free extraction from a borrowed [`Value`]: `&ArrayD<f64>`,
/// `ArrayView2<f64>`, `&[f64]`, `&str`, `&Sparse`… (scalars are copied, they
/// are as small as a reference). No numeric coercion, as with
/// [`FromValue`](super::FromValue).
pub trait FromValueRef<'a>: Sized {
    /// The type name shown in mismatch errors.
    fn expected() -> String;
    /// Borrows the value as `Self`, or `None` when the type differs.
    fn from_ref(v: &'a Value) -> Option<Self>;
    /// Borrows the value or gives a mismatch error naming `path`.
    fn from_ref_at(v: &'a Value, path: &str) -> Result<Self> {
        Self::from_ref(v).ok_or_else(|| PetError::mismatch(path, Self::expected(), v.signature()))
    }
}

/// The array inside a value (or inside a quantity).
fn array_of(v: &Value) -> Option<&Array> {
    match v {
        Value::Array(a) => Some(a),
        Value::Quantity(q) => array_of(&q.value),
        _ => None,
    }
}

macro_rules! borrow_impls {
    ($(($v:ident, $t:ty, $n:literal, $w:literal)),*) => {$(
        impl<'a> FromValueRef<'a> for &'a ArrayD<$t> {
            fn expected() -> String { format!("array<{}>", $n) }
            fn from_ref(v: &'a Value) -> Option<Self> {
                match array_of(v)? { Array::$v(a) => Some(a), _ => None }
            }
        }
        impl<'a> FromValueRef<'a> for ArrayViewD<'a, $t> {
            fn expected() -> String { format!("array<{}>", $n) }
            fn from_ref(v: &'a Value) -> Option<Self> {
                <&ArrayD<$t>>::from_ref(v).map(ArrayD::view)
            }
        }
        impl<'a> FromValueRef<'a> for ArrayView1<'a, $t> {
            fn expected() -> String { format!("array<{},1>", $n) }
            fn from_ref(v: &'a Value) -> Option<Self> {
                <&ArrayD<$t>>::from_ref(v)?.view().into_dimensionality::<Ix1>().ok()
            }
        }
        impl<'a> FromValueRef<'a> for ArrayView2<'a, $t> {
            fn expected() -> String { format!("array<{},2>", $n) }
            fn from_ref(v: &'a Value) -> Option<Self> {
                <&ArrayD<$t>>::from_ref(v)?.view().into_dimensionality::<Ix2>().ok()
            }
        }
        impl<'a> FromValueRef<'a> for &'a [$t] {
            fn expected() -> String { format!("array<{}> in row-major order", $n) }
            fn from_ref(v: &'a Value) -> Option<Self> {
                <&ArrayD<$t>>::from_ref(v)?.as_slice()
            }
        }
        impl<'a> FromValueRef<'a> for $t {
            fn expected() -> String { $n.to_string() }
            fn from_ref(v: &'a Value) -> Option<Self> {
                match v.as_scalar()? { Scalar::$v(x) => Some(*x), _ => None }
            }
        }
    )*};
}
crate::for_each_fixed_dtype!(borrow_impls);

impl<'a> FromValueRef<'a> for &'a ArrayD<String> {
    fn expected() -> String {
        "array<str>".into()
    }
    fn from_ref(v: &'a Value) -> Option<Self> {
        match array_of(v)? {
            Array::Str(a) => Some(a),
            _ => None,
        }
    }
}

impl<'a> FromValueRef<'a> for &'a str {
    fn expected() -> String {
        "str".into()
    }
    fn from_ref(v: &'a Value) -> Option<Self> {
        match v {
            Value::Scalar(Scalar::Str(s)) => Some(s),
            _ => None,
        }
    }
}

impl<'a> FromValueRef<'a> for &'a Value {
    fn expected() -> String {
        "any value".into()
    }
    fn from_ref(v: &'a Value) -> Option<Self> {
        Some(v)
    }
}

impl<'a> FromValueRef<'a> for &'a [Value] {
    fn expected() -> String {
        "list or tuple".into()
    }
    fn from_ref(v: &'a Value) -> Option<Self> {
        match v {
            Value::List(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }
}

impl<'a> FromValueRef<'a> for &'a Sparse {
    fn expected() -> String {
        "sparse".into()
    }
    fn from_ref(v: &'a Value) -> Option<Self> {
        match v {
            Value::Sparse(s) => Some(s),
            _ => None,
        }
    }
}

impl<'a> FromValueRef<'a> for &'a Table {
    fn expected() -> String {
        "table".into()
    }
    fn from_ref(v: &'a Value) -> Option<Self> {
        match v {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn arrays_are_borrowed_not_copied() {
        let v = Value::from(array![[1.0, 2.0], [3.0, 4.0]]);
        let a = <&ArrayD<f64>>::from_ref(&v).unwrap();
        let Value::Array(inner) = &v else { panic!() };
        let Array::F64(held) = inner.as_ref() else {
            panic!()
        };
        assert!(std::ptr::eq(a, held));
        let view = ArrayView2::<f64>::from_ref(&v).unwrap();
        assert_eq!(view[[1, 0]], 3.0);
        assert_eq!(<&[f64]>::from_ref(&v).unwrap(), &[1.0, 2.0, 3.0, 4.0]);
        assert!(ArrayView1::<f64>::from_ref(&v).is_none());
        assert!(<&ArrayD<i64>>::from_ref(&v).is_none());
        let owned: Array2<f64> = view.to_owned();
        assert_eq!(owned.sum(), 10.0);
    }

    #[test]
    fn scalars_and_strings_borrow_strictly() {
        assert_eq!(f64::from_ref(&Value::from(2.5)), Some(2.5));
        assert_eq!(f64::from_ref(&Value::from(2i64)), None);
        assert_eq!(<&str>::from_ref(&Value::from("x")), Some("x"));
        let err = <&str>::from_ref_at(&Value::from(1.0), "results.z").unwrap_err();
        assert!(err.to_string().contains("results.z"), "{err}");
    }
}
