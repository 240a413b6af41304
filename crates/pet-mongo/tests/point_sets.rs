//! Explored points in point sets (chunk documents of the `points`
//! collection): large parameters round-trip and expand by writing their new
//! points only, forged chunks are errors naming the node, stores of schema
//! version 1 (points in the node document) still read and expand, deleting
//! removes chunks, appends that died or collide leave readers a consistent list.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use mongodb::bson::{doc, Bson, Document};
use mongodb::sync::{Collection, Database};
use pet_core::storage::{PointAppend, ReadSpec};
use pet_core::{vals, LeafData, LoadSpec, NodeKind, PetError, Store, Trajectory, Value};
use pet_mongo::{MongoOptions, SCHEMA_VERSION};

fn db(fx: &common::FreshDb) -> Database {
    mongodb::sync::Client::with_uri_str(common::server_uri())
        .unwrap()
        .database(&fx.db)
}

fn coll(fx: &common::FreshDb, name: &str) -> Collection<Document> {
    db(fx).collection::<Document>(name)
}

fn node_doc(fx: &common::FreshDb, path: &str) -> Document {
    coll(fx, "nodes")
        .find_one(doc! { "traj": "t", "path": path })
        .run()
        .unwrap()
        .unwrap()
}

/// Chunk documents of the set of `path`, in order.
fn chunks(fx: &common::FreshDb, path: &str) -> Vec<Document> {
    let pid = node_doc(fx, path).get_object_id("points_id").unwrap();
    coll(fx, "points")
        .find(doc! { "pid": pid })
        .sort(doc! { "n": 1 })
        .run()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn ints(range: std::ops::Range<i64>) -> Vec<Value> {
    range.map(Value::from).collect()
}

fn stored_points(store: &dyn Store, path: &str) -> Vec<Value> {
    match store.read_data("t", path).unwrap() {
        LeafData::Param {
            explored: Some(list),
            ..
        } => list,
        other => panic!("{path} is not explored: {other:?}"),
    }
}

/// A trajectory `t` with the int parameter `n` explored over `0..len`, stored
/// without its run table (through the store, as a trajectory writes its tree).
fn parameter(store: &Arc<dyn Store>, len: i64) {
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("n", 0i64, "count").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("n", ints(0..len))]).unwrap();
    let recs: Vec<_> = t
        .param_records()
        .into_iter()
        .filter(|r| r.path.starts_with("parameters."))
        .collect();
    store.write_nodes("t", &recs).unwrap();
}

#[test]
fn a_300000_point_parameter_round_trips_and_expands_by_writing_its_new_points() {
    // Through the store, as a trajectory writes its tree and its expansions
    // (without the run table of 300000 runs, which is not what this is about).
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    parameter(&store, 300_000);
    let node = node_doc(&fx, "parameters.n");
    assert!(
        !node.contains_key("points"),
        "the points left the node document"
    );
    assert_eq!(node.get_i64("points_len").unwrap(), 300_000);
    assert_eq!(
        node.get_str("type_info").unwrap(),
        "i64 explored len=300000"
    );
    let before = chunks(&fx, "parameters.n");
    assert_eq!(before.len(), 74, "4096 points per chunk");
    assert_eq!(before[73].get_i64("count").unwrap(), 300_000 - 73 * 4096);
    assert_eq!(
        stored_points(fx.open_store().as_ref(), "parameters.n"),
        ints(0..300_000)
    );

    let more = ints(300_000..300_003);
    store
        .append_points(
            "t",
            &[PointAppend {
                path: "parameters.n",
                start: 300_000,
                values: &more,
            }],
        )
        .unwrap();

    let after = chunks(&fx, "parameters.n");
    assert_eq!(after.len(), 74);
    // Only the last chunk was written: the others are as they were.
    assert_eq!(&after[..73], &before[..73]);
    assert_eq!(
        after[73].get_i64("count").unwrap(),
        300_003 - 73 * 4096,
        "the new points went onto the last chunk"
    );
    assert_eq!(
        after[73].get_object_id("_id").unwrap(),
        before[73].get_object_id("_id").unwrap()
    );
    let node = node_doc(&fx, "parameters.n");
    assert_eq!(node.get_i64("points_len").unwrap(), 300_003);
    assert_eq!(
        node.get_str("type_info").unwrap(),
        "i64 explored len=300003"
    );

    let back = fx
        .open_store()
        .read_nodes("t", "parameters", ReadSpec::DATA)
        .unwrap();
    let n = back.iter().find(|r| r.path == "parameters.n").unwrap();
    assert!(matches!(&n.node.kind,
        NodeKind::Leaf { type_info, explored: true, .. } if type_info == "i64 explored len=300003"));
    assert_eq!(
        n.node.data,
        Some(LeafData::Param {
            value: Value::from(0i64),
            explored: Some(ints(0..300_003)),
        })
    );
    assert_eq!(n.node.comment, "count");
    // A skeleton sees the length without the chunks.
    let sk = fx
        .open_store()
        .read_nodes("t", "parameters.n", ReadSpec::SKELETON)
        .unwrap();
    assert!(matches!(&sk[0].node.kind,
        NodeKind::Leaf { type_info, .. } if type_info == "i64 explored len=300003"));
    assert!(sk[0].node.data.is_none());
}

