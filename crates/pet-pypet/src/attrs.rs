//! Reading the attributes pypet and PyTables put on groups and datasets:
//! fixed-length strings (`SRVC_*`, comments), numbers, arrays and the
//! attributes PyTables pickled (annotations of other Python types), which stay
//! opaque bytes.

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor};
use hdf5::{Attribute, Location};
use pet_core::value::{Array, Scalar};
use pet_core::{Result, Value};

use crate::error::{bad, h5};

/// Longest string attribute the reader takes (comments are at most a few KiB).
pub const MAX_STRING: usize = 65536;

/// The attribute names of `loc`.
pub fn names(loc: &Location) -> Result<Vec<String>> {
    loc.attr_names().map_err(h5("cannot list attributes"))
}

/// True when `names` holds `name`.
pub fn has(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n == name)
}

macro_rules! read_fixed {
    ($a:expr, $n:expr, $t:ident, $($size:literal),*) => {{
        $(if $n <= $size {
            let v = $a.read_scalar::<$t<$size>>().map_err(h5("cannot read a string attribute"))?;
            Some(v.as_bytes().to_vec())
        } else)* { None }
    }};
}

/// The bytes of a fixed-length string attribute (up to its first NUL, as
/// HDF5 converts them), `None` when it is not a string.
fn string_bytes(a: &Attribute, at: &str) -> Result<Option<Vec<u8>>> {
    let d = match a.dtype().and_then(|t| t.to_descriptor()) {
        Ok(d) => d,
        Err(_) => return Ok(None),
    };
    if a.space().map(|s| s.ndim()).unwrap_or(0) != 0 {
        return Ok(None);
    }
    let bytes = match d {
        TypeDescriptor::FixedAscii(n) => {
            read_fixed!(a, n, FixedAscii, 64, 1024, 16384, 65536)
        }
        TypeDescriptor::FixedUnicode(n) => {
            read_fixed!(a, n, FixedUnicode, 64, 1024, 16384, 65536)
        }
        TypeDescriptor::VarLenUnicode => Some(
            a.read_scalar::<hdf5::types::VarLenUnicode>()
                .map_err(h5("cannot read a string attribute"))?
                .as_bytes()
                .to_vec(),
        ),
        TypeDescriptor::VarLenAscii => Some(
            a.read_scalar::<hdf5::types::VarLenAscii>()
                .map_err(h5("cannot read a string attribute"))?
                .as_bytes()
                .to_vec(),
        ),
        _ => return Ok(None),
    };
    match bytes {
        Some(b) => Ok(Some(b)),
        None => Err(bad(
            at,
            format!("a string attribute longer than {MAX_STRING} bytes"),
        )),
    }
}

/// A string attribute, `None` when absent; an attribute that is not UTF-8
/// text is an error naming `at`.
pub fn string(loc: &Location, name: &str, at: &str) -> Result<Option<String>> {
    let Ok(a) = loc.attr(name) else {
        return Ok(None);
    };
    match string_bytes(&a, at)? {
        Some(b) => String::from_utf8(b)
            .map(Some)
            .map_err(|_| bad(at, format!("attribute {name} is not UTF-8 text"))),
        None => Err(bad(at, format!("attribute {name} is not a string"))),
    }
}

/// A scalar integer attribute (`SPLIT_TABLE`, `NROWS`), `None` when absent.
pub fn int(loc: &Location, name: &str) -> Result<Option<i64>> {
    match loc.attr(name) {
        Ok(a) => a
            .read_scalar::<i64>()
            .map(Some)
            .map_err(h5("cannot read an integer attribute")),
        Err(_) => Ok(None),
    }
}

/// What an annotation attribute holds.
pub enum AttrValue {
    /// A value pet has the type of.
    Value(Value),
    /// A pickle PyTables made of a Python object (carried opaque).
    Pickle(Vec<u8>),
    /// A type the HDF5 library cannot read (PyTables' bool bitfield attribute).
    Unreadable(String),
}

/// Reads an annotation attribute: strings (UTF-8 ones are text, ASCII ones
/// that look like a pickle are PyTables' pickles of Python objects), numbers,
/// and 1-d numeric arrays.
pub fn value(loc: &Location, name: &str, at: &str) -> Result<AttrValue> {
    let a = loc.attr(name).map_err(h5("cannot open an attribute"))?;
    pet_hdf5::sizes::check_attribute(&a, at)?;
    let Ok(d) = a.dtype().and_then(|t| t.to_descriptor()) else {
        return Ok(AttrValue::Unreadable(
            "its HDF5 type (PyTables' bool bitfield) has no conversion in the HDF5 library".into(),
        ));
    };
    let scalar = a.space().map(|s| s.ndim()).unwrap_or(0) == 0;
    if let Some(bytes) = string_bytes(&a, at)? {
        let ascii = matches!(d, TypeDescriptor::FixedAscii(_));
        if ascii && looks_pickled(&bytes) {
            return Ok(AttrValue::Pickle(bytes));
        }
        return match String::from_utf8(bytes) {
            Ok(s) => Ok(AttrValue::Value(Value::Scalar(Scalar::Str(s)))),
            Err(e) => Ok(AttrValue::Pickle(e.into_bytes())),
        };
    }
    macro_rules! num {
        ($t:ty, $s:ident, $a:ident) => {{
            if scalar {
                Value::Scalar(Scalar::$s(
                    a.read_scalar::<$t>()
                        .map_err(h5("cannot read an attribute"))?,
                ))
            } else {
                Value::from(Array::$a(
                    a.read_dyn::<$t>().map_err(h5("cannot read an attribute"))?,
                ))
            }
        }};
    }
    use hdf5::types::{FloatSize, IntSize};
    let v = match d {
        TypeDescriptor::Integer(IntSize::U1) => num!(i8, I8, I8),
        TypeDescriptor::Integer(IntSize::U2) => num!(i16, I16, I16),
        TypeDescriptor::Integer(IntSize::U4) => num!(i32, I32, I32),
        TypeDescriptor::Integer(IntSize::U8) => num!(i64, I64, I64),
        TypeDescriptor::Unsigned(IntSize::U1) => num!(u8, U8, U8),
        TypeDescriptor::Unsigned(IntSize::U2) => num!(u16, U16, U16),
        TypeDescriptor::Unsigned(IntSize::U4) => num!(u32, U32, U32),
        TypeDescriptor::Unsigned(IntSize::U8) => num!(u64, U64, U64),
        TypeDescriptor::Float(FloatSize::U4) => num!(f32, F32, F32),
        TypeDescriptor::Float(FloatSize::U8) => num!(f64, F64, F64),
        TypeDescriptor::Boolean => num!(bool, Bool, Bool),
        other => {
            return Ok(AttrValue::Unreadable(format!(
                "its HDF5 type {other:?} is not one pet reads in attributes"
            )))
        }
    };
    Ok(AttrValue::Value(v))
}

/// True for bytes that start like a pickle: protocol 2+ (`\x80`) or the
/// protocol-0 opcodes PyTables' attribute pickles begin with.
pub fn looks_pickled(b: &[u8]) -> bool {
    match b.first() {
        Some(0x80) => true,
        Some(b'(' | b'I' | b'F' | b'S' | b'V' | b'N' | b'c' | b']' | b'}' | b'L') => {
            b.last() == Some(&b'.')
        }
        _ => false,
    }
}
