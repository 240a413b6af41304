//! One pet value as one typed HDF5 dataset: scalars and arrays natively (arrays
//! chunked and compressed), quantities with a unit attribute, composite values
//! (lists, dicts, sparse, tables, user types) as CBOR bytes with a kind attribute.

use hdf5::types::{FloatSize, IntSize, TypeDescriptor, VarLenUnicode};
use hdf5::{Attribute, Container, Dataset, Group, H5Type, Location};
use ndarray::{ArrayD, IxDyn};
use num_complex::{Complex32, Complex64};
use pet_core::value::{Array, DType, Kind, Quantity, Scalar};
use pet_core::{codec, PetError, Result, Value};

use crate::attrs;
use crate::compression::Compression;
use crate::error::{corrupt, h5};
use crate::layout::{A_KIND, A_UNIT};
use crate::sizes;

/// Arrays smaller than this many bytes are stored contiguous and uncompressed.
pub const CHUNK_MIN_BYTES: usize = 16 * 1024;
/// Target size of one chunk.
const CHUNK_BYTES: usize = 1 << 20;

fn chunk_shape(shape: &[usize], width: usize) -> Vec<usize> {
    let row: usize = shape[1..].iter().product::<usize>().max(1) * width.max(1);
    let rows = (CHUNK_BYTES / row).clamp(1, shape[0].max(1));
    let mut c = shape.to_vec();
    c[0] = rows;
    c
}

fn write_array<T: H5Type + Clone>(
    g: &Group,
    name: &str,
    a: &ArrayD<T>,
    width: usize,
    comp: Compression,
) -> Result<Dataset> {
    let err = h5("cannot write a dataset");
    let bytes = a.len() * width;
    let chunkable = a.ndim() >= 1 && !a.is_empty() && bytes >= CHUNK_MIN_BYTES;
    let mut b = g.new_dataset_builder();
    if chunkable && comp != Compression::None {
        b = comp.apply(b.chunk(chunk_shape(a.shape(), width)));
    }
    if a.is_standard_layout() {
        b.with_data(a.view()).create(name).map_err(err)
    } else {
        let owned = a.as_standard_layout().into_owned();
        b.with_data(owned.view()).create(name).map_err(err)
    }
}

fn write_scalar<T: H5Type>(g: &Group, name: &str, v: &T) -> Result<Dataset> {
    let err = h5("cannot write a scalar dataset");
    let ds = g
        .new_dataset::<T>()
        .layout(hdf5::dataset::Layout::Compact)
        .create(name)
        .map_err(&err)?;
    ds.write_scalar(v).map_err(err)?;
    Ok(ds)
}

fn vlen(s: &str) -> Result<VarLenUnicode> {
    s.parse::<VarLenUnicode>()
        .map_err(|e| PetError::invalid(format!("string cannot be stored in HDF5: {e}")))
}

fn scalar_dataset(g: &Group, name: &str, s: &Scalar) -> Result<Dataset> {
    match s {
        Scalar::Bool(v) => write_scalar(g, name, v),
        Scalar::I8(v) => write_scalar(g, name, v),
        Scalar::I16(v) => write_scalar(g, name, v),
        Scalar::I32(v) => write_scalar(g, name, v),
        Scalar::I64(v) => write_scalar(g, name, v),
        Scalar::U8(v) => write_scalar(g, name, v),
        Scalar::U16(v) => write_scalar(g, name, v),
        Scalar::U32(v) => write_scalar(g, name, v),
        Scalar::U64(v) => write_scalar(g, name, v),
        Scalar::F32(v) => write_scalar(g, name, v),
        Scalar::F64(v) => write_scalar(g, name, v),
        Scalar::C64(v) => write_scalar(g, name, v),
        Scalar::C128(v) => write_scalar(g, name, v),
        Scalar::Str(v) => write_scalar(g, name, &vlen(v)?),
    }
}