#[test]
fn a_trajectory_of_20000_runs_expands_and_reloads_equal() {
    let fx = common::FreshDb::new();
    let mut t = Trajectory::create(fx.open_store(), "t", "").unwrap();
    t.add_parameter("n", 0i64, "count").unwrap();
    t.add_parameter("x", 0.5, "").unwrap();
    t.explore([
        ("n", ints(0..20_000)),
        ("x", (0..20_000).map(|i| Value::from(i as f64)).collect()),
    ])
    .unwrap();
    t.store().unwrap();
    let mut t = Trajectory::load(fx.open_store(), "t", LoadSpec::default()).unwrap();
    t.expand([("n", ints(20_000..20_003)), ("x", vals([1.5, 2.5, 3.5]))])
        .unwrap();
    t.store().unwrap();
    let back = Trajectory::load(fx.open_store(), "t", LoadSpec::default()).unwrap();
    assert_eq!(back.len(), 20_003);
    for p in ["parameters.n", "parameters.x"] {
        assert_eq!(back.node(p).unwrap(), t.node(p).unwrap(), "{p}");
    }
    assert_eq!(back.run_infos(), t.run_infos());
    assert_eq!(back.param_value_at("x", 20_002).unwrap(), &Value::from(3.5));
}

#[test]
fn expansions_fill_the_last_chunk_then_start_new_ones() {
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    parameter(&store, 4090);
    let id = chunks(&fx, "parameters.n")[0].get_object_id("_id").unwrap();
    let mut at = 4090;
    for step in [3, 3, 5000, 1] {
        let a = ints(at..at + step);
        let batch = [PointAppend {
            path: "parameters.n",
            start: at as usize,
            values: &a,
        }];
        store.append_points("t", &batch).unwrap();
        at += step;
    }
    let c = chunks(&fx, "parameters.n");
    let counts: Vec<i64> = c.iter().map(|c| c.get_i64("count").unwrap()).collect();
    assert_eq!(counts, [4096, 4096, 905]);
    assert_eq!(c[0].get_object_id("_id").unwrap(), id);
    let starts: Vec<i64> = c.iter().map(|c| c.get_i64("start").unwrap()).collect();
    assert_eq!(starts, [0, 4096, 8192]);
    assert_eq!(
        node_doc(&fx, "parameters.n")
            .get_i64("points_chunks")
            .unwrap(),
        3
    );
    assert_eq!(stored_points(store.as_ref(), "parameters.n"), ints(0..at));
}

