//! Every value pet reads from files real pypet 0.7.0 wrote equals pypet's
//! own in-memory value (`tests/python/make_files.py` dumps them as JSON):
//! parameters with defaults and ranges, results in and outside runs,
//! comments (purged duplicates restored), annotations, links, run information.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

fn check(case: &str) -> Vec<common::Checked> {
    let (file, dump) = common::case(case);
    let store = common::open(&file);
    let trajs = dump["trajectories"].as_array().unwrap();
    let listed: Vec<String> = pet_core::Store::list(store.as_ref())
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    let mut want: Vec<String> = trajs
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    let mut got = listed.clone();
    got.sort();
    assert_eq!(got, want);
    trajs.iter().map(|t| common::compare(&store, t)).collect()
}

#[test]
fn basic_example() {
    let c = check("basic");
    assert_eq!(c[0].runs, 12);
    assert!(c[0].leaves > 12 && c[0].values > 24, "{c:?}");
}

#[test]
fn cellular_automata() {
    let c = check("ca");
    assert_eq!(c[0].runs, 6);
}

#[test]
fn every_type() {
    let c = check("types");
    assert!(c[0].pickles >= 6 && c[0].links >= 1, "{c:?}");
}

#[test]
fn set_buckets() {
    let c = check("sets");
    assert_eq!(c[0].runs, 1003);
}

#[test]
fn merged_trajectory() {
    let c = check("merged");
    assert_eq!(c.len(), 2);
}

#[test]
fn two_trajectories() {
    let c = check("two");
    assert_eq!(c.len(), 2);
}
