//! A copy killed while it created a trajectory leaves it marked `creating`:
//! once the creation's lease has ended, the next copy takes it over and
//! creates the trajectory whole (on the old code every later copy waited for
//! it for ever, then said to remove it by hand). A live creation is not taken.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use pet_core::{vals, LoadSpec, PetError, Store, Trajectory};

fn sweep(n: i64) -> Trajectory {
    let mut t = Trajectory::new("made").unwrap();
    t.add_parameter("i", 0i64, "").unwrap();
    t.explore([("i", vals(0..n))]).unwrap();
    t
}

/// What a creator killed after its document and part of its runs went in leaves.
fn leave_dead_creation(db: &str, creating: Bson, until: Option<f64>) {
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    let d = client.database(db);
    let mut traj = doc! {
        "_id": "made", "comment": "dead", "created": 0.0, "pet_version": "0.1.0", "creating": creating,
    };
    if let Some(u) = until {
        traj.insert("creating_until", u);
    }
    d.collection::<Document>("trajectories")
        .insert_one(traj)
        .run()
        .unwrap();
    d.collection::<Document>("runs")
        .insert_one(
            doc! { "traj": "made", "idx": 999i64, "name": "run_00000999", "completed": false },
        )
        .run()
        .unwrap();
}

fn runs_in(db: &str) -> u64 {
    let client = mongodb::sync::Client::with_uri_str(common::server_uri()).unwrap();
    client
        .database(db)
        .collection::<Document>("runs")
        .count_documents(doc! { "traj": "made" })
        .run()
        .unwrap()
}

#[test]
fn a_creation_whose_creator_died_is_taken_over() {
    let now = pet_core::time::now();
    // A lease that ended, and a creation by pet 0.1 (no lease at all).
    for (tag, creating, until) in [
        ("ended", Bson::ObjectId(ObjectId::new()), Some(now - 1.0)),
        ("old", Bson::Boolean(true), None),
    ] {
        let db = common::fresh_db(&format!("creation_{tag}"));
        let store: Arc<dyn Store> = Arc::new(common::open_db(&db));
        leave_dead_creation(&db, creating, until);
        assert!(matches!(store.info("made"), Err(PetError::NoTrajectory(_))));
        let mut t = sweep(5);
        t.store_to(store.clone()).unwrap();
        let back = Trajectory::load(store, "made", LoadSpec::default()).unwrap();
        assert_eq!(back.len(), 5, "{tag}");
        assert_eq!(runs_in(&db), 5, "{tag}: the dead creator's runs stayed");
    }
}

#[test]
fn a_live_creation_is_not_taken_over() {
    let db = common::fresh_db("creation_live");
    let store: Arc<dyn Store> = Arc::new(common::open_db(&db));
    leave_dead_creation(
        &db,
        Bson::ObjectId(ObjectId::new()),
        Some(pet_core::time::now() + 600.0),
    );
    let e = sweep(5).store_to(store.clone()).unwrap_err();
    assert!(matches!(e, PetError::TrajectoryExists(_)), "{e:?}");
    assert_eq!(runs_in(&db), 1, "the live creation's runs were touched");
}
