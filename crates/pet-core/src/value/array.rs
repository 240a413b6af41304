//! n-dimensional typed arrays (`Array`) and their little-endian byte encoding.

use ndarray::{ArrayD, IxDyn};
use num_complex::{Complex32, Complex64};
use serde::{Deserialize, Serialize};

use super::dtype::{DType, Scalar};
use crate::{PetError, Result};

/// Fixed-width element types that have a little-endian byte encoding.
pub trait LeBytes: Sized + Clone {
    /// Appends the little-endian bytes of `self` to `out`.
    fn put(&self, out: &mut Vec<u8>);
    /// Reads one element from exactly its width of bytes.
    fn get(bytes: &[u8]) -> Option<Self>;
}

macro_rules! le_int {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            fn put(&self, out: &mut Vec<u8>) { out.extend_from_slice(&self.to_le_bytes()); }
            fn get(bytes: &[u8]) -> Option<Self> { Some(<$t>::from_le_bytes(bytes.try_into().ok()?)) }
        }
    )*};
}
le_int!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl LeBytes for bool {
    fn put(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }
}

impl LeBytes for Complex32 {
    fn put(&self, out: &mut Vec<u8>) {
        self.re.put(out);
        self.im.put(out);
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        Some(Complex32::new(
            f32::get(bytes.get(..4)?)?,
            f32::get(bytes.get(4..8)?)?,
        ))
    }
}

impl LeBytes for Complex64 {
    fn put(&self, out: &mut Vec<u8>) {
        self.re.put(out);
        self.im.put(out);
    }
    fn get(bytes: &[u8]) -> Option<Self> {
        Some(Complex64::new(
            f64::get(bytes.get(..8)?)?,
            f64::get(bytes.get(8..16)?)?,
        ))
    }
}

/// An n-dimensional array of one element type (row-major when encoded).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Array {
    /// Booleans.
    Bool(ArrayD<bool>),
    /// i8 elements.
    I8(ArrayD<i8>),
    /// i16 elements.
    I16(ArrayD<i16>),
    /// i32 elements.
    I32(ArrayD<i32>),
    /// i64 elements.
    I64(ArrayD<i64>),
    /// u8 elements.
    U8(ArrayD<u8>),
    /// u16 elements.
    U16(ArrayD<u16>),
    /// u32 elements.
    U32(ArrayD<u32>),
    /// u64 elements.
    U64(ArrayD<u64>),
    /// f32 elements.
    F32(ArrayD<f32>),
    /// f64 elements.
    F64(ArrayD<f64>),
    /// complex64 elements.
    C64(ArrayD<Complex32>),
    /// complex128 elements.
    C128(ArrayD<Complex64>),
    /// UTF-8 strings.
    Str(ArrayD<String>),
}

fn shaped<T>(shape: &[usize], data: Vec<T>) -> Result<ArrayD<T>> {
    crate::bounds::element_count(shape)?;
    ArrayD::from_shape_vec(IxDyn(shape), data)
        .map_err(|e| PetError::invalid(format!("data does not fit shape {shape:?}: {e}")))
}

fn decode_fixed<T: LeBytes>(shape: &[usize], bytes: &[u8], width: usize) -> Result<ArrayD<T>> {
    let need = crate::bounds::byte_len(shape, width)?;
    if bytes.len() != need {
        return Err(PetError::invalid(format!(
            "array of shape {shape:?} needs {need} bytes, found {}",
            bytes.len()
        )));
    }
    let n = need / width.max(1);
    let mut v = Vec::with_capacity(n);
    for chunk in bytes.chunks_exact(width) {
        v.push(T::get(chunk).ok_or_else(|| PetError::invalid("corrupt array element"))?);
    }
    shaped(shape, v)
}

macro_rules! array_impls {
    ($(($v:ident, $t:ty, $n:literal, $w:literal)),*) => {
        impl Array {
            /// The element type.
            pub fn dtype(&self) -> DType {
                match self {
                    $(Array::$v(_) => DType::$v,)*
                    Array::Str(_) => DType::Str,
                }
            }

            /// The shape (empty for a 0-d array).
            pub fn shape(&self) -> &[usize] {
                match self {
                    $(Array::$v(a) => a.shape(),)*
                    Array::Str(a) => a.shape(),
                }
            }

            /// Elements in row-major order as little-endian bytes; `None` for string arrays.
            pub fn to_le_bytes(&self) -> Option<Vec<u8>> {
                match self {
                    $(Array::$v(a) => {
                        let mut out = Vec::with_capacity(a.len() * $w);
                        for x in a.iter() { LeBytes::put(x, &mut out); }
                        Some(out)
                    })*
                    Array::Str(_) => None,
                }
            }

            /// Builds a fixed-width array from row-major little-endian bytes.
            pub fn from_le_bytes(dtype: DType, shape: &[usize], bytes: &[u8]) -> Result<Array> {
                Ok(match dtype {
                    $(DType::$v => Array::$v(decode_fixed::<$t>(shape, bytes, $w)?),)*
                    DType::Str => return Err(PetError::invalid(
                        "string arrays are not encoded as fixed-width bytes; use from_strings")),
                })
            }

            /// Element `i` in row-major order as a scalar.
            pub fn get_flat(&self, i: usize) -> Option<Scalar> {
                match self {
                    $(Array::$v(a) => a.iter().nth(i).map(|x| Scalar::$v(x.clone())),)*
                    Array::Str(a) => a.iter().nth(i).map(|x| Scalar::Str(x.clone())),
                }
            }

            /// Builds a 1-d array from scalars that all have type `dtype`.
            pub fn from_scalars(dtype: DType, items: &[Scalar]) -> Result<Array> {
                let bad = |s: &Scalar| PetError::mismatch("column", dtype.name(), s.dtype().name());
                Ok(match dtype {
                    $(DType::$v => Array::$v(shaped(&[items.len()], items.iter().map(|s| match s {
                        Scalar::$v(x) => Ok(x.clone()),
                        other => Err(bad(other)),
                    }).collect::<Result<Vec<$t>>>()?)?),)*
                    DType::Str => Array::Str(shaped(&[items.len()], items.iter().map(|s| match s {
                        Scalar::Str(x) => Ok(x.clone()),
                        other => Err(bad(other)),
                    }).collect::<Result<Vec<String>>>()?)?),
                })
            }
        }
    };
}
crate::for_each_fixed_dtype!(array_impls);

impl Array {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when the array holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row-major strings of a string array; `None` for other types.
    pub fn to_strings(&self) -> Option<Vec<String>> {
        match self {
            Array::Str(a) => Some(a.iter().cloned().collect()),
            _ => None,
        }
    }

    /// Builds a string array from row-major strings.
    pub fn from_strings(shape: &[usize], items: Vec<String>) -> Result<Array> {
        Ok(Array::Str(shaped(shape, items)?))
    }

    /// Approximate payload size in bytes.
    pub fn approx_bytes(&self) -> usize {
        match self {
            Array::Str(x) => x.iter().map(|s| s.len() + 8).sum(),
            other => other.len() * other.dtype().width().unwrap_or(8),
        }
    }

    /// A one-line description such as `array<f64>[3, 4]`.
    pub fn type_info(&self) -> String {
        format!("array<{}>{:?}", self.dtype(), self.shape())
    }
}
