//! The shared value codec: splits a [`Value`] into type information and payload
//! so that every backend stores it natively (typed columns, typed blobs, BSON)
//! and no backend repeats the conversion logic.
//!
//! | value | `scalar` | `blob` |
//! |---|---|---|
//! | scalar | the scalar | — |
//! | numeric/bool array | — | row-major little-endian elements |
//! | string array | — | CBOR array of the row-major strings |
//! | quantity | like its magnitude | like its magnitude |
//! | list, tuple, dict, sparse, table, user | — | CBOR of the value |

use serde::{Deserialize, Serialize};

use crate::value::{Array, DType, Kind, Quantity, Scalar, Value};
use crate::{PetError, Result};

/// A value split into type information and payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Encoded {
    /// What the value is.
    pub kind: Kind,
    /// Element type of a scalar or array (or of a quantity's magnitude).
    pub dtype: Option<DType>,
    /// Shape of an array (or of a quantity's array magnitude).
    pub shape: Option<Vec<usize>>,
    /// Unit of a quantity.
    pub unit: Option<String>,
    /// The scalar, for scalars and scalar quantities.
    pub scalar: Option<Scalar>,
    /// Bytes of arrays and composite values.
    pub blob: Option<Vec<u8>>,
}

fn corrupt(msg: impl Into<String>) -> PetError {
    PetError::corrupt(msg)
}

fn cbor<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out)
        .map_err(|e| PetError::invalid(format!("cannot encode: {e}")))?;
    Ok(out)
}

fn uncbor<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T> {
    ciborium::from_reader(bytes).map_err(|e| corrupt(format!("payload is not valid CBOR: {e}")))
}

/// Encodes a value.
pub fn encode(value: &Value) -> Result<Encoded> {
    let mut e = Encoded {
        kind: value.kind(),
        dtype: None,
        shape: None,
        unit: None,
        scalar: None,
        blob: None,
    };
    let magnitude = match value {
        Value::Quantity(q) => {
            e.unit = Some(q.unit.clone());
            q.value.as_ref()
        }
        v => v,
    };
    match magnitude {
        Value::Scalar(s) => {
            e.dtype = Some(s.dtype());
            e.scalar = Some(s.clone());
        }
        Value::Array(a) => {
            e.dtype = Some(a.dtype());
            e.shape = Some(a.shape().to_vec());
            e.blob = Some(match a.to_le_bytes() {
                Some(b) => b,
                None => cbor(&a.to_strings().unwrap_or_default())?,
            });
        }
        other => {
            if e.unit.is_some() {
                return Err(PetError::invalid(
                    "a quantity needs a numeric scalar or array",
                ));
            }
            e.blob = Some(cbor(other)?);
        }
    }
    Ok(e)
}

/// Decodes what [`encode`] produced, validating sizes and structure; corrupt
/// input is a `Format` error, never a panic, and never runs code.
pub fn decode(e: &Encoded) -> Result<Value> {
    let magnitude = match (&e.scalar, e.dtype, &e.shape, &e.blob) {
        (Some(s), _, _, _) => Value::Scalar(s.clone()),
        (None, Some(dtype), Some(shape), Some(blob)) => {
            let a = if dtype == DType::Str {
                Array::from_strings(shape, uncbor::<Vec<String>>(blob)?)?
            } else {
                Array::from_le_bytes(dtype, shape, blob)?
            };
            Value::from(a)
        }
        (None, _, _, Some(blob)) if !matches!(e.kind, Kind::Scalar | Kind::Array) => {
            let v: Value = uncbor(blob)?;
            if v.kind() != e.kind {
                return Err(corrupt(format!(
                    "declared {:?} but holds {:?}",
                    e.kind,
                    v.kind()
                )));
            }
            v
        }
        _ => return Err(corrupt(format!("incomplete {:?} value", e.kind))),
    };
    let v = match &e.unit {
        Some(unit) => Value::Quantity(Quantity {
            value: Box::new(magnitude),
            unit: unit.clone(),
        }),
        None => magnitude,
    };
    if v.kind() != e.kind {
        return Err(corrupt(format!(
            "declared {:?} but holds {:?}",
            e.kind,
            v.kind()
        )));
    }
    v.validate()?;
    Ok(v)
}