fn array_dataset(g: &Group, name: &str, a: &Array, comp: Compression) -> Result<Dataset> {
    match a {
        Array::Bool(a) => write_array(g, name, a, 1, comp),
        Array::I8(a) => write_array(g, name, a, 1, comp),
        Array::I16(a) => write_array(g, name, a, 2, comp),
        Array::I32(a) => write_array(g, name, a, 4, comp),
        Array::I64(a) => write_array(g, name, a, 8, comp),
        Array::U8(a) => write_array(g, name, a, 1, comp),
        Array::U16(a) => write_array(g, name, a, 2, comp),
        Array::U32(a) => write_array(g, name, a, 4, comp),
        Array::U64(a) => write_array(g, name, a, 8, comp),
        Array::F32(a) => write_array(g, name, a, 4, comp),
        Array::F64(a) => write_array(g, name, a, 8, comp),
        Array::C64(a) => write_array(g, name, a, 8, comp),
        Array::C128(a) => write_array(g, name, a, 16, comp),
        Array::Str(a) => {
            let v: Vec<VarLenUnicode> = a.iter().map(|s| vlen(s)).collect::<Result<_>>()?;
            let arr = ArrayD::from_shape_vec(IxDyn(a.shape()), v)
                .map_err(|e| PetError::invalid(format!("string array: {e}")))?;
            write_array(g, name, &arr, 16, Compression::None)
        }
    }
}

/// Kind attribute of values HDF5 cannot hold natively (strings with NUL bytes):
/// the dataset holds the CBOR of the whole value.
const CBOR_KIND: &str = "cbor";

/// True for strings HDF5 cannot hold natively (they contain NUL bytes).
pub fn has_nul(v: &Value) -> bool {
    match v {
        Value::Scalar(Scalar::Str(s)) => s.contains('\0'),
        Value::Array(a) => match a.as_ref() {
            Array::Str(a) => a.iter().any(|s| s.contains('\0')),
            _ => false,
        },
        _ => false,
    }
}

/// Writes `v` as dataset `name` in `g` (which must not hold `name` yet).
pub fn write_value(g: &Group, name: &str, v: &Value, comp: Compression) -> Result<Dataset> {
    if has_nul(v) {
        let blob = codec::to_cbor(v)?;
        let ds = g
            .new_dataset_builder()
            .with_data(&blob)
            .create(name)
            .map_err(h5("cannot write a dataset"))?;
        attrs::put_str(&ds, A_KIND, CBOR_KIND)?;
        return Ok(ds);
    }
    let (magnitude, unit) = match v {
        Value::Quantity(Quantity { value, unit }) => (value.as_ref(), Some(unit.as_str())),
        other => (other, None),
    };
    let ds = match magnitude {
        Value::Scalar(s) => scalar_dataset(g, name, s)?,
        Value::Array(a) if a.shape().is_empty() => {
            let s = a
                .get_flat(0)
                .ok_or_else(|| PetError::invalid("0-d array without an element"))?;
            let ds = scalar_dataset(g, name, &s)?;
            attrs::put_str(&ds, A_KIND, "array")?;
            ds
        }
        Value::Array(a) => array_dataset(g, name, a, comp)?,
        other => {
            let blob = codec::encode(other)?
                .blob
                .ok_or_else(|| PetError::invalid("composite value without payload"))?;
            let ds = g
                .new_dataset_builder()
                .with_data(&blob)
                .create(name)
                .map_err(h5("cannot write a dataset"))?;
            attrs::put_str(&ds, A_KIND, other.kind().name())?;
            ds
        }
    };
    if let Some(u) = unit {
        attrs::put_str(&ds, A_UNIT, u)?;
    }
    Ok(ds)
}

