//! Appending explored points: the new points are pushed onto the last chunk
//! of the parameter's point set (its node document's length and type
//! description follow), and array points fill chunks of bounded size, large
//! ones moved to the bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use mongodb::bson::{doc, Document};
use pet_core::{vals, LoadSpec, Trajectory, Value};

fn node_doc(fx: &common::FreshDb, path: &str) -> Document {
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    client
        .database(&fx.db)
        .collection::<Document>("nodes")
        .find_one(doc! { "traj": "t", "path": path })
        .run()
        .unwrap()
        .unwrap()
}

fn chunks(fx: &common::FreshDb, path: &str) -> Vec<Document> {
    let pid = node_doc(fx, path).get_object_id("points_id").unwrap();
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    client
        .database(&fx.db)
        .collection::<Document>("points")
        .find(doc! { "pid": pid })
        .sort(doc! { "n": 1 })
        .run()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn points_are_pushed_onto_the_last_chunk() {
    let fx = common::FreshDb::new();
    let mut t = Trajectory::create(fx.open_store(), "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    let id = node_doc(&fx, "parameters.x").get_object_id("_id").unwrap();
    let chunk = chunks(&fx, "parameters.x")[0].get_object_id("_id").unwrap();
    for k in 0..5 {
        t.expand([("x", vals([10.0 + k as f64, 20.0 + k as f64]))])
            .unwrap();
        t.store().unwrap();
    }
    let d = node_doc(&fx, "parameters.x");
    // The same node document and chunk, grown in place.
    assert_eq!(d.get_object_id("_id").unwrap(), id);
    assert!(!d.contains_key("points"));
    assert_eq!(d.get_i64("points_len").unwrap(), 12);
    assert_eq!(
        d.get_i64("points_epoch").unwrap(),
        5,
        "one fence per expansion"
    );
    assert_eq!(d.get_str("type_info").unwrap(), "f64 explored len=12");
    let c = chunks(&fx, "parameters.x");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].get_object_id("_id").unwrap(), chunk);
    assert_eq!(c[0].get_array("points").unwrap().len(), 12);
    let mut back = Trajectory::load(fx.open_store(), "t", LoadSpec::all()).unwrap();
    assert_eq!(back.len(), 12);
    assert_eq!(back.param_value_at("x", 11).unwrap(), &Value::from(24.0));
    assert_eq!(back.get_as::<f64>("x").unwrap(), 0.0);
}

#[test]
fn array_points_fill_chunks_of_bounded_size() {
    let fx = common::FreshDb::new();
    let mut t = Trajectory::create(fx.open_store(), "t", "").unwrap();
    // 1 MiB arrays stay inside the chunks (below inline_max), at most 4 MiB of them per chunk ...
    let w = |k: usize| Value::from(ndarray::Array1::from_elem(131_072, k as f64));
    t.add_parameter("w", w(0), "").unwrap();
    t.explore([("w", vec![w(0), w(1)])]).unwrap();
    t.store().unwrap();
    for step in 0..2 {
        let points = (0..8).map(|k| w(2 + 8 * step + k)).collect();
        t.expand([("w", points)]).unwrap();
        t.store().unwrap();
    }
    let c = chunks(&fx, "parameters.w");
    let counts: Vec<i64> = c.iter().map(|c| c.get_i64("count").unwrap()).collect();
    assert_eq!(counts, [3, 3, 3, 3, 3, 3]);
    // ... and nothing went to the bucket.
    assert!(c.iter().all(|c| c.get_array("blobs").unwrap().is_empty()));
    let mut back = Trajectory::load(fx.open_store(), "t", LoadSpec::all()).unwrap();
    assert_eq!(back.len(), 18);
    for i in 0..18 {
        assert_eq!(back.param_value_at("w", i).unwrap(), &w(i), "point {i}");
    }
    assert!(back.get("w").is_ok());
    // A 5 MiB array fills a chunk alone, with its bytes in the bucket.
    let big = Value::from(ndarray::Array1::from_elem(655_360, 1.0));
    let small = ndarray::Array1::from_elem(131_072, 2.0);
    let mut t = Trajectory::create(fx.open_store(), "u", "").unwrap();
    t.add_parameter("w", small.clone(), "").unwrap();
    t.explore([("w", vec![Value::from(small), big.clone()])])
        .unwrap();
    t.store().unwrap();
    let back = Trajectory::load(fx.open_store(), "u", LoadSpec::default()).unwrap();
    assert_eq!(back.param_value_at("w", 1).unwrap(), &big);
}
