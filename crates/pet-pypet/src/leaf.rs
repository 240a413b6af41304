//! One pypet leaf (a Parameter or Result group, `SRVC_LEAF`) as pet leaf
//! data: a parameter's default (`data`, `data__rr__`, `data__spsp__`) and
//! explored values (`explored_data*` tables and the arrays they point to); a
//! result's items (datasets, split dict groups, pandas groups). What pet has
//! no type for is noted per item (`bytes`, `pickle`, ...).

use std::collections::BTreeMap;

use hdf5::{Group, LocationType};
use pet_core::value::{Array, DType, Scalar};
use pet_core::{name, LeafData, LeafRole, Result, Value};

use crate::attrs;
use crate::convert::{self, Notes};
use crate::error::{bad, h5};
use crate::htype::{Elem, Ty};
use crate::npz;
use crate::pandas;
use crate::pickle;
use crate::stored::{self, Column};
use crate::Source;

/// A leaf read from the file.
pub struct Leaf {
    /// Its data.
    pub data: LeafData,
    /// Notes by item (or parameter) name on values pet has no type for.
    pub notes: BTreeMap<String, String>,
    /// True when it holds a pickle carried opaque.
    pub pickled: bool,
    /// Items left out, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// The type notes pypet put on a dataset.
fn notes_of(loc: &hdf5::Location, at: &str) -> Result<Notes> {
    Ok(Notes {
        coll: attrs::string(loc, "SRVC_DATA_COLL_TYPE", at)?,
        scalar: attrs::string(loc, "SRVC_DATA_SCALAR_TYPE", at)?,
    })
}

/// The type notes of table column `col`, from the table's own attributes or
/// from a split table's type table.
fn column_notes(
    loc: &hdf5::Location,
    col: &str,
    extra: &BTreeMap<String, String>,
    at: &str,
) -> Result<Notes> {
    let key = |what: &str| format!("SRVC_COLUMN_{col}_{what}");
    let get = |what: &str| -> Result<Option<String>> {
        if let Some(v) = extra.get(&key(what)) {
            return Ok(Some(v.clone()));
        }
        attrs::string(loc, &key(what), at)
    };
    Ok(Notes {
        coll: get("COLL_TYPE")?,
        scalar: get("SCALAR_TYPE")?,
    })
}

/// The value of row `row` of a column.
fn cell(c: &Column, row: usize, notes: &Notes, at: &str) -> Result<Value> {
    let bytes = c
        .cells
        .get(row)
        .ok_or_else(|| bad(at, "a table without the row pypet needs"))?;
    let notes = match (&c.ty, notes.coll.as_deref()) {
        (Ty::Array(..), None) => Notes {
            coll: Some("COLL_NDARRAY".into()),
            ..notes.clone()
        },
        (_, None) => Notes {
            coll: Some("COLL_SCALAR".into()),
            ..notes.clone()
        },
        _ => notes.clone(),
    };
    convert::value(&c.ty, &[], bytes, &notes, at)
}

/// Reads a table dataset's columns.
fn table(
    src: &Source<'_>,
    g: &Group,
    member: &str,
    at: &str,
) -> Result<(hdf5::Dataset, Vec<Column>, usize)> {
    let ds = g.dataset(member).map_err(h5("cannot open a table"))?;
    let raw = stored::read(src, &ds, at)?;
    let n = raw.len();
    let cols = stored::columns(&raw, at)?;
    Ok((ds, cols, n))
}

/// A one-row dict table (or a split group of them) as a dict.
fn dict(src: &Source<'_>, g: &Group, member: &str, at: &str) -> Result<Value> {
    let mut out = BTreeMap::new();
    let is_group = matches!(g.loc_type_by_name(member), Ok(LocationType::Group));
    let (tables, holder, extra): (Vec<String>, Group, BTreeMap<String, String>) = if is_group {
        let sg = g.group(member).map_err(h5("cannot open a split table"))?;
        let types = format!("{member}__SRVC_STORE");
        let mut extra = BTreeMap::new();
        if sg.link_exists(&types) {
            let (_, cols, n) = table(src, &sg, &types, at)?;
            let field = cols.iter().find(|c| c.name == "field_name");
            let kind = cols.iter().find(|c| c.name == "data_type");
            if let (Some(f), Some(k)) = (field, kind) {
                for r in 0..n {
                    let text = |c: &Column| -> Result<String> {
                        match c.ty.decode(&c.cells[r], at)? {
                            Elem::Bytes(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
                            Elem::Scalar(s) => Ok(s.to_string()),
                        }
                    };
                    extra.insert(text(f)?, text(k)?);
                }
            }
        }
        let mut names: Vec<String> = sg
            .member_names()
            .map_err(h5("cannot list a split table"))?
            .into_iter()
            .filter(|n| *n != types)
            .collect();
        names.sort();
        (names, sg, extra)
    } else {
        (vec![member.to_string()], g.clone(), BTreeMap::new())
    };
    for t in tables {
        let (ds, cols, n) = table(src, &holder, &t, at)?;
        if n == 0 {
            continue;
        }
        for c in &cols {
            let notes = column_notes(&ds, &c.name, &extra, at)?;
            out.insert(c.name.clone(), cell(c, 0, &notes, at)?);
        }
    }
    Ok(Value::Dict(out))
}

/// A multi-row table (pypet's ObjectTable) as a pet table, or a dict of
/// lists when a column cannot be a typed column.
fn object_table(src: &Source<'_>, g: &Group, member: &str, at: &str) -> Result<Value> {
    let (ds, cols, n) = table(src, g, member, at)?;
    let mut columns = Vec::new();
    let mut lists = BTreeMap::new();
    let mut typed = true;
    for c in &cols {
        let notes = column_notes(&ds, &c.name, &BTreeMap::new(), at)?;
        let vals = (0..n)
            .map(|r| cell(c, r, &notes, at))
            .collect::<Result<Vec<_>>>()?;
        let scalars: Option<Vec<Scalar>> = vals.iter().map(|v| v.as_scalar().cloned()).collect();
        match scalars {
            Some(s) if name::validate_part(&c.name).is_ok() => {
                let dtype = s.first().map(Scalar::dtype).unwrap_or(DType::F64);
                match Array::from_scalars(dtype, &s) {
                    Ok(a) => columns.push((c.name.clone(), a)),
                    Err(_) => typed = false,
                }
            }
            _ => typed = false,
        }
        lists.insert(c.name.clone(), Value::List(vals));
    }
    if typed {
        if let Ok(t) = pet_core::value::Table::from_columns(columns) {
            return Ok(Value::Table(t));
        }
    }
    Ok(Value::Dict(lists))
}

/// The pickle bytes of dataset `member` exactly as stored.
fn pickle_bytes(src: &Source<'_>, g: &Group, member: &str, at: &str) -> Result<Vec<u8>> {
    let ds = g.dataset(member).map_err(h5("cannot open a pickle"))?;
    let raw = stored::read(src, &ds, at)?;
    match raw.ty {
        Ty::Str(_) => Ok(raw.bytes),
        _ => Err(bad(at, "a pickle that is not stored as bytes")),
    }
}

/// The value of a sparse matrix dataset (`*__spsp__`).
fn sparse(
    src: &Source<'_>,
    g: &Group,
    member: &str,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Value> {
    let text = pickle_bytes(src, g, member, at)?;
    match npz::sparse(&text, at)? {
        npz::Decoded::Sparse(v) => Ok(v),
        npz::Decoded::Other(format, zip) => {
            notes.push(format!(
                "scipy sparse matrix in {format} format, which pet lacks; its npz bytes carried opaque"
            ));
            Ok(pickle::user(pickle::NPZ_TYPE, &zip))
        }
    }
}

/// One item of a leaf (a dataset or a group pypet made for a value).
pub fn item(
    src: &Source<'_>,
    g: &Group,
    member: &str,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Value> {
    let kind = g
        .loc_type_by_name(member)
        .map_err(h5("cannot inspect an object"))?;
    if kind == LocationType::Group {
        let sg = g.group(member).map_err(h5("cannot open a group"))?;
        let store = attrs::string(&sg, "SRVC_STORE", at)?.unwrap_or_default();
        return match store.as_str() {
            "FRAME" => pandas::frame(src, &sg, at, notes),
            "SERIES" => pandas::series(src, &sg, at, notes),
            "DICT" => dict(src, g, member, at),
            other => Err(bad(
                at,
                format!("a value stored as a group of kind '{other}', which pet does not read"),
            )),
        };
    }
    let ds = g.dataset(member).map_err(h5("cannot open a dataset"))?;
    let store = attrs::string(&ds, "SRVC_STORE", at)?.unwrap_or_else(|| "ARRAY".into());
    match store.as_str() {
        "ARRAY" | "CARRAY" | "EARRAY" => {
            let n = notes_of(&ds, at)?;
            let raw = stored::read(src, &ds, at)?;
            if convert::is_bytes(n.scalar.as_deref()) {
                notes.push("bytes".into());
            }
            convert::value(&raw.ty, &raw.shape, &raw.bytes, &n, at)
        }
        "DICT" => dict(src, g, member, at),
        "TABLE" => object_table(src, g, member, at),
        s if s.starts_with("SHARED_DATA") => Err(bad(
            at,
            "pypet shared data (SharedTable, SharedArray), which pet does not convert",
        )),
        other => Err(bad(
            at,
            format!("a value stored as '{other}', which pet does not read"),
        )),
    }
}

/// The values of an explored parameter's `idx` table, each read by `read(k)`.
fn by_index(
    src: &Source<'_>,
    g: &Group,
    table_name: &str,
    at: &str,
    mut read: impl FnMut(usize) -> Result<Value>,
) -> Result<Vec<Value>> {
    let (_, cols, n) = table(src, g, table_name, at)?;
    let idx = cols
        .iter()
        .find(|c| c.name == "idx")
        .ok_or_else(|| bad(at, format!("{table_name} has no idx column")))?;
    let mut cache: BTreeMap<usize, Value> = BTreeMap::new();
    let mut out = Vec::with_capacity(n);
    for r in 0..n {
        let k = match idx.ty.decode(&idx.cells[r], at)? {
            Elem::Scalar(s) => s
                .as_f64()
                .filter(|v| *v >= 0.0)
                .map(|v| v as usize)
                .ok_or_else(|| bad(at, "a negative index"))?,
            Elem::Bytes(_) => return Err(bad(at, "an index that is text")),
        };
        if let Some(v) = cache.get(&k) {
            out.push(v.clone());
            continue;
        }
        let v = read(k)?;
        cache.insert(k, v.clone());
        out.push(v);
    }
    Ok(out)
}

/// Reads the leaf group `g` of class `class` at pet path `path`.
pub fn read(src: &Source<'_>, g: &Group, class: &str, path: &str, at: &str) -> Result<Leaf> {
    let role = LeafRole::for_path(path)?;
    let members = g.member_names().map_err(h5("cannot list a leaf"))?;
    let has = |m: &str| members.iter().any(|x| x == m);
    let mut notes = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut pickled = false;
    let own = name::last(path).to_string();
    if role.is_param_like() {
        let mut note = Vec::new();
        let pickle_param = class == "PickleParameter" || has("__pckl_prtcl__");
        let value = if pickle_param && has("data") {
            pickled = true;
            note.push("pickle (PickleParameter), never unpickled: the bytes as stored".into());
            convert::bytes_value(pickle_bytes(src, g, "data", at)?)
        } else if has("data__rr__") {
            item(src, g, "data__rr__", at, &mut note)?
        } else if has("data__spsp__") {
            sparse(src, g, "data__spsp__", at, &mut note)?
        } else if has("data") {
            let (ds, cols, n) = table(src, g, "data", at)?;
            let c = cols
                .iter()
                .find(|c| c.name == "data")
                .ok_or_else(|| bad(at, "a parameter table without its data column"))?;
            if n == 0 {
                return Err(bad(at, "an empty parameter table"));
            }
            let nt = column_notes(&ds, "data", &BTreeMap::new(), at)?;
            if convert::is_bytes(nt.scalar.as_deref()) {
                note.push("bytes".into());
            }
            cell(c, 0, &nt, at)?
        } else {
            return Err(bad(
                at,
                "a parameter without data (pypet stores an empty parameter but cannot load it)",
            ));
        };
        let explored = if has("explored_data__rr__") {
            Some(by_index(src, g, "explored_data__rr__", at, |k| {
                let set = format!("explored__rr__/set_{:05}", k / 1000);
                let sg = g
                    .group(&set)
                    .map_err(|_| bad(at, format!("{set} is missing")))?;
                item(src, &sg, &format!("xa_{k:08}"), at, &mut Vec::new())
            })?)
        } else if has("explored_data__spsp__") {
            Some(by_index(src, g, "explored_data__spsp__", at, |k| {
                sparse(src, g, &format!("xspm__spsp__{k:08}"), at, &mut Vec::new())
            })?)
        } else if has("explored_data") && pickle_param {
            Some(by_index(src, g, "explored_data", at, |k| {
                Ok(convert::bytes_value(pickle_bytes(
                    src,
                    g,
                    &format!("xp_{k:08}"),
                    at,
                )?))
            })?)
        } else if has("explored_data") {
            let (ds, cols, n) = table(src, g, "explored_data", at)?;
            let c = cols
                .iter()
                .find(|c| c.name == "data")
                .ok_or_else(|| bad(at, "an explored table without its data column"))?;
            let nt = column_notes(&ds, "data", &BTreeMap::new(), at)?;
            Some(
                (0..n)
                    .map(|r| cell(c, r, &nt, at))
                    .collect::<Result<Vec<_>>>()?,
            )
        } else {
            None
        };
        if !note.is_empty() {
            notes.insert(own, note.join("; "));
        }
        return Ok(Leaf {
            data: LeafData::Param { value, explored },
            notes,
            pickled,
            skipped,
        });
    }
    let pickle_result = class == "PickleResult";
    let mut items = pet_core::Items::new();
    for m in &members {
        if m == "__pckl_prtcl__" {
            continue;
        }
        let (item_name, is_sparse) = match m.strip_suffix("__spsp__") {
            Some(base) => (base.to_string(), true),
            None => (m.clone(), false),
        };
        let item_at = format!("{at}/{m}");
        if let Err(e) = name::validate_part(&item_name) {
            skipped.push((
                format!("{path}.{item_name}"),
                format!("its name is not a pet name: {e}"),
            ));
            continue;
        }
        let mut note = Vec::new();
        let v = if pickle_result {
            pickled = true;
            note.push("pickle (PickleResult), never unpickled".to_string());
            Ok(pickle::opaque(pickle_bytes(src, g, m, &item_at)?))
        } else if is_sparse {
            sparse(src, g, m, &item_at, &mut note)
        } else {
            item(src, g, m, &item_at, &mut note)
        };
        match v {
            Ok(v) => {
                if matches!(&v, Value::Dict(d) if d.keys().any(|k| k.starts_with("pickled:")))
                    || matches!(&v, Value::User(_))
                {
                    pickled = true;
                }
                items.insert(item_name.clone(), v);
                if !note.is_empty() {
                    notes.insert(item_name, note.join("; "));
                }
            }
            Err(e) => skipped.push((format!("{path}.{item_name}"), e.to_string())),
        }
    }
    if items.is_empty() {
        let why: Vec<String> = skipped.iter().map(|(p, r)| format!("{p}: {r}")).collect();
        return Err(bad(
            at,
            format!(
                "a result without any item pet can read ({})",
                why.join("; ")
            ),
        ));
    }
    Ok(Leaf {
        data: LeafData::Result { items },
        notes,
        pickled,
        skipped,
    })
}