/// The pet element type of a dataset written by pet.
pub fn dtype_of(ds: &Container, at: &str) -> Result<DType> {
    let d = ds
        .dtype()
        .and_then(|t| t.to_descriptor())
        .map_err(h5("cannot read a datatype"))?;
    Ok(match d {
        TypeDescriptor::Boolean => DType::Bool,
        TypeDescriptor::Integer(IntSize::U1) => DType::I8,
        TypeDescriptor::Integer(IntSize::U2) => DType::I16,
        TypeDescriptor::Integer(IntSize::U4) => DType::I32,
        TypeDescriptor::Integer(IntSize::U8) => DType::I64,
        TypeDescriptor::Unsigned(IntSize::U1) => DType::U8,
        TypeDescriptor::Unsigned(IntSize::U2) => DType::U16,
        TypeDescriptor::Unsigned(IntSize::U4) => DType::U32,
        TypeDescriptor::Unsigned(IntSize::U8) => DType::U64,
        TypeDescriptor::Float(FloatSize::U4) => DType::F32,
        TypeDescriptor::Float(FloatSize::U8) => DType::F64,
        TypeDescriptor::VarLenUnicode | TypeDescriptor::VarLenAscii => DType::Str,
        TypeDescriptor::Compound(c) if c.fields.len() == 2 && c.size == 8 => DType::C64,
        TypeDescriptor::Compound(c) if c.fields.len() == 2 && c.size == 16 => DType::C128,
        other => {
            return Err(corrupt(
                at,
                format!("dataset type {other:?} is not one pet writes"),
            ))
        }
    })
}

fn read_arr<T: H5Type>(ds: &Container) -> Result<ArrayD<T>> {
    ds.read_dyn::<T>().map_err(h5("cannot read a dataset"))
}

/// Reads a whole dataset as an array of `dtype`, after checking its declared size.
pub fn read_array(ds: &Dataset, dtype: DType, at: &str) -> Result<Array> {
    sizes::check_dataset(ds, at)?;
    read_container(ds, dtype)
}

/// Reads a dataset or attribute whose size was checked.
fn read_container(ds: &Container, dtype: DType) -> Result<Array> {
    Ok(match dtype {
        DType::Bool => Array::Bool(read_arr(ds)?),
        DType::I8 => Array::I8(read_arr(ds)?),
        DType::I16 => Array::I16(read_arr(ds)?),
        DType::I32 => Array::I32(read_arr(ds)?),
        DType::I64 => Array::I64(read_arr(ds)?),
        DType::U8 => Array::U8(read_arr(ds)?),
        DType::U16 => Array::U16(read_arr(ds)?),
        DType::U32 => Array::U32(read_arr(ds)?),
        DType::U64 => Array::U64(read_arr(ds)?),
        DType::F32 => Array::F32(read_arr(ds)?),
        DType::F64 => Array::F64(read_arr(ds)?),
        DType::C64 => Array::C64(read_arr::<Complex32>(ds)?),
        DType::C128 => Array::C128(read_arr::<Complex64>(ds)?),
        DType::Str => Array::Str(read_arr::<VarLenUnicode>(ds)?.mapv(|s| s.as_str().to_string())),
    })
}

/// Reads a dataset written by [`write_value`]; `at` names it in errors.
pub fn read_value(ds: &Dataset, at: &str) -> Result<Value> {
    let kind = attrs::get_str(ds, A_KIND)?;
    if kind.as_deref() == Some(CBOR_KIND) {
        let blob = sizes::read_raw::<u8>(ds, at)?;
        let v: Value = codec::from_cbor(&blob).map_err(|e| corrupt(at, e.to_string()))?;
        v.validate().map_err(|e| corrupt(at, e.to_string()))?;
        return Ok(v);
    }
    let unit = attrs::get_str(ds, A_UNIT)?;
    let magnitude = match kind.as_deref().map(Kind::from_name) {
        None => {
            let a = read_array(ds, dtype_of(ds, at)?, at)?;
            if ds.is_scalar() {
                match a.get_flat(0) {
                    Some(s) if a.len() == 1 => Value::Scalar(s),
                    _ => return Err(corrupt(at, "scalar dataset without one element")),
                }
            } else {
                Value::from(a)
            }
        }
        Some(Some(Kind::Array)) => Value::from(read_array(ds, dtype_of(ds, at)?, at)?),
        Some(Some(k)) => {
            let blob = sizes::read_raw::<u8>(ds, at)?;
            let e = codec::Encoded {
                kind: k,
                dtype: None,
                shape: None,
                unit: None,
                scalar: None,
                blob: Some(blob),
            };
            codec::decode(&e).map_err(|e| corrupt(at, e.to_string()))?
        }
        Some(None) => {
            return Err(corrupt(
                at,
                format!(
                    "unknown value kind '{}'; a newer pet may have written it",
                    kind.unwrap_or_default()
                ),
            ))
        }
    };
    let v = match unit {
        Some(unit) => Value::Quantity(Quantity {
            value: Box::new(magnitude),
            unit,
        }),
        None => magnitude,
    };
    v.validate().map_err(|e| corrupt(at, e.to_string()))?;
    Ok(v)
}

