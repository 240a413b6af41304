//! Stored values as the API shows them: a type, a shape, a one-line summary, the
//! value itself when small, and an image link for 2-D numeric arrays.

use serde_json::{json, Value as Json};

use pet_core::{LeafData, Value};
use pet_view::cell::scalar_json;

/// Most elements of an array sent whole.
pub const SMALL_ARRAY: usize = 64;
/// Longest summary text.
const SUMMARY_CHARS: usize = 200;

/// Min, max and mean of a numeric array.
fn stats(v: &Value) -> Option<(f64, f64, f64)> {
    let a = pet_view::panels::array2(v).or_else(|| {
        // 3-D and more: flatten, when small (element access is by position).
        let Value::Array(a) = v else { return None };
        let n = a.len();
        if n > 4096 {
            return None;
        }
        let flat: Option<Vec<f64>> = (0..n)
            .map(|i| a.get_flat(i).and_then(|s| s.as_f64()))
            .collect();
        ndarray::Array2::from_shape_vec((1, n), flat?).ok()
    })?;
    let n = a.len();
    if n == 0 {
        return None;
    }
    let (lo, hi, sum) = a
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY, 0.0), |(l, h, s), &x| {
            (l.min(x), h.max(x), s + x)
        });
    Some((lo, hi, sum / n as f64))
}

/// The shape of an array value.
fn shape(v: &Value) -> Option<Vec<usize>> {
    match v {
        Value::Array(a) => Some(a.shape().to_vec()),
        Value::Quantity(q) => shape(&q.value),
        _ => None,
    }
}

/// One line describing a value.
pub fn summary(v: &Value) -> String {
    let s = match (shape(v), stats(v)) {
        (Some(sh), Some((lo, hi, mean))) => format!(
            "{} array, min {lo}, max {hi}, mean {mean:.6}",
            sh.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("×")
        ),
        (Some(sh), None) => format!(
            "{} array",
            sh.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("×")
        ),
        _ => v.to_string(),
    };
    if s.chars().count() > SUMMARY_CHARS {
        s.chars().take(SUMMARY_CHARS).collect::<String>() + "…"
    } else {
        s
    }
}

/// The value as JSON when it is a scalar or a small array; `null` otherwise.
pub fn small(v: &Value) -> Json {
    if let Some(j) = scalar_json(v) {
        return j;
    }
    match v {
        Value::Array(a) if a.len() <= SMALL_ARRAY => Json::Array(
            (0..a.len())
                .map(|i| {
                    a.get_flat(i)
                        .and_then(|s| scalar_json(&Value::Scalar(s)))
                        .unwrap_or(Json::Null)
                })
                .collect(),
        ),
        _ => Json::Null,
    }
}

/// One item of a leaf, with an image link when it is a 2-D numeric array.
pub fn item(traj: &str, path: &str, name: &str, v: &Value) -> Json {
    let image = match shape(v) {
        Some(sh) if sh.len() == 2 && pet_view::panels::array2(v).is_some() => Some(format!(
            "/api/traj/{}/image.png?path={}&item={}",
            enc(traj),
            enc(path),
            enc(name)
        )),
        _ => None,
    };
    json!({
        "name": name,
        "type": v.signature(),
        "shape": shape(v),
        "value": small(v),
        "summary": summary(v),
        "image": image,
    })
}

/// A leaf's items.
pub fn items(traj: &str, path: &str, data: &LeafData) -> Vec<Json> {
    match data {
        LeafData::Result { items } => items.iter().map(|(k, v)| item(traj, path, k, v)).collect(),
        LeafData::Param { value, .. } => {
            vec![item(traj, path, pet_core::name::last(path), value)]
        }
    }
}

/// Percent-encodes a query or path part.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
