//! Appending explored points to node documents: the new points are pushed
//! onto the visible document's `points` array (its type description follows),
//! and a list that would outgrow one document is rewritten whole with its
//! arrays moved to the bucket.
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

#[test]
fn points_are_pushed_onto_the_node_document() {
    let fx = common::FreshDb::new();
    let mut t = Trajectory::create(fx.open_store(), "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    let id = node_doc(&fx, "parameters.x").get_object_id("_id").unwrap();
    for k in 0..5 {
        t.expand([("x", vals([10.0 + k as f64, 20.0 + k as f64]))])
            .unwrap();
        t.store().unwrap();
    }
    let d = node_doc(&fx, "parameters.x");
    // The same document, grown in place.
    assert_eq!(d.get_object_id("_id").unwrap(), id);
    assert_eq!(d.get_array("points").unwrap().len(), 12);
    assert_eq!(d.get_str("type_info").unwrap(), "f64 explored len=12");
    let mut back = Trajectory::load(fx.open_store(), "t", LoadSpec::all()).unwrap();
    assert_eq!(back.len(), 12);
    assert_eq!(back.param_value_at("x", 11).unwrap(), &Value::from(24.0));
    assert_eq!(back.get_as::<f64>("x").unwrap(), 0.0);
}

#[test]
fn a_list_outgrowing_one_document_is_rewritten_with_its_arrays_moved_out() {
    let fx = common::FreshDb::new();
    let mut t = Trajectory::create(fx.open_store(), "t", "").unwrap();
    // 1 MiB arrays stay inside the document (below inline_max) ...
    let w = |k: usize| Value::from(ndarray::Array1::from_elem(131_072, k as f64));
    t.add_parameter("w", w(0), "").unwrap();
    t.explore([("w", vec![w(0), w(1)])]).unwrap();
    t.store().unwrap();
    // ... until 18 of them no longer fit in 16 MiB.
    for step in 0..2 {
        let points = (0..8).map(|k| w(2 + 8 * step + k)).collect();
        t.expand([("w", points)]).unwrap();
        t.store().unwrap();
    }
    let d = node_doc(&fx, "parameters.w");
    assert_eq!(d.get_array("points").unwrap().len(), 18);
    // Every point and the default (as large) moved to the bucket.
    assert_eq!(d.get_array("blobs").unwrap().len(), 19);
    let mut back = Trajectory::load(fx.open_store(), "t", LoadSpec::all()).unwrap();
    assert_eq!(back.len(), 18);
    for i in 0..18 {
        assert_eq!(back.param_value_at("w", i).unwrap(), &w(i), "point {i}");
    }
    assert!(back.get("w").is_ok());
}
