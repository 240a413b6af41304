//! Element types (`DType`) and scalar values (`Scalar`).

use num_complex::{Complex32, Complex64};
use serde::{Deserialize, Serialize};

/// Calls `$m!` once with the list of every numeric/bool element type as
/// `(Variant, rust_type, "name", byte_width)`; strings are handled separately.
#[macro_export]
#[doc(hidden)]
macro_rules! for_each_fixed_dtype {
    ($m:ident) => {
        $m! {
            (Bool, bool, "bool", 1),
            (I8, i8, "i8", 1),
            (I16, i16, "i16", 2),
            (I32, i32, "i32", 4),
            (I64, i64, "i64", 8),
            (U8, u8, "u8", 1),
            (U16, u16, "u16", 2),
            (U32, u32, "u32", 4),
            (U64, u64, "u64", 8),
            (F32, f32, "f32", 4),
            (F64, f64, "f64", 8),
            (C64, num_complex::Complex32, "c64", 8),
            (C128, num_complex::Complex64, "c128", 16)
        }
    };
}

/// The element type of a scalar or array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// Boolean.
    Bool,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit integer.
    U16,
    /// Unsigned 32-bit integer.
    U32,
    /// Unsigned 64-bit integer.
    U64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// Complex number of two f32.
    C64,
    /// Complex number of two f64.
    C128,
    /// UTF-8 string.
    Str,
}

macro_rules! dtype_tables {
    ($(($v:ident, $t:ty, $n:literal, $w:literal)),*) => {
        impl DType {
            /// Every element type, in a fixed order.
            pub const ALL: [DType; 14] = [$(DType::$v,)* DType::Str];

            /// The short name used in files (`"f64"`, `"str"`...).
            pub fn name(self) -> &'static str {
                match self {
                    $(DType::$v => $n,)*
                    DType::Str => "str",
                }
            }

            /// Bytes per element in the little-endian encoding; `None` for strings.
            pub fn width(self) -> Option<usize> {
                match self {
                    $(DType::$v => Some($w),)*
                    DType::Str => None,
                }
            }

            /// Parses a name produced by [`DType::name`].
            pub fn from_name(name: &str) -> Option<DType> {
                match name {
                    $($n => Some(DType::$v),)*
                    "str" => Some(DType::Str),
                    _ => None,
                }
            }
        }
    };
}
for_each_fixed_dtype!(dtype_tables);

impl DType {
    /// True for integer, float and complex types (what units and sparse data accept).
    pub fn is_numeric(self) -> bool {
        !matches!(self, DType::Bool | DType::Str)
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A single typed value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Scalar {
    /// Boolean.
    Bool(bool),
    /// Signed 8-bit integer.
    I8(i8),
    /// Signed 16-bit integer.
    I16(i16),
    /// Signed 32-bit integer.
    I32(i32),
    /// Signed 64-bit integer.
    I64(i64),
    /// Unsigned 8-bit integer.
    U8(u8),
    /// Unsigned 16-bit integer.
    U16(u16),
    /// Unsigned 32-bit integer.
    U32(u32),
    /// Unsigned 64-bit integer.
    U64(u64),
    /// 32-bit float.
    F32(f32),
    /// 64-bit float.
    F64(f64),
    /// Complex of two f32.
    C64(Complex32),
    /// Complex of two f64.
    C128(Complex64),
    /// UTF-8 string.
    Str(String),
}

macro_rules! scalar_impls {
    ($(($v:ident, $t:ty, $n:literal, $w:literal)),*) => {
        impl Scalar {
            /// The element type.
            pub fn dtype(&self) -> DType {
                match self {
                    $(Scalar::$v(_) => DType::$v,)*
                    Scalar::Str(_) => DType::Str,
                }
            }

            /// Little-endian bytes of a fixed-width scalar; strings give their UTF-8 bytes.
            pub fn to_le_bytes(&self) -> Vec<u8> {
                let mut out = Vec::new();
                match self {
                    $(Scalar::$v(x) => crate::value::array::LeBytes::put(x, &mut out),)*
                    Scalar::Str(s) => out.extend_from_slice(s.as_bytes()),
                }
                out
            }

            /// Inverse of [`Scalar::to_le_bytes`].
            pub fn from_le_bytes(dtype: DType, bytes: &[u8]) -> crate::Result<Scalar> {
                use crate::value::array::LeBytes;
                let bad = || crate::PetError::invalid(format!(
                    "{} bytes cannot hold one {} scalar", bytes.len(), dtype));
                Ok(match dtype {
                    $(DType::$v => {
                        if bytes.len() != $w { return Err(bad()); }
                        Scalar::$v(<$t as LeBytes>::get(bytes).ok_or_else(bad)?)
                    })*
                    DType::Str => Scalar::Str(String::from_utf8(bytes.to_vec())
                        .map_err(|_| crate::PetError::invalid("string is not valid UTF-8"))?),
                })
            }
        }
    };
}
for_each_fixed_dtype!(scalar_impls);

impl Scalar {
    /// The value as f64 when it is a real number or bool (for expressions and exports).
    pub fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            Scalar::Bool(b) => f64::from(u8::from(b)),
            Scalar::I8(x) => f64::from(x),
            Scalar::I16(x) => f64::from(x),
            Scalar::I32(x) => f64::from(x),
            Scalar::I64(x) => x as f64,
            Scalar::U8(x) => f64::from(x),
            Scalar::U16(x) => f64::from(x),
            Scalar::U32(x) => f64::from(x),
            Scalar::U64(x) => x as f64,
            Scalar::F32(x) => f64::from(x),
            Scalar::F64(x) => x,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(x) => write!(f, "{x}"),
            Scalar::I8(x) => write!(f, "{x}"),
            Scalar::I16(x) => write!(f, "{x}"),
            Scalar::I32(x) => write!(f, "{x}"),
            Scalar::I64(x) => write!(f, "{x}"),
            Scalar::U8(x) => write!(f, "{x}"),
            Scalar::U16(x) => write!(f, "{x}"),
            Scalar::U32(x) => write!(f, "{x}"),
            Scalar::U64(x) => write!(f, "{x}"),
            Scalar::F32(x) => write!(f, "{x}"),
            Scalar::F64(x) => write!(f, "{x}"),
            Scalar::C64(x) => write!(f, "{x}"),
            Scalar::C128(x) => write!(f, "{x}"),
            Scalar::Str(x) => write!(f, "{x:?}"),
        }
    }
}