/// Encodes any serde value (annotations, run lists) as CBOR.
pub fn to_cbor<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    cbor(v)
}

/// Decodes CBOR written by [`to_cbor`].
pub fn from_cbor<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T> {
    uncbor(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let mut e = encode(&Value::from(ndarray::Array1::from(vec![1.0, 2.0]))).unwrap();
        e.blob = Some(vec![1, 2, 3]);
        assert!(decode(&e).is_err());
        e.shape = None;
        assert!(decode(&e).is_err());
        let mut d = encode(&Value::from(vec![1i64, 2])).unwrap();
        d.blob = Some(vec![0xff; 7]);
        assert!(decode(&d).is_err());
        d.blob = Some(to_cbor(&Value::from(1.0)).unwrap());
        assert!(decode(&d).is_err(), "kind mismatch must be caught");
    }

    #[test]
    fn forged_sizes_are_errors_before_allocation() {
        let mut e = encode(&Value::from(ndarray::Array1::from(vec![1.0, 2.0]))).unwrap();
        e.shape = Some(vec![2_305_843_009_213_693_952]);
        e.blob = Some(vec![]);
        let msg = decode(&e).unwrap_err().to_string();
        assert!(msg.contains("larger than this machine"), "{msg}");
        e.shape = Some(vec![usize::MAX, usize::MAX]);
        assert!(decode(&e).is_err());
        e.shape = Some(vec![1 << 40]);
        assert!(decode(&e).unwrap_err().to_string().contains("needs"));
        e.dtype = Some(DType::Str);
        e.blob = Some(to_cbor(&Vec::<String>::new()).unwrap());
        e.shape = Some(vec![usize::MAX, 3]);
        assert!(decode(&e).is_err());
    }

    #[test]
    fn decoded_tables_and_sparse_matrices_are_checked() {
        use crate::value::{Sparse, SparseFormat, Table};
        let t = Table::from_columns(vec![
            (
                "a".into(),
                Array::from_scalars(DType::I64, &[Scalar::I64(1)]).unwrap(),
            ),
            (
                "b".into(),
                Array::from_scalars(DType::I64, &[Scalar::I64(2)]).unwrap(),
            ),
        ])
        .unwrap();
        let mut bytes = to_cbor(&Value::Table(t)).unwrap();
        // Rename column "b" to "a": the decoded table has two columns named "a".
        let pos = bytes.windows(2).rposition(|w| w == [0x61, b'b']).unwrap();
        bytes[pos + 1] = b'a';
        let forged = Encoded {
            kind: Kind::Table,
            dtype: None,
            shape: None,
            unit: None,
            scalar: None,
            blob: Some(bytes),
        };
        let msg = decode(&forged).unwrap_err().to_string();
        assert!(msg.contains("two columns"), "{msg}");
        let s = Sparse {
            format: SparseFormat::Csr,
            shape: (usize::MAX, 1),
            major: vec![0],
            minor: vec![],
            data: Array::from_scalars(DType::F64, &[]).unwrap(),
        };
        assert!(s.validate().is_err());
        let deep = (0..300).fold(Value::from(1.0), |v, _| Value::List(vec![v]));
        assert!(deep.validate().unwrap_err().to_string().contains("deeper"));
    }

    #[test]
    fn quantities_keep_unit_and_shape() {
        let q = Value::with_unit(ndarray::Array2::<f32>::zeros((2, 3)), "mV");
        let e = encode(&q).unwrap();
        assert_eq!(e.unit.as_deref(), Some("mV"));
        assert_eq!(e.shape.as_deref(), Some(&[2, 3][..]));
        assert_eq!(decode(&e).unwrap(), q);
    }
}
