//! pypet's type notes (`SRVC_DATA_COLL_TYPE`, `SRVC_DATA_SCALAR_TYPE` and
//! their per-column forms) applied to stored elements: the one place that
//! decides which pet value a pypet value becomes.
//!
//! | pypet (Python) | pet |
//! |---|---|
//! | `int` (int32 in parameter tables, int64 in results) | `i64` |
//! | `float`, `bool`, `complex`, `str` | `f64`, `bool`, `c128`, `str` |
//! | numpy scalars (`uint8`, `float32`, `complex64`, `bool_`, ...) | the same dtype |
//! | `bytes`, `numpy.bytes_` | `array<u8>` (noted `bytes`) |
//! | numpy arrays (numeric, bool, str) | arrays of the same dtype and shape |
//! | `list`, `tuple` | `List`, `Tuple` of the scalars above |

use pet_core::value::{Array, Scalar};
use pet_core::{Result, Value};

use crate::error::bad;
use crate::htype::{Elem, Ty};
use crate::stored;

/// What pypet noted about a value or column.
#[derive(Clone, Debug, Default)]
pub struct Notes {
    /// `COLL_SCALAR`, `COLL_NDARRAY`, `COLL_LIST`, ... (`None` when absent).
    pub coll: Option<String>,
    /// `int`, `float`, `str`, `uint8`, ... (`None` for numeric arrays).
    pub scalar: Option<String>,
}

/// True for pypet's names of byte strings.
pub fn is_bytes(scalar: Option<&str>) -> bool {
    matches!(scalar, Some("bytes" | "bytes_"))
}

/// One element as the Python type `scalar` names.
pub fn scalar(e: Elem, scalar: Option<&str>, at: &str) -> Result<Value> {
    let wrong = |found: &str| {
        bad(
            at,
            format!(
                "pypet noted the type {} but the file holds {found}",
                scalar.unwrap_or("(none)")
            ),
        )
    };
    match (e, scalar) {
        (Elem::Bytes(b), Some("str" | "str_") | None) => String::from_utf8(b)
            .map(|s| Value::Scalar(Scalar::Str(s)))
            .map_err(|_| bad(at, "a string that is not UTF-8")),
        (Elem::Bytes(b), s) if is_bytes(s) => Ok(bytes_value(b)),
        (Elem::Bytes(_), _) => Err(wrong("a string")),
        (Elem::Scalar(s), Some("int")) => Ok(Value::Scalar(Scalar::I64(
            widen_int(&s).ok_or_else(|| wrong(s.dtype().name()))?,
        ))),
        (Elem::Scalar(s), Some("float")) => match s {
            Scalar::F64(_) => Ok(Value::Scalar(s)),
            Scalar::F32(x) => Ok(Value::Scalar(Scalar::F64(f64::from(x)))),
            other => Err(wrong(other.dtype().name())),
        },
        (Elem::Scalar(s), Some("bool" | "bool_")) => match s {
            Scalar::Bool(_) => Ok(Value::Scalar(s)),
            other => Err(wrong(other.dtype().name())),
        },
        (Elem::Scalar(s), Some("complex")) => match s {
            Scalar::C128(_) => Ok(Value::Scalar(s)),
            Scalar::C64(x) => Ok(Value::Scalar(Scalar::C128(num_complex::Complex64::new(
                f64::from(x.re),
                f64::from(x.im),
            )))),
            other => Err(wrong(other.dtype().name())),
        },
        (Elem::Scalar(s), Some(np)) => {
            let expect = numpy_dtype(np).ok_or_else(|| {
                bad(
                    at,
                    format!("pypet noted the scalar type '{np}', which pet does not know"),
                )
            })?;
            if s.dtype().name() == expect {
                Ok(Value::Scalar(s))
            } else {
                Err(wrong(s.dtype().name()))
            }
        }
        (Elem::Scalar(s), None) => Ok(Value::Scalar(s)),
    }
}

/// pet's dtype name for a numpy scalar type name.
fn numpy_dtype(np: &str) -> Option<&'static str> {
    Some(match np {
        "int8" => "i8",
        "int16" => "i16",
        "int32" => "i32",
        "int64" | "intp" => "i64",
        "uint8" => "u8",
        "uint16" => "u16",
        "uint32" => "u32",
        "uint64" => "u64",
        "float32" => "f32",
        "float64" => "f64",
        "complex64" => "c64",
        "complex128" => "c128",
        _ => return None,
    })
}

