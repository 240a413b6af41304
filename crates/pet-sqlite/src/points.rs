//! Explored points in chunks: one `points` row holds up to [`CHUNK`]
//! consecutive points of one leaf outside the runs, so setting up 10^6
//! points writes 123 rows instead of 10^6 (schema version 2; a version-1
//! store keeps one `items` row per point, which reads still accept).
//!
//! A chunk of plain scalars that JSON holds exactly (integers in `i64`,
//! finite floats other than -0.0, booleans, strings) is a JSON array in
//! `json`, which the `explored_points` view opens with `json_each`; any other
//! chunk is CBOR of the [encoded](pet_core::codec::Encoded) points in `data`.

use std::io::Write;

use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use pet_core::codec::{self, Encoded};
use pet_core::{name, DType, LeafData, NodeRecord, PetError, Result, Scalar, Value};

use crate::error::db_err;
use crate::read::{select_each, Filter};
use crate::rows::scalar_from_sql;

/// Most points in one chunk.
pub const CHUNK: usize = 8192;

/// The chunk table (created with the store, or added to a version-1 store at
/// its first writable open).
pub const DDL: &str = "
CREATE TABLE IF NOT EXISTS points(
    traj INTEGER NOT NULL,
    path TEXT NOT NULL,
    first INTEGER NOT NULL,
    count INTEGER NOT NULL,
    dtype TEXT,
    json TEXT,
    data BLOB,
    PRIMARY KEY(traj, path, first)
) WITHOUT ROWID;
";

fn corrupt(path: &str, m: impl std::fmt::Display) -> PetError {
    PetError::corrupt(format!("explored points of '{path}': {m}"))
}

/// True when JSON (and SQLite's `json_each`) gives `s` back exactly.
fn json_scalar(s: &Scalar) -> bool {
    match *s {
        Scalar::Bool(_)
        | Scalar::I8(_)
        | Scalar::I16(_)
        | Scalar::I32(_)
        | Scalar::I64(_)
        | Scalar::U8(_)
        | Scalar::U16(_)
        | Scalar::U32(_)
        | Scalar::Str(_) => true,
        Scalar::U64(x) => i64::try_from(x).is_ok(),
        Scalar::F32(x) => finite_real(x.into()),
        Scalar::F64(x) => finite_real(x),
        _ => false,
    }
}

fn finite_real(x: f64) -> bool {
    x.is_finite() && !(x == 0.0 && x.is_sign_negative())
}

fn json_err(e: serde_json::Error) -> PetError {
    PetError::invalid(format!("cannot write an explored point as JSON: {e}"))
}

/// Writes one scalar that [`json_scalar`] accepts.
fn write_json(out: &mut Vec<u8>, s: &Scalar) -> Result<()> {
    let io = |e: std::io::Error| PetError::invalid(format!("cannot write a point: {e}"));
    match s {
        Scalar::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Scalar::I8(x) => write!(out, "{x}").map_err(io)?,
        Scalar::I16(x) => write!(out, "{x}").map_err(io)?,
        Scalar::I32(x) => write!(out, "{x}").map_err(io)?,
        Scalar::I64(x) => write!(out, "{x}").map_err(io)?,
        Scalar::U8(x) => write!(out, "{x}").map_err(io)?,
        Scalar::U16(x) => write!(out, "{x}").map_err(io)?,
        Scalar::U32(x) => write!(out, "{x}").map_err(io)?,
        Scalar::U64(x) => write!(out, "{x}").map_err(io)?,
        // Widened first: the f64's shortest form reads back as that f64,
        // which narrows to the f32 exactly.
        Scalar::F32(x) => serde_json::to_writer(&mut *out, &f64::from(*x)).map_err(json_err)?,
        Scalar::F64(x) => serde_json::to_writer(&mut *out, x).map_err(json_err)?,
        Scalar::Str(t) => serde_json::to_writer(&mut *out, t).map_err(json_err)?,
        _ => return Err(PetError::invalid("a point JSON cannot hold exactly")),
    }
    Ok(())
}

/// One chunk's columns: `(dtype, json, data)`.
type ChunkCols = (Option<String>, Option<String>, Option<Vec<u8>>);

/// Encodes consecutive points as one chunk.
fn encode(points: &[Value]) -> Result<ChunkCols> {
    let dtype = match points.first() {
        Some(Value::Scalar(s)) => Some(s.dtype()),
        _ => None,
    };
    let plain = dtype.is_some()
        && points
            .iter()
            .all(|p| matches!(p, Value::Scalar(s) if Some(s.dtype()) == dtype && json_scalar(s)));
    if let (true, Some(d)) = (plain, dtype) {
        let mut out = Vec::with_capacity(points.len() * 8 + 2);
        out.push(b'[');
        for (i, p) in points.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if let Value::Scalar(s) = p {
                write_json(&mut out, s)?;
            }
        }
        out.push(b']');
        let text = String::from_utf8(out)
            .map_err(|e| PetError::invalid(format!("a point is not UTF-8: {e}")))?;
        return Ok((Some(d.name().to_string()), Some(text), None));
    }
    let encoded = points
        .iter()
        .map(codec::encode)
        .collect::<Result<Vec<Encoded>>>()?;
    Ok((None, None, Some(codec::to_cbor(&encoded)?)))
}

