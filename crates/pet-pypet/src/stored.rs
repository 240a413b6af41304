//! A dataset as stored: its element type, shape and raw bytes, and the
//! typed pieces pet builds from them (arrays, elements, table columns).

use hdf5::types::VarLenArray;
use hdf5::Dataset;
use pet_core::value::{Array, DType};
use pet_core::{bounds, Result};

use crate::error::{bad, h5};
use crate::htype::{Elem, Ty};
use crate::Source;

/// One dataset's stored content.
pub struct Raw {
    /// Element type.
    pub ty: Ty,
    /// Shape (empty for a scalar dataspace).
    pub shape: Vec<usize>,
    /// Row-major element bytes.
    pub bytes: Vec<u8>,
}

impl Raw {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the dataset holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element bytes of element `i`.
    pub fn elem_bytes(&self, i: usize) -> &[u8] {
        let w = self.ty.size();
        self.bytes.get(i * w..(i + 1) * w).unwrap_or(&[])
    }
}

/// Reads a dataset's type, shape and bytes.
pub fn read(src: &Source<'_>, ds: &Dataset, at: &str) -> Result<Raw> {
    let dtype = ds.dtype().map_err(h5("cannot read a datatype"))?;
    let ty = Ty::of(&dtype, Some(ds), at)?;
    let shape = ds.shape();
    if ty == Ty::VarBytes {
        return Err(bad(at, "variable-length data is read with read_var_bytes"));
    }
    let bytes = crate::raw::dataset_bytes(ds, src.raw, src.raw_len, at)?;
    Ok(Raw { ty, shape, bytes })
}

/// Reads a dataset of variable-length byte sequences (pandas' pickled object columns).
pub fn read_var_bytes(ds: &Dataset, at: &str) -> Result<Vec<Vec<u8>>> {
    pet_hdf5::sizes::check_dataset(ds, at)?;
    let rows = ds
        .read_raw::<VarLenArray<u8>>()
        .map_err(h5("cannot read variable-length data"))?;
    Ok(rows.iter().map(|r| r.as_slice().to_vec()).collect())
}

/// The pet element type of a numeric or bool type.
pub fn dtype_of(ty: &Ty) -> Option<DType> {
    Some(match ty {
        Ty::Bool => DType::Bool,
        Ty::Int {
            signed: true,
            size: 1,
        } => DType::I8,
        Ty::Int {
            signed: true,
            size: 2,
        } => DType::I16,
        Ty::Int {
            signed: true,
            size: 4,
        } => DType::I32,
        Ty::Int {
            signed: true,
            size: 8,
        } => DType::I64,
        Ty::Int {
            signed: false,
            size: 1,
        } => DType::U8,
        Ty::Int {
            signed: false,
            size: 2,
        } => DType::U16,
        Ty::Int {
            signed: false,
            size: 4,
        } => DType::U32,
        Ty::Int {
            signed: false,
            size: 8,
        } => DType::U64,
        Ty::Float(4) => DType::F32,
        Ty::Float(8) => DType::F64,
        Ty::Complex(8) => DType::C64,
        Ty::Complex(16) => DType::C128,
        _ => return None,
    })
}

/// A numeric or bool array of `shape` from little-endian element bytes.
pub fn numeric_array(ty: &Ty, shape: &[usize], bytes: &[u8], at: &str) -> Result<Array> {
    let dtype =
        dtype_of(ty).ok_or_else(|| bad(at, format!("elements of type {ty:?} are not numbers")))?;
    bounds::element_count(shape).map_err(|e| bad(at, e.to_string()))?;
    Array::from_le_bytes(dtype, shape, bytes).map_err(|e| bad(at, e.to_string()))
}

/// Every element of `bytes` (of type `ty`) decoded.
pub fn elems(ty: &Ty, bytes: &[u8], at: &str) -> Result<Vec<Elem>> {
    let w = ty.size();
    if w == 0 {
        return Err(bad(at, "elements of size 0"));
    }
    bytes.chunks_exact(w).map(|b| ty.decode(b, at)).collect()
}

/// One column of a table: its name, its cell type and every cell's bytes.
pub struct Column {
    /// Column name.
    pub name: String,
    /// Cell type (an `Array` type for array-valued cells).
    pub ty: Ty,
    /// Bytes of each row's cell.
    pub cells: Vec<Vec<u8>>,
}

/// Splits a table's rows into columns.
pub fn columns(raw: &Raw, at: &str) -> Result<Vec<Column>> {
    let Ty::Row(fields) = &raw.ty else {
        return Err(bad(at, "a table that is not a table of rows"));
    };
    let n = raw.len();
    let row = raw.bytes.len().checked_div(n).unwrap_or(0);
    let mut out: Vec<Column> = fields
        .iter()
        .map(|f| Column {
            name: f.name.clone(),
            ty: f.ty.clone(),
            cells: Vec::with_capacity(n),
        })
        .collect();
    for r in 0..n {
        let rb = raw
            .bytes
            .get(r * row..(r + 1) * row)
            .ok_or_else(|| bad(at, "a table shorter than its rows"))?;
        for (f, c) in fields.iter().zip(out.iter_mut()) {
            let cell = rb
                .get(f.offset..f.offset + f.ty.size())
                .ok_or_else(|| bad(at, "a field beyond its row"))?;
            c.cells.push(cell.to_vec());
        }
    }
    Ok(out)
}