#[test]
fn forged_chunks_are_errors_naming_the_node() {
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    parameter(&store, 10_000);
    let points = coll(&fx, "points");
    let nodes = coll(&fx, "nodes");
    let pid = node_doc(&fx, "parameters.n")
        .get_object_id("points_id")
        .unwrap();
    let format_err = |what: &str| {
        let e = store.read_data("t", "parameters.n").unwrap_err();
        assert!(matches!(e, PetError::Format { .. }), "{what}: {e:?}");
        let e = e.to_string();
        assert!(e.contains("'parameters.n'"), "{what}: {e}");
        e
    };
    let one = |n: i64| doc! { "pid": pid, "n": n };

    // Wrong count.
    points
        .update_one(one(1), doc! { "$set": { "count": 17_i64 } })
        .run()
        .unwrap();
    let e = format_err("wrong count");
    assert!(
        e.contains("point chunk 1") && e.contains("declares 17 points but holds 4096"),
        "{e}"
    );
    points
        .update_one(one(1), doc! { "$set": { "count": 4096_i64 } })
        .run()
        .unwrap();
    assert_eq!(stored_points(store.as_ref(), "parameters.n").len(), 10_000);

    // A declared length far beyond what is stored: refused before any read.
    for (len, chunks) in [(i64::MAX, i64::MAX), (4_000_000_000, 1_000_000)] {
        nodes
            .update_one(
                doc! { "path": "parameters.n" },
                doc! { "$set": { "points_len": len, "points_chunks": chunks } },
            )
            .run()
            .unwrap();
        let e = format_err("oversize length");
        assert!(
            e.contains("at most 4294967295") || e.contains("chunk 3 of 1000000"),
            "{e}"
        );
    }
    // Longer than its chunks by a few points.
    nodes
        .update_one(
            doc! { "path": "parameters.n" },
            doc! { "$set": { "points_len": 10_005_i64, "points_chunks": 3_i64 } },
        )
        .run()
        .unwrap();
    let e = format_err("length");
    assert!(
        e.contains("declares 10005 explored points, but its 3 point chunks hold 10000"),
        "{e}"
    );
    nodes
        .update_one(
            doc! { "path": "parameters.n" },
            doc! { "$set": { "points_len": 10_000_i64 } },
        )
        .run()
        .unwrap();

    // A missing chunk.
    let saved = points.find_one(one(1)).run().unwrap().unwrap();
    points.delete_one(one(1)).run().unwrap();
    let e = format_err("missing chunk");
    assert!(
        e.contains("point chunk 1 of 3") && e.contains("missing"),
        "{e}"
    );
    // A skeleton does not read the chunks.
    let sk = Trajectory::load(fx.open_store(), "t", LoadSpec::skeleton()).unwrap();
    assert!(sk.node("parameters.n").is_ok());
    // An append refuses to write into a damaged set when its last chunk is gone.
    points.insert_one(saved).run().unwrap();
    points.delete_one(one(2)).run().unwrap();
    let more = ints(10_000..10_001);
    let e = store
        .append_points(
            "t",
            &[PointAppend {
                path: "parameters.n",
                start: 10_000,
                values: &more,
            }],
        )
        .unwrap_err();
    assert!(
        matches!(e, PetError::Format { .. }) && e.to_string().contains("'parameters.n'"),
        "{e}"
    );
}

/// Puts the points of `path` back into its node document (what pet wrote
/// with schema version 1) and drops its set.
fn to_version_1(fx: &common::FreshDb, path: &str) {
    let node = node_doc(fx, path);
    let list: Vec<Bson> = chunks(fx, path)
        .iter()
        .flat_map(|c| c.get_array("points").unwrap().clone())
        .collect();
    let pid = node.get_object_id("points_id").unwrap();
    coll(fx, "nodes")
        .update_one(
            doc! { "_id": node.get_object_id("_id").unwrap() },
            doc! {
                "$set": { "points": list, "blobs": [] },
                "$unset": { "points_id": "", "points_len": "", "points_chunks": "", "points_epoch": "" },
            },
        )
        .run()
        .unwrap();
    coll(fx, "points")
        .delete_many(doc! { "pid": pid })
        .run()
        .unwrap();
}

