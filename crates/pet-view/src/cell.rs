//! One cell of the runs table: a scalar taken from a stored value, and its JSON form.

use std::sync::Arc;

use pet_core::{Scalar, Value};
use serde_json::{json, Value as Json};

/// A scalar cell of the runs table; `Null` where a run lacks the value.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// No value (a pending run, or a run that did not store it).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (exact up to 2^63).
    Int(i64),
    /// A real number.
    Num(f64),
    /// A string.
    Str(Arc<str>),
}

impl Cell {
    /// The cell of a stored value, if it is a scalar (a quantity gives its magnitude).
    pub fn of(v: &Value) -> Option<Cell> {
        let s = match v {
            Value::Quantity(q) => return Cell::of(&q.value),
            other => other.as_scalar()?,
        };
        Some(match s {
            Scalar::Bool(b) => Cell::Bool(*b),
            Scalar::I8(x) => Cell::Int(i64::from(*x)),
            Scalar::I16(x) => Cell::Int(i64::from(*x)),
            Scalar::I32(x) => Cell::Int(i64::from(*x)),
            Scalar::I64(x) => Cell::Int(*x),
            Scalar::U8(x) => Cell::Int(i64::from(*x)),
            Scalar::U16(x) => Cell::Int(i64::from(*x)),
            Scalar::U32(x) => Cell::Int(i64::from(*x)),
            Scalar::U64(x) => match i64::try_from(*x) {
                Ok(i) => Cell::Int(i),
                Err(_) => Cell::Num(*x as f64),
            },
            Scalar::F32(x) => Cell::Num(f64::from(*x)),
            Scalar::F64(x) => Cell::Num(*x),
            Scalar::Str(x) => Cell::Str(Arc::from(x.as_str())),
            other => Cell::Str(Arc::from(other.to_string())),
        })
    }

    /// The number in the cell (booleans are 0 and 1), if any.
    pub fn num(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Num(x) => Some(*x),
            Cell::Bool(b) => Some(f64::from(u8::from(*b))),
            Cell::Null | Cell::Str(_) => None,
        }
    }

    /// True for [`Cell::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// The cell as JSON (non-finite numbers are `null`: JSON has none).
    pub fn json(&self) -> Json {
        match self {
            Cell::Null => Json::Null,
            Cell::Bool(b) => json!(b),
            Cell::Int(i) => json!(i),
            Cell::Num(x) => serde_json::Number::from_f64(*x)
                .map(Json::Number)
                .unwrap_or(Json::Null),
            Cell::Str(s) => json!(s.as_ref()),
        }
    }

    /// Short text for labels and series names.
    pub fn label(&self) -> String {
        match self {
            Cell::Null => "—".to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Int(i) => i.to_string(),
            Cell::Num(x) => format!("{x}"),
            Cell::Str(s) => s.to_string(),
        }
    }

    /// Total order used to sort a column: nulls last, then booleans, numbers, strings.
    pub fn cmp_sort(&self, other: &Cell) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        fn rank(c: &Cell) -> u8 {
            match c {
                Cell::Bool(_) => 0,
                Cell::Int(_) | Cell::Num(_) => 1,
                Cell::Str(_) => 2,
                Cell::Null => 3,
            }
        }
        match (self, other) {
            (Cell::Int(a), Cell::Int(b)) => a.cmp(b),
            (Cell::Bool(a), Cell::Bool(b)) => a.cmp(b),
            (Cell::Str(a), Cell::Str(b)) => a.cmp(b),
            (a, b) if rank(a) == 1 && rank(b) == 1 => {
                let (x, y) = (a.num().unwrap_or(f64::NAN), b.num().unwrap_or(f64::NAN));
                x.total_cmp(&y)
            }
            (a, b) => rank(a).cmp(&rank(b)).then(Ordering::Equal),
        }
    }
}

/// A stored scalar as JSON (what `pet export` writes), if the value is one.
pub fn scalar_json(v: &Value) -> Option<Json> {
    Cell::of(v).map(|c| c.json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_quantities_become_cells() {
        assert_eq!(Cell::of(&Value::from(3i32)), Some(Cell::Int(3)));
        assert_eq!(
            Cell::of(&Value::from(u64::MAX)),
            Some(Cell::Num(u64::MAX as f64))
        );
        assert_eq!(Cell::of(&Value::from(vec![1.0f64, 2.0])), None);
        assert_eq!(Cell::Num(f64::NAN).json(), Json::Null);
        let mut v = vec![
            Cell::Null,
            Cell::Num(2.5),
            Cell::Int(2),
            Cell::Str("a".into()),
        ];
        v.sort_by(|a, b| a.cmp_sort(b));
        assert_eq!(
            v,
            vec![
                Cell::Int(2),
                Cell::Num(2.5),
                Cell::Str("a".into()),
                Cell::Null
            ]
        );
    }
}