/// The element type of a dataset holding a plain scalar (no kind or unit
/// attribute), `None` for anything else.
pub fn plain_scalar_dtype(ds: &Dataset, at: &str) -> Result<Option<DType>> {
    if !ds.is_scalar() {
        return Ok(None);
    }
    let names = ds.attr_names().map_err(h5("cannot list attributes"))?;
    if names.iter().any(|n| n == A_KIND || n == A_UNIT) {
        return Ok(None);
    }
    dtype_of(ds, at).map(Some)
}

/// A scalar of `dtype` (zero, false or empty), to describe types without data.
pub fn zero_scalar(dtype: DType) -> Result<Scalar> {
    match dtype.width() {
        Some(w) => Scalar::from_le_bytes(dtype, &vec![0u8; w]),
        None => Ok(Scalar::Str(String::new())),
    }
}

fn overwrite<T: H5Type>(ds: &Dataset, a: &ArrayD<T>) -> Result<()> {
    ds.write(a.view()).map_err(h5("cannot write a dataset"))
}

/// Overwrites an existing dataset of the same shape and type with `a`.
pub fn overwrite_array(ds: &Dataset, a: &Array) -> Result<()> {
    match a {
        Array::Bool(a) => overwrite(ds, a),
        Array::I8(a) => overwrite(ds, a),
        Array::I16(a) => overwrite(ds, a),
        Array::I32(a) => overwrite(ds, a),
        Array::I64(a) => overwrite(ds, a),
        Array::U8(a) => overwrite(ds, a),
        Array::U16(a) => overwrite(ds, a),
        Array::U32(a) => overwrite(ds, a),
        Array::U64(a) => overwrite(ds, a),
        Array::F32(a) => overwrite(ds, a),
        Array::F64(a) => overwrite(ds, a),
        Array::C64(a) => overwrite(ds, a),
        Array::C128(a) => overwrite(ds, a),
        Array::Str(_) => Err(PetError::invalid("string columns are not used")),
    }
}

/// Bytes of one chunk of a growable dataset: small, because every append
/// rewrites the last chunk.
const GROW_CHUNK_BYTES: usize = 16 * 1024;

fn growable<T: H5Type>(g: &Group, name: &str, width: usize) -> Result<Dataset> {
    let chunk = (GROW_CHUNK_BYTES / width.max(1)).max(1);
    g.new_dataset::<T>()
        .chunk(chunk)
        .shape(0..)
        .create(name)
        .map_err(h5("cannot create a growable dataset"))
}

/// Creates an empty 1-d dataset of `dtype` that grows along its axis (chunked,
/// unlimited maximum size). It is not compressed: every append rewrites its
/// last chunk, and compressing that each time costs more than it saves on a
/// list of points (a third of the cost of an append, measured).
pub fn create_growable(g: &Group, name: &str, dtype: DType) -> Result<Dataset> {
    let w = dtype.width().unwrap_or(16);
    match dtype {
        DType::Bool => growable::<bool>(g, name, w),
        DType::I8 => growable::<i8>(g, name, w),
        DType::I16 => growable::<i16>(g, name, w),
        DType::I32 => growable::<i32>(g, name, w),
        DType::I64 => growable::<i64>(g, name, w),
        DType::U8 => growable::<u8>(g, name, w),
        DType::U16 => growable::<u16>(g, name, w),
        DType::U32 => growable::<u32>(g, name, w),
        DType::U64 => growable::<u64>(g, name, w),
        DType::F32 => growable::<f32>(g, name, w),
        DType::F64 => growable::<f64>(g, name, w),
        DType::C64 => growable::<Complex32>(g, name, w),
        DType::C128 => growable::<Complex64>(g, name, w),
        DType::Str => growable::<VarLenUnicode>(g, name, w),
    }
}