#[test]
fn a_store_of_schema_version_1_still_reads_and_expands() {
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0, 3.0]))]).unwrap();
    t.store().unwrap();
    drop((t, store));
    to_version_1(&fx, "parameters.x");
    let meta = coll(&fx, "pet_meta");
    meta.update_one(
        doc! { "_id": "format" },
        doc! { "$set": { "schema_version": 1_i64 } },
    )
    .run()
    .unwrap();

    let store = fx.open_store();
    assert_eq!(
        stored_points(store.as_ref(), "parameters.x"),
        vals([1.0, 2.0, 3.0])
    );
    let mut t = Trajectory::load(store.clone(), "t", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), 3);
    assert_eq!(
        meta.find_one(doc! {})
            .run()
            .unwrap()
            .unwrap()
            .get_i64("schema_version")
            .unwrap(),
        1,
        "reading changes nothing"
    );
    // The first expansion moves the list into a set, and the store to version 2,
    // which older pets refuse instead of reading the parameter as not explored.
    t.expand([("x", vals([4.0]))]).unwrap();
    t.store().unwrap();
    let node = node_doc(&fx, "parameters.x");
    assert!(!node.contains_key("points"));
    assert_eq!(node.get_i64("points_len").unwrap(), 4);
    let version = meta.find_one(doc! {}).run().unwrap().unwrap();
    assert_eq!(version.get_i64("schema_version").unwrap(), SCHEMA_VERSION);
    t.expand([("x", vals([5.0]))]).unwrap();
    t.store().unwrap();
    assert_eq!(
        stored_points(fx.open_store().as_ref(), "parameters.x"),
        vals([1.0, 2.0, 3.0, 4.0, 5.0])
    );
}

#[test]
fn removing_a_node_or_a_trajectory_removes_its_chunks_and_their_payloads() {
    // Arrays above inline_max: the points' payloads live in GridFS.
    let fx = common::FreshDb::with(MongoOptions {
        inline_max: 64,
        ..MongoOptions::default()
    });
    let store = fx.open_store();
    let w = |k: usize| Value::from(ndarray::Array1::from_elem(100, k as f64));
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("w", w(0), "").unwrap();
    t.add_parameter("n", 0i64, "").unwrap();
    t.explore([("w", (0..5).map(w).collect()), ("n", ints(0..5))])
        .unwrap();
    t.store().unwrap();
    t.expand([("w", vec![w(5), w(6)]), ("n", ints(5..7))])
        .unwrap();
    t.store().unwrap();
    let back = Trajectory::load(fx.open_store(), "t", LoadSpec::default()).unwrap();
    assert_eq!(back.param_value_at("w", 6).unwrap(), &w(6));
    let files = coll(&fx, "blobs.files");
    let points = coll(&fx, "points");
    let count = |c: &Collection<Document>| c.count_documents(doc! {}).run().unwrap();
    // The default and 7 points.
    assert_eq!(count(&files), 8);
    assert_eq!(count(&points), 2);
    assert_eq!(store.delete("t", "parameters.w").unwrap(), 1);
    assert_eq!((count(&files), count(&points)), (0, 1));
    store.remove_trajectory("t").unwrap();
    assert_eq!((count(&files), count(&points)), (0, 0));
}

#[test]
fn rewriting_a_parameter_whole_replaces_its_set() {
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    parameter(&store, 5000);
    let old = node_doc(&fx, "parameters.n")
        .get_object_id("points_id")
        .unwrap();
    let mut t = Trajectory::load(store.clone(), "t", LoadSpec::default()).unwrap();
    t.set_append_only(false);
    t.expand([("n", ints(5000..5010))]).unwrap();
    t.store().unwrap();
    let new = node_doc(&fx, "parameters.n")
        .get_object_id("points_id")
        .unwrap();
    assert_ne!(old, new);
    let left = coll(&fx, "points")
        .count_documents(doc! { "pid": old })
        .run()
        .unwrap();
    assert_eq!(left, 0, "the old set went");
    assert_eq!(stored_points(store.as_ref(), "parameters.n"), ints(0..5010));
}

