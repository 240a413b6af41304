//! The HDF5 element types PyTables writes, as the reader decodes them from
//! raw bytes: integers, floats, PyTables' 8-bit bool bitfield (which the HDF5
//! library converts to nothing, so it is read byte by byte), `{r, i}`
//! complex compounds, fixed-length strings, fixed arrays and table rows.

use hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use hdf5::{Datatype, Location};
use pet_core::value::Scalar;
use pet_core::Result;

use crate::attrs;
use crate::error::{bad, h5};

/// One element type.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    /// Integer of `size` bytes.
    Int {
        /// Two's complement when true.
        signed: bool,
        /// Bytes.
        size: usize,
    },
    /// IEEE float of 4 or 8 bytes.
    Float(usize),
    /// PyTables' bool: one byte, 0 or 1.
    Bool,
    /// Complex as a compound `{r, i}` of two floats of `size / 2` bytes.
    Complex(usize),
    /// Fixed-length string of `len` bytes (NUL padded), UTF-8 or ASCII.
    Str(usize),
    /// A fixed array of `base` elements with shape `dims` (a table cell).
    Array(Box<Ty>, Vec<usize>),
    /// A table row: named fields at byte offsets.
    Row(Vec<Field>),
    /// A variable-length byte sequence (pandas' object columns: pickles).
    VarBytes,
}

/// A field of a table row.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// Column name.
    pub name: String,
    /// Byte offset in the row.
    pub offset: usize,
    /// Element type.
    pub ty: Ty,
}

/// One decoded element.
#[derive(Clone, Debug, PartialEq)]
pub enum Elem {
    /// A number or bool.
    Scalar(Scalar),
    /// The bytes of a fixed-length string, trailing NUL padding removed.
    Bytes(Vec<u8>),
}

impl Ty {
    /// Bytes one element takes.
    pub fn size(&self) -> usize {
        match self {
            Ty::Int { size, .. } | Ty::Float(size) | Ty::Complex(size) | Ty::Str(size) => *size,
            Ty::Bool => 1,
            Ty::Array(base, dims) => base.size() * dims.iter().product::<usize>(),
            Ty::Row(fields) => fields
                .iter()
                .map(|f| f.offset + f.ty.size())
                .max()
                .unwrap_or(0),
            Ty::VarBytes => 16,
        }
    }