/// Decodes one chunk of `count` points.
fn decode(path: &str, count: usize, cols: ChunkCols) -> Result<Vec<Value>> {
    let values = match cols {
        (Some(dtype), Some(json), None) => {
            let d = DType::from_name(&dtype)
                .ok_or_else(|| corrupt(path, format!("unknown dtype '{dtype}'")))?;
            let items: Vec<serde_json::Value> = serde_json::from_str(&json)
                .map_err(|e| corrupt(path, format!("a chunk is not a JSON array: {e}")))?;
            items
                .into_iter()
                .map(|j| {
                    let sql = match j {
                        serde_json::Value::Bool(b) => Sql::Integer(i64::from(b)),
                        serde_json::Value::String(s) => Sql::Text(s),
                        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                            (Some(i), _) if !n.is_f64() => Sql::Integer(i),
                            (_, Some(f)) if n.is_f64() => Sql::Real(f),
                            _ => return Err(corrupt(path, format!("number {n} out of range"))),
                        },
                        other => return Err(corrupt(path, format!("{other} is not a point"))),
                    };
                    scalar_from_sql(d, sql, None).map(Value::Scalar)
                })
                .collect::<Result<Vec<_>>>()?
        }
        (None, None, Some(data)) => {
            let encoded: Vec<Encoded> = codec::from_cbor(&data)?;
            encoded
                .iter()
                .map(codec::decode)
                .collect::<Result<Vec<_>>>()?
        }
        _ => return Err(corrupt(path, "a chunk holds neither JSON nor CBOR")),
    };
    if values.len() != count {
        return Err(corrupt(
            path,
            format!("a chunk says {count} points but holds {}", values.len()),
        ));
    }
    Ok(values)
}

/// Deletes every chunk of the leaf at `path`.
pub fn delete(tx: &Transaction, id: i64, path: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM points WHERE traj = ?1 AND path = ?2")
        .and_then(|mut st| st.execute(params![id, path]))
        .map_err(db_err)?;
    Ok(())
}

/// Deletes the chunks of `path` and of every leaf below it (`lo..hi`).
pub fn delete_below(tx: &Transaction, id: i64, path: &str, lo: &str, hi: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM points WHERE traj = ?1 AND (path = ?2 OR (path >= ?3 AND path < ?4))",
        params![id, path, lo, hi],
    )
    .map_err(db_err)?;
    Ok(())
}

/// Writes `points` of the leaf at `path` as chunks from point `start` on.
pub fn append(tx: &Transaction, id: i64, path: &str, start: usize, points: &[Value]) -> Result<()> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO points(traj, path, first, count, dtype, json, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(db_err)?;
    let mut first = start;
    for chunk in points.chunks(CHUNK) {
        let (dtype, json, data) = encode(chunk)?;
        let at = i64::try_from(first)
            .map_err(|_| PetError::invalid(format!("point index of '{path}' overflows")))?;
        insert
            .execute(params![id, path, at, chunk.len() as i64, dtype, json, data])
            .map_err(db_err)?;
        first += chunk.len();
    }
    Ok(())
}

/// How many points the chunks of `path` hold (the end of its last chunk).
pub fn stored(tx: &Transaction, id: i64, path: &str) -> Result<Option<usize>> {
    let end: Option<(i64, i64)> = tx
        .prepare_cached(
            "SELECT first, count FROM points WHERE traj = ?1 AND path = ?2 ORDER BY first DESC LIMIT 1",
        )
        .and_then(|mut st| {
            st.query_row(params![id, path], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(db_err)?;
    end.map(|(first, count)| {
        usize::try_from(first)
            .ok()
            .zip(usize::try_from(count).ok())
            .and_then(|(f, c)| f.checked_add(c))
            .ok_or_else(|| corrupt(path, format!("a chunk at {first} of {count} points")))
    })
    .transpose()
}

/// Adds the chunks of one leaf's rows to its data, checking that they
/// continue its points without a gap.
fn extend(path: &str, data: &mut LeafData, first: i64, count: i64, cols: ChunkCols) -> Result<()> {
    let LeafData::Param { explored, .. } = data else {
        return Err(corrupt(path, "points stored for a result"));
    };
    let have = explored.as_ref().map_or(0, Vec::len);
    let count = usize::try_from(count)
        .ok()
        .filter(|c| (1..=CHUNK).contains(c))
        .ok_or_else(|| corrupt(path, format!("a chunk of {count} points")))?;
    if usize::try_from(first).ok() != Some(have) {
        return Err(corrupt(
            path,
            format!("a chunk starts at point {first}, after {have} points"),
        ));
    }
    let values = decode(path, count, cols)?;
    explored.get_or_insert_with(Vec::new).extend(values);
    Ok(())
}

/// Reads one chunk row (`path, first, count, dtype, json, data`).
fn chunk_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, i64, ChunkCols)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        (r.get(3)?, r.get(4)?, r.get(5)?),
    ))
}

