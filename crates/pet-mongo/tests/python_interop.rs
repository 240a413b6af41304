//! A Python user reads a sweep with pymongo, gridfs and numpy only, following
//! `docs/storage/mongo.md` (`tests/python/read_sweep.py`, run by the Python of the
//! test server's venv, which has pymongo and numpy, or else of `scripts/pyenv.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use mongodb::bson::{doc, oid::ObjectId};
use pet_core::testkit::python;
use pet_core::{vals, Store, Trajectory};

#[test]
fn pymongo_reads_parameters_results_and_arrays() {
    let fx = common::FreshDb::new();
    let store: Arc<dyn Store> = fx.open_store();
    let mut t = Trajectory::create(store.clone(), "mult", "x times y").unwrap();
    t.add_parameter("x", 0i64, "").unwrap();
    t.add_parameter("y", 0i64, "").unwrap();
    t.explore_cartesian([("x", vals([1i64, 2, 3, 4])), ("y", vals([6i64, 7, 8]))])
        .unwrap();
    t.store().unwrap();
    for i in 0..11 {
        let (run, _) = python::mult_run(&t, i);
        let rec = run.finish();
        if i == 0 {
            // Run 0's array goes to GridFS.
            let small = pet_mongo::MongoStore::open_with(
                &common::server_uri(),
                pet_mongo::MongoOptions {
                    database: Some(fx.db.clone()),
                    inline_max: 16,
                    ..Default::default()
                },
            )
            .unwrap();
            small.store_run("mult", &rec).unwrap();
        } else {
            t.store_run(&rec).unwrap();
        }
    }
    // Run 11: what a writer killed before its commit leaves behind.
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    client
        .database(&fx.db)
        .collection::<mongodb::bson::Document>("nodes")
        .insert_one(doc! {
            "traj": "mult", "path": "results.runs.run_00000011.z", "run": 11i64,
            "wid": ObjectId::new(), "kind": "leaf", "role": "result", "type_info": "z: i64",
            "explored": false, "comment": "", "annotations": {},
            "items": { "z": { "kind": "scalar", "dtype": "i64", "value": 99i64 } },
        })
        .run()
        .unwrap();
    let mut python = python::workspace_root().join("target/mongo-venv/bin/python");
    if !python.exists() {
        // Against PET_MONGODB_URI no test server venv was made: use the interop venv.
        python = python::interop_python(&["pymongo"]);
    }
    python::run_script(
        &python,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/read_sweep.py"),
        [common::server_uri(), fx.db.clone()],
        "11 runs, all completed",
    );
}