fn grow<T: H5Type>(ds: &Dataset, start: usize, a: &ArrayD<T>) -> Result<()> {
    let err = h5("cannot append to a dataset");
    let end = start
        .checked_add(a.len())
        .ok_or_else(|| PetError::invalid("the dataset would grow beyond the index range"))?;
    ds.resize(end).map_err(&err)?;
    ds.write_slice(a, start..end).map_err(err)
}

/// Writes `items` (scalars of the dataset's type) into the 1-d growable
/// dataset `ds` at `start..`, which first becomes that long: what lies beyond
/// goes, so writing the same points again gives the same dataset.
pub fn write_growable(ds: &Dataset, start: usize, items: &[Scalar]) -> Result<()> {
    let Some(first) = items.first() else {
        return Ok(());
    };
    match Array::from_scalars(first.dtype(), items)? {
        Array::Bool(a) => grow(ds, start, &a),
        Array::I8(a) => grow(ds, start, &a),
        Array::I16(a) => grow(ds, start, &a),
        Array::I32(a) => grow(ds, start, &a),
        Array::I64(a) => grow(ds, start, &a),
        Array::U8(a) => grow(ds, start, &a),
        Array::U16(a) => grow(ds, start, &a),
        Array::U32(a) => grow(ds, start, &a),
        Array::U64(a) => grow(ds, start, &a),
        Array::F32(a) => grow(ds, start, &a),
        Array::F64(a) => grow(ds, start, &a),
        Array::C64(a) => grow(ds, start, &a),
        Array::C128(a) => grow(ds, start, &a),
        Array::Str(a) => {
            let v: Vec<VarLenUnicode> = a.iter().map(|s| vlen(s)).collect::<Result<_>>()?;
            let arr = ArrayD::from_shape_vec(IxDyn(&[v.len()]), v)
                .map_err(|e| PetError::invalid(format!("string array: {e}")))?;
            grow(ds, start, &arr)
        }
    }
}

fn scalar_attr<T: H5Type>(loc: &Location, name: &str, v: &T) -> Result<()> {
    loc.new_attr::<T>()
        .create(name)
        .and_then(|a| a.write_scalar(v))
        .map_err(h5("cannot write an attribute"))
}

/// Writes a scalar as a typed attribute (strings as variable-length UTF-8).
pub fn write_scalar_attr(loc: &Location, name: &str, s: &Scalar) -> Result<()> {
    match s {
        Scalar::Bool(v) => scalar_attr(loc, name, v),
        Scalar::I8(v) => scalar_attr(loc, name, v),
        Scalar::I16(v) => scalar_attr(loc, name, v),
        Scalar::I32(v) => scalar_attr(loc, name, v),
        Scalar::I64(v) => scalar_attr(loc, name, v),
        Scalar::U8(v) => scalar_attr(loc, name, v),
        Scalar::U16(v) => scalar_attr(loc, name, v),
        Scalar::U32(v) => scalar_attr(loc, name, v),
        Scalar::U64(v) => scalar_attr(loc, name, v),
        Scalar::F32(v) => scalar_attr(loc, name, v),
        Scalar::F64(v) => scalar_attr(loc, name, v),
        Scalar::C64(v) => scalar_attr(loc, name, v),
        Scalar::C128(v) => scalar_attr(loc, name, v),
        Scalar::Str(v) => scalar_attr(loc, name, &vlen(v)?),
    }
}

/// Reads a scalar attribute written by [`write_scalar_attr`].
pub fn read_scalar_attr(a: &Attribute, at: &str) -> Result<Scalar> {
    sizes::check_attribute(a, at)?;
    read_container(a, dtype_of(a, at)?)?
        .get_flat(0)
        .ok_or_else(|| corrupt(at, "an empty attribute"))
}