const SELECT: &str = "SELECT path, first, count, dtype, json, data FROM points";

/// Adds the chunked points of the leaves among `records` (sorted by path)
/// that `filter` selects.
pub fn read_into(
    conn: &Connection,
    id: i64,
    filter: &Filter,
    records: &mut [NodeRecord],
) -> Result<()> {
    let order = "path, first";
    select_each(conn, SELECT, order, filter.point_queries(id), |row| {
        let (path, first, count, cols) = chunk_of(row).map_err(db_err)?;
        let Ok(i) = records.binary_search_by(|r| r.path.as_str().cmp(&path)) else {
            return Ok(());
        };
        let Some(data) = records[i].node.data.as_mut() else {
            return Err(corrupt(&path, "points stored for a leaf without a default"));
        };
        extend(&path, data, first, count, cols)
    })
}

/// True for a leaf whose explored points are chunks: every leaf outside
/// the runs (a run's leaves keep a row per point, which the column queries read).
pub fn chunked(path: &str) -> bool {
    name::run_of_path(path).is_none()
}

/// Adds the chunked points of the leaf at `path` to its data.
pub fn read_leaf(conn: &Connection, id: i64, path: &str, data: &mut LeafData) -> Result<()> {
    let exact = vec![(
        "traj = ?1 AND path = ?2",
        vec![Sql::Integer(id), Sql::Text(path.to_string())],
    )];
    select_each(conn, SELECT, "first", exact, |row| {
        let (_, first, count, cols) = chunk_of(row).map_err(db_err)?;
        extend(path, data, first, count, cols)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(points: Vec<Value>) -> ChunkCols {
        let cols = encode(&points).unwrap();
        let back = decode("p", points.len(), cols.clone()).unwrap();
        assert_eq!(back, points);
        cols
    }

    #[test]
    fn plain_scalars_are_json_and_read_back_exactly() {
        let f: Vec<Value> = [0.1, 1.0, -2.5e-300, 1e300, f64::MIN_POSITIVE]
            .into_iter()
            .map(Value::from)
            .collect();
        assert!(round_trip(f).1.is_some());
        let f32s: Vec<Value> = [0.1f32, 3.4e38, 1e-45]
            .into_iter()
            .map(|x| Value::Scalar(Scalar::F32(x)))
            .collect();
        assert!(round_trip(f32s).1.is_some());
        let ints: Vec<Value> = [i64::MIN, -1, 0, i64::MAX]
            .into_iter()
            .map(Value::from)
            .collect();
        assert!(round_trip(ints).1.is_some());
        let strs: Vec<Value> = ["a", "\"quoted\"\n", "ünï"]
            .into_iter()
            .map(Value::from)
            .collect();
        assert!(round_trip(strs).1.is_some());
        let bools = vec![Value::from(true), Value::from(false)];
        assert!(round_trip(bools).1.is_some());
    }

    #[test]
    fn other_points_are_cbor_and_read_back_exactly() {
        for points in [
            vec![Value::from(f64::NAN.abs()), Value::from(1.0)],
            vec![Value::from(-0.0), Value::from(1.0)],
            vec![Value::from(f64::INFINITY)],
            vec![Value::Scalar(Scalar::U64(u64::MAX))],
            vec![Value::from(vec![1.0, 2.0])],
        ] {
            let cols = encode(&points).unwrap();
            assert!(cols.1.is_none() && cols.2.is_some());
            let back = decode("p", points.len(), cols).unwrap();
            // NaN is not equal to itself: compare the encodings.
            let enc = |v: &[Value]| {
                v.iter()
                    .map(|x| codec::encode(x).unwrap())
                    .collect::<Vec<_>>()
            };
            assert_eq!(format!("{:?}", enc(&back)), format!("{:?}", enc(&points)));
        }
    }

    #[test]
    fn a_chunk_that_lies_about_its_count_is_corrupt() {
        let cols = encode(&[Value::from(1i64), Value::from(2i64)]).unwrap();
        let e = decode("p", 3, cols).unwrap_err();
        assert!(e.to_string().contains("says 3 points but holds 2"), "{e}");
        let e = decode("p", 1, (Some("i8".into()), Some("[300]".into()), None)).unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
        let e = decode("p", 1, (Some("f64".into()), Some("[1,".into()), None)).unwrap_err();
        assert!(e.to_string().contains("not a JSON array"), "{e}");
    }
}
