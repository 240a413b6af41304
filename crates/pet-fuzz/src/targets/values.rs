//! Targets for the value decoders: the shared codec, CBOR payloads (composite
//! values and user types), MongoDB node documents and point sets.

use pet_core::codec::{self, Encoded};
use pet_core::Value;

use super::{err, Target, Work};
use crate::sample;

/// `pet_core::codec::decode` on mutated encodings of every kind of value.
pub const CODEC: Target = Target {
    name: "codec",
    cost: 1,
    about: "typed value encodings (kind, dtype, shape, blob) through pet_core::codec::decode",
    seeds: |_| {
        sample::values()?
            .iter()
            .map(|(_, v)| Ok(codec::to_cbor(&codec::encode(v)?)?))
            .collect()
    },
    run: |_, input| {
        let e: Encoded = codec::from_cbor(input).map_err(err)?;
        codec::decode(&e).map(|_| ()).map_err(err)
    },
};

/// CBOR payloads of composite values and user types.
pub const CBOR_VALUE: Target = Target {
    name: "cbor-value",
    cost: 1,
    about: "CBOR payloads (lists, dicts, sparse, tables, user types) decoded and validated",
    seeds: |_| {
        sample::values()?
            .iter()
            .map(|(_, v)| Ok(codec::to_cbor(v)?))
            .collect()
    },
    run: |_, input| {
        let v: Value = codec::from_cbor(input).map_err(err)?;
        v.validate().map_err(err)?;
        if let Value::User(u) = &v {
            u.to_json().map_err(err)?;
        }
        let _ = v.to_string();
        Ok(())
    },
};

/// MongoDB node documents (BSON) through the store's own decoder.
pub const BSON_NODE: Target = Target {
    name: "bson-node",
    cost: 1,
    about: "MongoDB node documents (BSON bytes) through pet-mongo's decoder",
    seeds: |_: &Work| {
        sample::records()?
            .iter()
            .map(|r| Ok(pet_mongo::document::encode_node("t", r)?))
            .collect()
    },
    run: |_, input| {
        pet_mongo::document::decode_node(input)
            .map(|_| ())
            .map_err(err)
    },
};

/// Explored parameters as MongoDB stores them: the node document with its
/// chunk documents (a point set), through the reader's checks of every chunk
/// against the node.
pub const BSON_POINT_SET: Target = Target {
    name: "bson-point-set",
    cost: 1,
    about: "MongoDB explored parameters: node document plus point chunks (BSON) through pet-mongo's set reader",
    seeds: |_: &Work| {
        point_set_records()?
            .iter()
            .map(|r| Ok(pet_mongo::document::encode_node_with_set("t", r)?))
            .collect()
    },
    run: |_, input| {
        pet_mongo::document::decode_node_with_set(input)
            .map(|_| ())
            .map_err(err)
    },
};

/// Explored parameters of several types, one long enough for two chunks.
fn point_set_records() -> pet_core::Result<Vec<pet_core::NodeRecord>> {
    let mut t = pet_core::Trajectory::new("t")?;
    t.add_parameter("i", 0i64, "")?;
    t.add_parameter("x", 0.0, "")?;
    t.add_parameter("s", "a", "")?;
    t.explore([
        ("i", pet_core::vals(0..5000i64)),
        ("x", pet_core::vals((0..5000).map(|k| f64::from(k) / 7.0))),
        ("s", pet_core::vals((0..5000).map(|k| format!("p{k}")))),
    ])?;
    Ok(t.param_records()
        .into_iter()
        .filter(|r| matches!(r.node.kind, pet_core::NodeKind::Leaf { explored: true, .. }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_decode_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let work = Work::new(dir.path()).unwrap();
        for t in [CODEC, CBOR_VALUE, BSON_NODE, BSON_POINT_SET] {
            let seeds = (t.seeds)(&work).unwrap();
            assert!(!seeds.is_empty(), "{}", t.name);
            for s in seeds {
                (t.run)(&work, &s).unwrap_or_else(|e| panic!("{}: a seed fails: {e}", t.name));
            }
        }
    }
}
