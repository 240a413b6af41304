//! Every value pet reads from files real pypet 0.7.0 and 0.6.1 wrote equals pypet's
//! own in-memory value (`tests/python/make_files.py` dumps them as JSON):
//! parameters with defaults and ranges, results in and outside runs,
//! comments (purged duplicates restored), annotations, links, run information.
//! Each test runs once per pypet version (`mod v070`, `mod v061`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

fn check(version: &str, case: &str) -> Vec<common::Checked> {
    let (file, dump) = common::case(version, case);
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

/// The tests of one pypet version's files.
macro_rules! for_version {
    ($module:ident, $version:literal) => {
        mod $module {
            use super::check;

            const VERSION: &str = $version;

            #[test]
            fn basic_example() {
                let c = check(VERSION, "basic");
                assert_eq!(c[0].runs, 12);
                assert!(c[0].leaves > 12 && c[0].values > 24, "{c:?}");
            }

            #[test]
            fn cellular_automata() {
                let c = check(VERSION, "ca");
                assert_eq!(c[0].runs, 6);
            }

            #[test]
            fn every_type() {
                let c = check(VERSION, "types");
                assert!(c[0].pickles >= 6 && c[0].links >= 1, "{c:?}");
            }

            #[test]
            fn set_buckets() {
                let c = check(VERSION, "sets");
                assert_eq!(c[0].runs, 1003);
            }

            #[test]
            fn merged_trajectory() {
                let c = check(VERSION, "merged");
                assert_eq!(c.len(), 2);
            }

            #[test]
            fn two_trajectories() {
                let c = check(VERSION, "two");
                assert_eq!(c.len(), 2);
            }
        }
    };
}

for_version!(v070, "0.7.0");
for_version!(v061, "0.6.1");
