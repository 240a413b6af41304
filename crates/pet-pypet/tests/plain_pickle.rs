//! The plain-data pickle decoder on pickles Python itself writes, protocols
//! 0 to 5: plain values decode to the same pet values; anything that would
//! import or call (objects, sets, OrderedDict), `None`, ints beyond `i64`,
//! recursive lists and values pet cannot hold stay undecoded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::process::Command;

use pet_core::value::{Array, Scalar};
use pet_core::Value;
use pet_pypet::plain_pickle::decode;

/// `name protocol hex` lines: each object of the script pickled by Python at
/// every protocol.
const SCRIPT: &str = r#"
import collections, datetime, pickle
a = [1, 2]
rec = []
rec.append(rec)
cases = {
    "dict": {"a": 1, "b": [1, 2], "c": "text", "d": True, "e": 2.5, "g": (1, 2),
             "big": 2**40, "neg": -5, "nested": {"x": [[1.0, 2.0], [3.0, 4.0]]}},
    "unicode": "grüße \\ line\nbreak \u2603 \U0001F600",
    "bools": [True, False],
    "bytes": b"\x00\x01\xff",
    "shared": [a, a],
    "floats": (0.5, -1e300, float("inf")),
    "long": -2**63,
    "recursive": rec,
    "none": [1, None],
    "too_big": 2**70,
    "mixed": [1, "a"],
    "object": datetime.date(2020, 1, 1),
    "ordered": collections.OrderedDict(a=1),
    "set": {1, 2},
    "int_key": {1: "a"},
}
for name, obj in cases.items():
    for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
        print(name, proto, pickle.dumps(obj, protocol=proto).hex())
"#;

fn python_pickles() -> Vec<(String, u8, Vec<u8>)> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .output()
        .expect("python3 is needed to write the pickles (scripts/setup-debian.sh installs it)");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut w = l.split(' ');
            let name = w.next().unwrap().to_string();
            let proto = w.next().unwrap().parse().unwrap();
            let h = w.next().unwrap();
            let bytes = (0..h.len() / 2)
                .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            (name, proto, bytes)
        })
        .collect()
}

fn i(v: i64) -> Value {
    Value::Scalar(Scalar::I64(v))
}
fn f(v: f64) -> Value {
    Value::Scalar(Scalar::F64(v))
}
fn s(v: &str) -> Value {
    Value::Scalar(Scalar::Str(v.into()))
}
fn b(v: bool) -> Value {
    Value::Scalar(Scalar::Bool(v))
}

fn expected(name: &str) -> Option<Value> {
    let dict = |kv: Vec<(&str, Value)>| {
        Value::Dict(
            kv.into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    Some(match name {
        "dict" => dict(vec![
            ("a", i(1)),
            ("b", Value::List(vec![i(1), i(2)])),
            ("c", s("text")),
            ("d", b(true)),
            ("e", f(2.5)),
            ("g", Value::Tuple(vec![i(1), i(2)])),
            ("big", i(1 << 40)),
            ("neg", i(-5)),
            (
                "nested",
                dict(vec![(
                    "x",
                    Value::List(vec![
                        Value::List(vec![f(1.0), f(2.0)]),
                        Value::List(vec![f(3.0), f(4.0)]),
                    ]),
                )]),
            ),
        ]),
        "unicode" => s("grüße \\ line\nbreak \u{2603} \u{1F600}"),
        "bools" => Value::List(vec![b(true), b(false)]),
        "bytes" => Value::from(Array::U8(
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[3]), vec![0, 1, 255]).unwrap(),
        )),
        "shared" => Value::List(vec![
            Value::List(vec![i(1), i(2)]),
            Value::List(vec![i(1), i(2)]),
        ]),
        "floats" => Value::Tuple(vec![f(0.5), f(-1e300), f(f64::INFINITY)]),
        "long" => i(i64::MIN),
        _ => return None,
    })
}

#[test]
fn plain_data_decodes_and_everything_else_stays_opaque() {
    let pickles = python_pickles();
    assert_eq!(pickles.len(), 15 * 6, "15 objects, protocols 0 to 5");
    let mut decoded = 0;
    for (name, proto, bytes) in &pickles {
        let got = decode(bytes);
        // Protocols 0-2 pickle bytes by calling `_codecs.encode`: not plain data.
        let want = if name == "bytes" && *proto < 3 {
            None
        } else {
            expected(name)
        };
        match (&got, &want) {
            (Some(g), Some(w)) => {
                assert!(g.same_as(w), "{name} protocol {proto}: {g:?} != {w:?}");
                decoded += 1;
            }
            (None, None) => {}
            _ => panic!("{name} protocol {proto}: got {got:?}, want {want:?}"),
        }
    }
    assert_eq!(decoded, 7 * 6 - 3, "{decoded} decoded");
}

#[test]
fn damaged_pickles_are_refused_without_panicking() {
    for (_, _, bytes) in python_pickles() {
        for cut in 0..bytes.len() {
            let _ = decode(&bytes[..cut]);
        }
        for at in 0..bytes.len() {
            let mut m = bytes.clone();
            m[at] ^= 0xff;
            let _ = decode(&m);
        }
    }
    // A list that refers to itself through the memo, and a memo bomb.
    assert!(decode(b"\x80\x04]\x94h\x00a.").is_none());
    let mut bomb = b"\x80\x04K\x01q\x00".to_vec();
    for k in 0..40u8 {
        bomb.extend([b'h', k, b'h', k, 0x86, b'q', k + 1]);
    }
    bomb.push(b'.');
    assert!(
        decode(&bomb).is_none(),
        "2^40 shared references must be refused"
    );
}
