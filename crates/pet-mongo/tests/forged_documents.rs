//! Databases changed by someone else: forged chunk numbers and lengths, run
//! indices out of range and mistyped database names give clear errors, never a
//! panic, and reading never creates or changes anything.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use mongodb::bson::{doc, Document};
use pet_core::{vals, PetError, Store, Trajectory};
use pet_mongo::{MongoOptions, MongoStore};

fn swept(fx: &common::FreshDb) -> Arc<dyn Store> {
    let store = fx.open_store();
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    // Large enough to leave the node document for the blobs bucket.
    t.add_result("big", ndarray::Array1::from_elem(1_200_000, 1.5), "")
        .unwrap();
    t.store().unwrap();
    store
}

fn db(fx: &common::FreshDb) -> mongodb::sync::Database {
    mongodb::sync::Client::with_uri_str(common::server_uri())
        .unwrap()
        .database(&fx.db)
}

#[test]
fn read_only_opening_of_a_mistyped_database_creates_nothing() {
    let name = common::fresh_db("typo");
    let e = MongoStore::open_with(
        &common::server_uri(),
        MongoOptions {
            database: Some(name.clone()),
            read_only: true,
            ..MongoOptions::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("check the database name"), "{e}");
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    let names = client
        .database(&name)
        .list_collection_names()
        .run()
        .unwrap();
    assert!(names.is_empty(), "read-only opening created {names:?}");
    let dbs = client.list_database_names().run().unwrap();
    assert!(
        !dbs.contains(&name),
        "read-only opening created the database"
    );
}

#[test]
fn forged_chunk_numbers_and_lengths_are_errors() {
    let fx = common::FreshDb::new();
    let store = swept(&fx);
    let chunks = db(&fx).collection::<Document>("blobs.chunks");
    let files = db(&fx).collection::<Document>("blobs.files");
    chunks
        .update_one(doc! { "n": 0 }, doc! { "$set": { "n": -1 } })
        .run()
        .unwrap();
    let e = store.read_data("t", "results.big").unwrap_err();
    assert!(matches!(e, PetError::Format { .. }), "{e}");
    assert!(e.to_string().contains("chunk numbered -1"), "{e}");
    chunks
        .update_one(doc! { "n": -1 }, doc! { "$set": { "n": 0 } })
        .run()
        .unwrap();
    files
        .update_one(doc! {}, doc! { "$set": { "length": -5_i64 } })
        .run()
        .unwrap();
    let e = store.read_data("t", "results.big").unwrap_err().to_string();
    assert!(e.contains("negative length"), "{e}");
    files
        .update_one(doc! {}, doc! { "$set": { "length": 10_i64 } })
        .run()
        .unwrap();
    let e = store.read_data("t", "results.big").unwrap_err().to_string();
    assert!(e.contains("more bytes than the 10"), "{e}");
}

#[test]
fn run_indices_out_of_range_are_errors() {
    let fx = common::FreshDb::new();
    let store = swept(&fx);
    db(&fx)
        .collection::<Document>("runs")
        .update_one(doc! { "idx": 1_i64 }, doc! { "$set": { "idx": -1_i64 } })
        .run()
        .unwrap();
    let e = store.read_runs("t").unwrap_err();
    assert!(matches!(e, PetError::Format { .. }), "{e}");
    assert!(e.to_string().contains("run index -1"), "{e}");
}

#[test]
fn node_documents_decode_without_a_server() {
    let rec = pet_core::NodeRecord {
        path: "results.r".into(),
        node: pet_core::Node::leaf(
            pet_core::LeafRole::Result,
            pet_core::LeafData::Result {
                items: [("r".to_string(), pet_core::Value::from(vec![1i64, 2]))].into(),
            },
            "c",
        ),
    };
    let bytes = pet_mongo::document::encode_node("t", &rec).unwrap();
    assert_eq!(pet_mongo::document::decode_node(&bytes).unwrap(), rec);
    for cut in [0, 4, bytes.len() / 2] {
        assert!(pet_mongo::document::decode_node(&bytes[..cut]).is_err());
    }
}