#[test]
fn what_a_dead_append_left_is_never_read_and_the_next_append_cuts_it() {
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    parameter(&store, 4094);
    let node = node_doc(&fx, "parameters.n");
    let pid = node.get_object_id("points_id").unwrap();
    // A writer raised the fence, pushed 2 points onto the last chunk, wrote a chunk
    // after it, and died before its commit.
    let point = |v: i64| doc! { "kind": "scalar", "dtype": "i64", "value": v };
    let points = coll(&fx, "points");
    coll(&fx, "nodes")
        .update_one(
            doc! { "_id": node.get_object_id("_id").unwrap() },
            doc! { "$set": { "points_epoch": 1_i64 } },
        )
        .run()
        .unwrap();
    points
        .update_one(
            doc! { "pid": pid, "n": 0_i64 },
            doc! {
                "$push": { "points": { "$each": [point(-1), point(-2)] } },
                "$set": { "count": 4096_i64, "epoch": 1_i64 },
            },
        )
        .run()
        .unwrap();
    points
        .insert_one(doc! {
            "pid": pid, "n": 1_i64, "start": 4096_i64, "count": 1_i64, "bytes": 40_i64,
            "epoch": 1_i64, "metadata": { "traj": "t", "path": "parameters.n" },
            "points": [point(-3)], "blobs": [],
        })
        .run()
        .unwrap();
    assert_eq!(stored_points(store.as_ref(), "parameters.n"), ints(0..4094));
    // The next append (from the committed 4094) fences the dead one and
    // writes over what it left.
    for (start, step) in [(4094, 1), (4095, 5)] {
        let more = ints(start..start + step);
        store
            .append_points(
                "t",
                &[PointAppend {
                    path: "parameters.n",
                    start: start as usize,
                    values: &more,
                }],
            )
            .unwrap();
    }
    assert_eq!(stored_points(store.as_ref(), "parameters.n"), ints(0..4100));
    let c = chunks(&fx, "parameters.n");
    let counts: Vec<i64> = c.iter().map(|c| c.get_i64("count").unwrap()).collect();
    assert_eq!(counts, [4096, 4]);
    assert_eq!(
        node_doc(&fx, "parameters.n")
            .get_i64("points_epoch")
            .unwrap(),
        3
    );
}

