//! Pickles pypet wrote (PickleParameter, PickleResult, pandas object columns,
//! PyTables' pickled attributes): never unpickled, carried as opaque bytes.
//! A result item or annotation becomes a user value of type [`PICKLE_TYPE`]
//! whose CBOR payload is one byte string, the pickle exactly as stored; a
//! parameter (which cannot hold user values) holds the bytes as a `u8` array
//! with the note `pickle` in its `pypet_notes` annotation.

use pet_core::{UserValue, Value};

/// The user type name of a carried pickle.
pub const PICKLE_TYPE: &str = "pypet.pickle";

/// The user type name of a scipy sparse matrix in a format pet lacks (npz bytes).
pub const NPZ_TYPE: &str = "pypet.npz";

/// `bytes` as a CBOR byte string.
fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 9);
    let n = bytes.len() as u64;
    match n {
        0..=23 => out.push(0x40 | n as u8),
        24..=0xff => out.extend([0x58, n as u8]),
        0x100..=0xffff => {
            out.push(0x59);
            out.extend((n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0x5a);
            out.extend((n as u32).to_be_bytes());
        }
        _ => {
            out.push(0x5b);
            out.extend(n.to_be_bytes());
        }
    }
    out.extend_from_slice(bytes);
    out
}

/// A pickle carried opaque, as a user value.
pub fn opaque(bytes: Vec<u8>) -> Value {
    user(PICKLE_TYPE, &bytes)
}

/// Opaque bytes of type `type_name`, as a user value.
pub fn user(type_name: &str, bytes: &[u8]) -> Value {
    Value::from(UserValue {
        type_name: type_name.to_string(),
        payload: cbor_bytes(bytes),
    })
}

/// The pickle bytes inside a value made by [`opaque`].
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    let Value::User(u) = v else { return None };
    let c: ciborium::Value = ciborium::from_reader(u.payload.as_slice()).ok()?;
    c.into_bytes().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pickles_round_trip_through_cbor() {
        for n in [0usize, 5, 23, 24, 300, 70_000] {
            let b: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            assert_eq!(bytes_of(&opaque(b.clone())), Some(b));
        }
    }
}