    /// The type of a descriptor the HDF5 library could describe.
    fn from_descriptor(d: &TypeDescriptor, at: &str) -> Result<Ty> {
        let int = |s: &IntSize| match s {
            IntSize::U1 => 1,
            IntSize::U2 => 2,
            IntSize::U4 => 4,
            IntSize::U8 => 8,
        };
        Ok(match d {
            TypeDescriptor::Integer(s) => Ty::Int {
                signed: true,
                size: int(s),
            },
            TypeDescriptor::Unsigned(s) => Ty::Int {
                signed: false,
                size: int(s),
            },
            TypeDescriptor::Float(FloatSize::U4) => Ty::Float(4),
            TypeDescriptor::Float(FloatSize::U8) => Ty::Float(8),
            TypeDescriptor::Boolean => Ty::Bool,
            TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) => Ty::Str(*n),
            TypeDescriptor::FixedArray(base, n) => {
                let base = Ty::from_descriptor(base, at)?;
                match base {
                    Ty::Array(inner, mut dims) => {
                        dims.insert(0, *n);
                        Ty::Array(inner, dims)
                    }
                    b => Ty::Array(Box::new(b), vec![*n]),
                }
            }
            TypeDescriptor::VarLenArray(base)
                if matches!(**base, TypeDescriptor::Unsigned(IntSize::U1)) =>
            {
                Ty::VarBytes
            }
            TypeDescriptor::Compound(c) => {
                let names: Vec<&str> = c.fields.iter().map(|f| f.name.as_str()).collect();
                if names == ["r", "i"] && (c.size == 8 || c.size == 16) {
                    Ty::Complex(c.size)
                } else {
                    let mut fields = Vec::with_capacity(c.fields.len());
                    for f in &c.fields {
                        fields.push(Field {
                            name: f.name.clone(),
                            offset: f.offset,
                            ty: Ty::from_descriptor(&f.ty, at)?,
                        });
                    }
                    Ty::Row(fields)
                }
            }
            other => {
                return Err(bad(
                    at,
                    format!("the HDF5 type {other:?} is not one PyTables writes for pypet"),
                ))
            }
        })
    }

    /// The type of a dataset or attribute's elements. A type the HDF5 library
    /// cannot describe that is one byte wide is PyTables' bool bitfield; a
    /// table row holding one is described from PyTables' `FIELD_<i>_NAME` /
    /// `FIELD_<i>_FILL` attributes on `owner` (packed fields, in that order).
    pub fn of(dtype: &Datatype, owner: Option<&Location>, at: &str) -> Result<Ty> {
        match dtype.to_descriptor() {
            Ok(d) => Ty::from_descriptor(&d, at),
            Err(e) => match owner {
                Some(loc) if attrs::has(&attrs::names(loc)?, "FIELD_0_NAME") => {
                    Ty::row_from_fields(loc, dtype.size(), at)
                }
                _ if dtype.size() == 1 => Ok(Ty::Bool),
                _ => Err(bad(at, format!("an HDF5 type pet cannot read: {e}"))),
            },
        }
    }

    /// A packed row described by PyTables' field attributes.
    fn row_from_fields(loc: &Location, row: usize, at: &str) -> Result<Ty> {
        let names = attrs::names(loc)?;
        let mut fields = Vec::new();
        let mut offset = 0usize;
        for i in 0.. {
            let key = format!("FIELD_{i}_NAME");
            if !names.contains(&key) {
                break;
            }
            let name = attrs::string(loc, &key, at)?.unwrap_or_default();
            let fill = loc
                .attr(&format!("FIELD_{i}_FILL"))
                .map_err(h5("cannot open a table's field description"))?;
            let ty = Ty::of(
                &fill.dtype().map_err(h5("cannot read a datatype"))?,
                None,
                at,
            )?;
            let size = ty.size();
            fields.push(Field { name, offset, ty });
            offset = offset
                .checked_add(size)
                .ok_or_else(|| bad(at, "a table row larger than this machine can address"))?;
        }
        if fields.len() == 1 && offset > 0 && offset != row && row.is_multiple_of(offset) {
            // One array-valued column: PyTables' fill value is a scalar of its base type.
            let f = &mut fields[0];
            f.ty = Ty::Array(Box::new(f.ty.clone()), vec![row / offset]);
            offset = row;
        }
        let strings: Vec<usize> = (0..fields.len())
            .filter(|&i| matches!(fields[i].ty, Ty::Str(_)))
            .collect();
        if let ([only], true) = (strings.as_slice(), offset < row) {
            // PyTables' fill value of a string column is the empty string, one
            // byte wide: with one string column the row size gives its width.
            let extra = row - offset;
            let i = *only;
            if let Ty::Str(n) = &mut fields[i].ty {
                *n += extra;
            }
            for f in fields.iter_mut().skip(i + 1) {
                f.offset += extra;
            }
            offset = row;
        }
        if fields.is_empty() || offset != row {
            return Err(bad(
                at,
                format!(
                    "a table whose row type HDF5 cannot describe and whose {} field attributes \
                     add up to {offset} bytes, not the {row} of a row",
                    fields.len()
                ),
            ));
        }
        Ok(Ty::Row(fields))
    }

    /// Decodes one element from exactly `self.size()` little-endian bytes.
    pub fn decode(&self, b: &[u8], at: &str) -> Result<Elem> {
        let short = || bad(at, "an element is shorter than its type");
        let arr = |n: usize| -> Result<&[u8]> { b.get(..n).ok_or_else(short) };
        Ok(Elem::Scalar(match self {
            Ty::Int {
                signed: true,
                size: 1,
            } => Scalar::I8(i8::from_le_bytes(fixed(arr(1)?)?)),
            Ty::Int {
                signed: true,
                size: 2,
            } => Scalar::I16(i16::from_le_bytes(fixed(arr(2)?)?)),
            Ty::Int {
                signed: true,
                size: 4,
            } => Scalar::I32(i32::from_le_bytes(fixed(arr(4)?)?)),
            Ty::Int {
                signed: true,
                size: 8,
            } => Scalar::I64(i64::from_le_bytes(fixed(arr(8)?)?)),
            Ty::Int {
                signed: false,
                size: 1,
            } => Scalar::U8(arr(1)?[0]),
            Ty::Int {
                signed: false,
                size: 2,
            } => Scalar::U16(u16::from_le_bytes(fixed(arr(2)?)?)),
            Ty::Int {
                signed: false,
                size: 4,
            } => Scalar::U32(u32::from_le_bytes(fixed(arr(4)?)?)),
            Ty::Int {
                signed: false,
                size: 8,
            } => Scalar::U64(u64::from_le_bytes(fixed(arr(8)?)?)),
            Ty::Float(4) => Scalar::F32(f32::from_le_bytes(fixed(arr(4)?)?)),
            Ty::Float(8) => Scalar::F64(f64::from_le_bytes(fixed(arr(8)?)?)),
            Ty::Bool => match arr(1)?[0] {
                0 => Scalar::Bool(false),
                1 => Scalar::Bool(true),
                v => return Err(bad(at, format!("a bool holds {v}, not 0 or 1"))),
            },
            Ty::Complex(8) => Scalar::C64(num_complex::Complex32::new(
                f32::from_le_bytes(fixed(arr(4)?)?),
                f32::from_le_bytes(fixed(b.get(4..8).ok_or_else(short)?)?),
            )),
            Ty::Complex(16) => Scalar::C128(num_complex::Complex64::new(
                f64::from_le_bytes(fixed(arr(8)?)?),
                f64::from_le_bytes(fixed(b.get(8..16).ok_or_else(short)?)?),
            )),
            Ty::Str(n) => {
                let s = arr(*n)?;
                let end = s.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
                return Ok(Elem::Bytes(s[..end].to_vec()));
            }
            other => {
                return Err(bad(
                    at,
                    format!("elements of type {other:?} are not read one by one"),
                ))
            }
        }))
    }
}

fn fixed<const N: usize>(b: &[u8]) -> Result<[u8; N]> {
    b.try_into()
        .map_err(|_| bad("element", "an element has the wrong width"))
}