#[test]
fn concurrent_appends_from_one_length_store_one_of_them() {
    let fx = common::FreshDb::new();
    parameter(&fx.open_store(), 4094);
    let stores: Vec<Arc<dyn Store>> = (0..2).map(|_| fx.open_store()).collect();
    let mut len = 4094i64;
    for round in 0..12i64 {
        // Rounds cross the chunk boundary and write several chunks.
        let step = 1 + (round % 3) * 2000;
        let outcomes: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = stores
                .iter()
                .enumerate()
                .map(|(k, store)| {
                    s.spawn(move || {
                        let vals: Vec<Value> = (0..step)
                            .map(|i| Value::from(1_000_000 * (k as i64 + 1) + i))
                            .collect();
                        store.append_points(
                            "t",
                            &[PointAppend {
                                path: "parameters.n",
                                start: len as usize,
                                values: &vals,
                            }],
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won: Vec<usize> = (0..2).filter(|&k| outcomes[k].is_ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: {outcomes:?}");
        let lost = &outcomes[1 - won[0]];
        assert!(
            matches!(lost, Err(PetError::AppendConflict { .. })),
            "round {round}: {lost:?}"
        );
        let list = stored_points(stores[0].as_ref(), "parameters.n");
        assert_eq!(list.len() as i64, len + step, "round {round}");
        let base = 1_000_000 * (won[0] as i64 + 1);
        assert_eq!(
            list[len as usize..],
            (0..step).map(|i| Value::from(base + i)).collect::<Vec<_>>()[..]
        );
        len += step;
    }
}

#[test]
fn cleanup_keeps_the_payloads_of_points_and_removes_sets_no_node_names() {
    let fx = common::FreshDb::with(MongoOptions {
        inline_max: 64,
        ..MongoOptions::default()
    });
    let store = fx.open_store();
    let w = |k: usize| Value::from(ndarray::Array1::from_elem(100, k as f64));
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("w", w(0), "").unwrap();
    t.explore([("w", (0..3).map(w).collect())]).unwrap();
    t.store().unwrap();
    // A set whose writer died before writing its node.
    let mut orphan = chunks(&fx, "parameters.w").remove(0);
    orphan.remove("_id");
    orphan.insert("pid", mongodb::bson::oid::ObjectId::new());
    orphan.insert("blobs", Vec::<Bson>::new());
    coll(&fx, "points").insert_one(orphan).run().unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let m = pet_mongo::MongoStore::open_with(
        &common::server_uri(),
        MongoOptions {
            database: Some(fx.db.clone()),
            ..MongoOptions::default()
        },
    )
    .unwrap();
    assert_eq!(m.cleanup_orphans("t", Duration::ZERO).unwrap(), 1);
    assert_eq!(
        coll(&fx, "points").count_documents(doc! {}).run().unwrap(),
        1
    );
    let back = Trajectory::load(fx.open_store(), "t", LoadSpec::default()).unwrap();
    assert_eq!(back.param_value_at("w", 2).unwrap(), &w(2));
}

#[test]
fn node_documents_with_their_point_set_decode_without_a_server() {
    let rec = pet_core::NodeRecord {
        path: "parameters.n".into(),
        node: pet_core::Node::leaf(
            pet_core::LeafRole::Parameter,
            LeafData::Param {
                value: Value::from(0i64),
                explored: Some(ints(0..5000)),
            },
            "c",
        ),
    };
    let bytes = pet_mongo::document::encode_node_with_set("t", &rec).unwrap();
    assert_eq!(
        pet_mongo::document::decode_node_with_set(&bytes).unwrap(),
        rec
    );
    // The node alone names a set it cannot read.
    let e = pet_mongo::document::decode_node(&bson_of(&bytes, "node")).unwrap_err();
    assert!(e.to_string().contains("points collection"), "{e}");
    // Damaged inputs are errors, never a panic.
    for cut in [0, 4, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(pet_mongo::document::decode_node_with_set(&bytes[..cut]).is_err());
    }
    let mut d = Document::from_reader(bytes.as_slice()).unwrap();
    d.get_array_mut("chunks").unwrap().pop();
    let mut short = Vec::new();
    d.to_writer(&mut short).unwrap();
    let e = pet_mongo::document::decode_node_with_set(&short).unwrap_err();
    assert!(e.to_string().contains("point chunk 1 of 2"), "{e}");
}

fn bson_of(bytes: &[u8], key: &str) -> Vec<u8> {
    let d = Document::from_reader(bytes).unwrap();
    let mut out = Vec::new();
    d.get_document(key).unwrap().to_writer(&mut out).unwrap();
    out
}

#[test]
fn readers_during_expansions_and_rewrites_see_whole_lists() {
    let fx = common::FreshDb::new();
    let store = fx.open_store();
    parameter(&store, 4000);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let store = fx.open_store();
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                let recs = store
                    .read_nodes("t", "parameters.n", ReadSpec::DATA)
                    .unwrap();
                let NodeKind::Leaf { type_info, .. } = &recs[0].node.kind else {
                    panic!("not a leaf");
                };
                let Some(LeafData::Param {
                    explored: Some(list),
                    ..
                }) = &recs[0].node.data
                else {
                    panic!("not explored");
                };
                // The length the node declares is the list read, and the
                // list is a prefix of what the writer writes.
                assert_eq!(type_info, &format!("i64 explored len={}", list.len()));
                assert_eq!(list, &ints(0..list.len() as i64), "after {reads} reads");
                reads += 1;
            }
            reads
        });
        let mut len = 4000i64;
        for step in 0..30i64 {
            let n = 1 + (step % 5) * 700;
            let more = ints(len..len + n);
            store
                .append_points(
                    "t",
                    &[PointAppend {
                        path: "parameters.n",
                        start: len as usize,
                        values: &more,
                    }],
                )
                .unwrap();
            len += n;
            if step % 10 == 9 {
                // A whole rewrite replaces the set under the reader.
                parameter_again(&store, len);
            }
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
    });
}

/// Writes `parameters.n` of `t` whole again with `0..len`.
fn parameter_again(store: &Arc<dyn Store>, len: i64) {
    let rec = pet_core::NodeRecord {
        path: "parameters.n".into(),
        node: pet_core::Node::leaf(
            pet_core::LeafRole::Parameter,
            LeafData::Param {
                value: Value::from(0i64),
                explored: Some(ints(0..len)),
            },
            "count",
        ),
    };
    store.write_nodes("t", &[rec]).unwrap();
}
