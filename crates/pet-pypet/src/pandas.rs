//! pandas DataFrames and Series in pandas' HDF5 *fixed* format, as pypet
//! stores them (`SRVC_STORE=FRAME|SERIES` groups): a frame becomes a pet
//! table whose first column `index` holds the frame's index; a column pandas
//! pickled (object dtype) cannot be a typed column, so such a frame becomes a
//! dict of its columns with the pickled block carried as an opaque pickle.

use std::collections::BTreeMap;

use hdf5::Group;
use pet_core::value::{Array, Table};
use pet_core::{name, Result, Value};

use crate::convert::{self, Notes};
use crate::error::{bad, h5};
use crate::pickle;
use crate::stored;
use crate::Source;

/// A 1-d axis or items array (numbers or strings) of `g`.
fn axis(src: &Source<'_>, g: &Group, n: &str, at: &str) -> Result<Value> {
    let ds = g.dataset(n).map_err(h5("cannot open a pandas array"))?;
    let raw = stored::read(src, &ds, at)?;
    convert::array(&raw.ty, &raw.shape, &raw.bytes, &Notes::default(), at)
}

fn names_of(v: &Value, at: &str) -> Result<Vec<String>> {
    match v {
        Value::Array(a) => Ok((0..a.len())
            .filter_map(|i| a.get_flat(i))
            .map(|s| match s {
                pet_core::Scalar::Str(s) => s,
                other => other.to_string(),
            })
            .collect()),
        _ => Err(bad(at, "pandas column names that are not an array")),
    }
}

/// A frame's column: a typed array, or the pickled block it lives in.
enum Col {
    Array(Array),
    Pickled(usize),
}

/// Reads a `FRAME` group; `notes` receives what the reader could not keep typed.
pub fn frame(src: &Source<'_>, g: &Group, at: &str, notes: &mut Vec<String>) -> Result<Value> {
    let index = axis(src, g, "axis1", at)?;
    let nrows = match &index {
        Value::Array(a) => a.len(),
        _ => 0,
    };
    let columns = names_of(&axis(src, g, "axis0", at)?, at)?;
    let nblocks = crate::attrs::int(g, "nblocks")?.unwrap_or(0);
    let nblocks = usize::try_from(nblocks).map_err(|_| bad(at, "a negative block count"))?;
    let mut cols: BTreeMap<String, Col> = BTreeMap::new();
    let mut pickles = Vec::new();
    for b in 0..nblocks.min(columns.len().max(1)) {
        let items = names_of(&axis(src, g, &format!("block{b}_items"), at)?, at)?;
        let vn = format!("block{b}_values");
        let ds = g.dataset(&vn).map_err(h5("cannot open a pandas block"))?;
        let ty = ds.dtype().map_err(h5("cannot read a datatype"))?;
        if crate::htype::Ty::of(&ty, None, at).ok() == Some(crate::htype::Ty::VarBytes) {
            let rows = stored::read_var_bytes(&ds, at)?;
            for it in &items {
                cols.insert(it.clone(), Col::Pickled(pickles.len()));
            }
            pickles.push((items.join(","), rows.concat()));
            continue;
        }
        let raw = stored::read(src, &ds, at)?;
        let k = items.len();
        let (r, c) = match raw.shape.as_slice() {
            [r, c] => (*r, *c),
            _ => return Err(bad(at, "a pandas block that is not 2-d")),
        };
        // pandas writes blocks transposed (rows x items); the flag saying so is
        // a bool attribute HDF5 cannot convert, so the shape decides.
        let transposed = r == nrows && c == k;
        if !(transposed || r == k && c == nrows) {
            return Err(bad(
                at,
                "a pandas block whose shape fits neither its rows nor its columns",
            ));
        }
        if transposed && r == c && r > 1 {
            notes.push(format!(
                "block {b} is square; read as pandas writes it (rows x columns)"
            ));
        }
        let w = raw.ty.size();
        for (j, it) in items.iter().enumerate() {
            let mut bytes = Vec::with_capacity(nrows * w);
            for i in 0..nrows {
                let e = if transposed { i * c + j } else { j * c + i };
                bytes.extend_from_slice(raw.elem_bytes(e));
            }
            let v = convert::array(&raw.ty, &[nrows], &bytes, &Notes::default(), at)?;
            let Value::Array(a) = v else {
                return Err(bad(at, "a pandas column that is not an array"));
            };
            cols.insert(it.clone(), Col::Array(*a));
        }
    }
    let typed = pickles.is_empty()
        && columns
            .iter()
            .all(|c| c != "index" && name::validate_part(c).is_ok());
    let Value::Array(index_array) = index else {
        return Err(bad(at, "a pandas index that is not an array"));
    };
    if typed {
        let mut t = Table::new();
        t.push("index", *index_array)
            .map_err(|e| bad(at, e.to_string()))?;
        for c in &columns {
            match cols.remove(c) {
                Some(Col::Array(a)) => t.push(c.clone(), a).map_err(|e| bad(at, e.to_string()))?,
                _ => return Err(bad(at, format!("pandas column '{c}' is in no block"))),
            }
        }
        return Ok(Value::Table(t));
    }
    let mut d = BTreeMap::new();
    d.insert("index".to_string(), Value::Array(index_array));
    for c in &columns {
        match cols.remove(c) {
            Some(Col::Array(a)) => {
                d.insert(c.clone(), Value::from(a));
            }
            Some(Col::Pickled(i)) => {
                if let Some((items, bytes)) = pickles.get(i) {
                    d.entry(format!("pickled:{items}"))
                        .or_insert_with(|| pickle::opaque(bytes.clone()));
                }
            }
            None => return Err(bad(at, format!("pandas column '{c}' is in no block"))),
        }
    }
    notes.push(format!(
        "pandas DataFrame kept as a dict of its columns{}",
        if pickles.is_empty() {
            " (a column name is not a pet name)"
        } else {
            "; columns of object dtype are pandas pickles, carried opaque"
        }
    ));
    Ok(Value::Dict(d))
}

/// Reads a `SERIES` group: a table of `index` and the values (named after
/// the series when its name is a pet name, else `values`).
pub fn series(src: &Source<'_>, g: &Group, at: &str, notes: &mut Vec<String>) -> Result<Value> {
    let index = axis(src, g, "index", at)?;
    let ds = g
        .dataset("values")
        .map_err(h5("cannot open a pandas array"))?;
    let ty = ds.dtype().map_err(h5("cannot read a datatype"))?;
    if crate::htype::Ty::of(&ty, None, at).ok() == Some(crate::htype::Ty::VarBytes) {
        let rows = stored::read_var_bytes(&ds, at)?;
        notes.push("pandas Series of object dtype: a pandas pickle, carried opaque".into());
        let mut d = BTreeMap::new();
        d.insert("index".to_string(), index);
        d.insert("values".to_string(), pickle::opaque(rows.concat()));
        return Ok(Value::Dict(d));
    }
    let values = axis(src, g, "values", at)?;
    let (Value::Array(i), Value::Array(v)) = (index, values) else {
        return Err(bad(at, "a pandas Series that is not arrays"));
    };
    let name = crate::attrs::string(g, "name", at)
        .ok()
        .flatten()
        .filter(|n| n != "index" && name::validate_part(n).is_ok())
        .unwrap_or_else(|| "values".to_string());
    let t = Table::from_columns(vec![("index".into(), *i), (name, *v)])
        .map_err(|e| bad(at, e.to_string()))?;
    Ok(Value::Table(t))
}
