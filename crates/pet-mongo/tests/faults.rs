//! Bad input and faults: unreachable or dying servers give a clear error within a
//! bounded time, bad URLs and foreign or newer databases are refused, and
//! credentials never show in messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mongodb::bson::doc;
use pet_core::{vals, LoadSpec, PetError, Store, Trajectory};
use pet_mongo::{MongoOptions, MongoStore, SCHEMA_VERSION};

fn open_err(url: &str) -> String {
    match MongoStore::from_url(url) {
        Ok(_) => panic!("{url} opened"),
        Err(e) => e.to_string(),
    }
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn unreachable_server_fails_fast_with_advice() {
    let port = dead_port();
    let start = Instant::now();
    let e = open_err(&format!("mongodb://127.0.0.1:{port}/pet"));
    let took = start.elapsed();
    assert!(
        e.contains(&format!(
            "cannot reach MongoDB at 127.0.0.1:{port} within 5 s"
        )) && e.contains("is the server running"),
        "{e}"
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    // The URL overrides the default timeout.
    let start = Instant::now();
    let e = open_err(&format!(
        "mongodb://127.0.0.1:{port}/pet?serverSelectionTimeoutMS=800"
    ));
    assert!(e.contains("within 0.8 s"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn credentials_and_tls_go_through_the_url_and_stay_secret() {
    let port = dead_port();
    let e = open_err(&format!(
        "mongodb://alice:s3cret@127.0.0.1:{port}/pet?authSource=admin&serverSelectionTimeoutMS=500"
    ));
    assert!(!e.contains("s3cret"), "the password leaked: {e}");
    assert!(e.contains("cannot reach"), "{e}");
    // TLS against a plain server: a bounded, clear failure.
    let live = common::server_uri().replace("/?", "/pet_tls_probe?");
    let start = Instant::now();
    let e = open_err(&format!("{live}&tls=true&serverSelectionTimeoutMS=1500"));
    assert!(e.contains("cannot reach"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
    let e = open_err(&format!(
        "{live}&tls=true&tlsCAFile=/nonexistent/ca.pem&serverSelectionTimeoutMS=1500"
    ));
    assert!(!e.is_empty());
}

#[test]
fn bad_urls_say_what_to_do() {
    let e = open_err("postgres://127.0.0.1/x");
    assert!(
        e.contains("unknown store type 'postgres'") && e.contains("mongodb://HOST/DB"),
        "{e}"
    );
    let e = open_err("mongodb://127.0.0.1:27017/bad.name");
    assert!(e.contains("database name"), "{e}");
    let e = open_err("mongodb://127.0.0.1:27017/pet?inline_max=lots");
    assert!(e.contains("inline_max"), "{e}");
    let e = open_err("mongodb://127.0.0.1:notaport/pet");
    assert!(e.contains("bad store location"), "{e}");
    let e = open_err("mongodb://");
    assert!(e.contains("bad store location"), "{e}");
}

#[test]
fn url_database_and_options_are_used() {
    let db = common::fresh_db("url");
    let uri = common::server_uri().replace("/?", &format!("/{db}?"));
    let store = MongoStore::from_url(&format!("{uri}&inline_max=1024")).unwrap();
    assert_eq!(store.database_name(), db);
    let loc = store.location();
    assert!(
        loc.ends_with(&format!("/{db}")) && loc.matches(&db).count() == 1,
        "{loc}"
    );
    // The location is itself a URL that opens the same store.
    assert_eq!(MongoStore::from_url(&loc).unwrap().database_name(), db);
    store.drop_database().unwrap();
}

#[test]
fn foreign_database_is_refused_and_left_alone() {
    let db = common::fresh_db("foreign");
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    let coll = client.database(&db).collection("customers");
    coll.insert_one(doc! { "name": "a" }).run().unwrap();
    let e = MongoStore::open_with(
        &common::server_uri(),
        MongoOptions {
            database: Some(db.clone()),
            ..MongoOptions::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("another program") && e.contains("customers"),
        "{e}"
    );
    let names = client.database(&db).list_collection_names().run().unwrap();
    assert_eq!(names, ["customers"]);
    client.database(&db).drop().run().unwrap();
}

#[test]
fn newer_schema_version_asks_for_an_upgrade() {
    let fx = common::FreshDb::new();
    drop(fx.store());
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    client
        .database(&fx.db)
        .collection::<mongodb::bson::Document>("pet_meta")
        .update_one(
            doc! { "_id": "format" },
            doc! { "$set": { "schema_version": SCHEMA_VERSION + 1 } },
        )
        .run()
        .unwrap();
    let e = MongoStore::open_with(
        &common::server_uri(),
        MongoOptions {
            database: Some(fx.db.clone()),
            ..MongoOptions::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains(&format!("schema version {}", SCHEMA_VERSION + 1)) && e.contains("upgrade pet"),
        "{e}"
    );
}

#[test]
fn oversized_value_is_refused_whole() {
    let fx = common::FreshDb::new();
    let mut t = Trajectory::create(fx.open_store(), "big", "").unwrap();
    t.add_parameter("x", 1.0, "").unwrap();
    t.store().unwrap();
    // A 17 MB string scalar cannot be moved out of the document.
    t.add_result("words", "w".repeat(17 << 20), "").unwrap();
    let e = t.store().unwrap_err();
    assert!(matches!(e, PetError::InvalidValue(_)), "{e}");
    assert!(e.to_string().contains("split it"), "{e}");
    let mut back = Trajectory::load(fx.open_store(), "big", LoadSpec::all()).unwrap();
    assert_eq!(back.get_as::<f64>("x").unwrap(), 1.0);
}

/// A server that dies while a store is open: operations fail within the
/// selection timeout with advice. Uses a SecantusDB server of its own (also when
/// `PET_MONGODB_URI` is set), since it kills it.
#[test]
fn server_killed_mid_session_gives_bounded_clear_errors() {
    let line = common::start_server();
    let mut parts = line.split_whitespace();
    let uri = parts.next().unwrap().replace("/?", "/dying?");
    let pid: i32 = parts.next().unwrap().parse().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(MongoStore::from_url(&format!("{uri}&serverSelectionTimeoutMS=1500")).unwrap());
    let mut t = Trajectory::create(store.clone(), "t", "").unwrap();
    t.add_parameter("x", 0.0, "").unwrap();
    t.explore([("x", vals([1.0, 2.0]))]).unwrap();
    t.store().unwrap();
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    let mut run = t.run(0).unwrap();
    run.add_result("y", 1.0).unwrap();
    let start = Instant::now();
    let e = store.store_run("t", &run.finish()).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
    let msg = e.to_string();
    assert!(matches!(e, PetError::Backend { .. }), "{msg}");
    assert!(
        msg.contains("cannot reach MongoDB") || msg.contains("connection"),
        "{msg}"
    );
    let start = Instant::now();
    assert!(store.read_runs("t").is_err());
    assert!(start.elapsed() < Duration::from_secs(15));
}