/// An integer of any width as i64, when it fits.
fn widen_int(s: &Scalar) -> Option<i64> {
    Some(match *s {
        Scalar::I8(x) => i64::from(x),
        Scalar::I16(x) => i64::from(x),
        Scalar::I32(x) => i64::from(x),
        Scalar::I64(x) => x,
        Scalar::U8(x) => i64::from(x),
        Scalar::U16(x) => i64::from(x),
        Scalar::U32(x) => i64::from(x),
        Scalar::U64(x) => i64::try_from(x).ok()?,
        _ => return None,
    })
}

/// Python bytes: pet has no byte-string type, so a 1-d `u8` array.
pub fn bytes_value(b: Vec<u8>) -> Value {
    let n = b.len();
    Value::from(Array::U8(
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n]), b)
            .unwrap_or_else(|_| ndarray::ArrayD::from_elem(ndarray::IxDyn(&[0]), 0)),
    ))
}

/// An n-d array of `shape` with elements of `ty` (strings decoded as UTF-8;
/// byte strings become a list of `u8` arrays).
pub fn array(ty: &Ty, shape: &[usize], bytes: &[u8], notes: &Notes, at: &str) -> Result<Value> {
    if let Ty::Str(_) = ty {
        let items = stored::elems(ty, bytes, at)?;
        if is_bytes(notes.scalar.as_deref()) {
            let list = items
                .into_iter()
                .map(|e| match e {
                    Elem::Bytes(b) => Ok(bytes_value(b)),
                    Elem::Scalar(_) => Err(bad(at, "a byte string that is a number")),
                })
                .collect::<Result<Vec<_>>>()?;
            return Ok(Value::List(list));
        }
        let strings = items
            .into_iter()
            .map(|e| match e {
                Elem::Bytes(b) => {
                    String::from_utf8(b).map_err(|_| bad(at, "a string that is not UTF-8"))
                }
                Elem::Scalar(_) => Err(bad(at, "a string that is a number")),
            })
            .collect::<Result<Vec<_>>>()?;
        return Array::from_strings(shape, strings)
            .map(Value::from)
            .map_err(|e| bad(at, e.to_string()));
    }
    stored::numeric_array(ty, shape, bytes, at).map(Value::from)
}

/// A flat sequence of elements as a pypet list or tuple of `scalar` values.
pub fn sequence(ty: &Ty, bytes: &[u8], notes: &Notes, tuple: bool, at: &str) -> Result<Value> {
    let items = stored::elems(ty, bytes, at)?
        .into_iter()
        .map(|e| scalar(e, notes.scalar.as_deref(), at))
        .collect::<Result<Vec<_>>>()?;
    Ok(if tuple {
        Value::Tuple(items)
    } else {
        Value::List(items)
    })
}

/// One stored value (a whole dataset, or one table cell) as pypet's notes say:
/// `ty`/`shape` describe the elements, `bytes` hold them.
pub fn value(ty: &Ty, shape: &[usize], bytes: &[u8], notes: &Notes, at: &str) -> Result<Value> {
    let (base, shape): (&Ty, Vec<usize>) = match ty {
        Ty::Array(base, dims) => {
            let mut s = shape.to_vec();
            s.extend(dims);
            (base, s)
        }
        t => (t, shape.to_vec()),
    };
    match notes.coll.as_deref() {
        Some("COLL_SCALAR") => {
            if shape.iter().product::<usize>() != 1 {
                return Err(bad(at, format!("a scalar stored with shape {shape:?}")));
            }
            scalar(base.decode(bytes, at)?, notes.scalar.as_deref(), at)
        }
        Some("COLL_LIST") => sequence(base, bytes, notes, false, at),
        Some("COLL_TUPLE") => sequence(base, bytes, notes, true, at),
        Some("COLL_EMPTY_DICT") => Ok(Value::Dict(Default::default())),
        Some("COLL_NDARRAY" | "COLL_MATRIX") | None => array(base, &shape, bytes, notes, at),
        Some(other) => Err(bad(
            at,
            format!("pypet's container type '{other}' is not one pet knows"),
        )),
    }
}
