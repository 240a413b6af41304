//! Claims and double stores across processes: child processes claim runs
//! until none is left and store each one, or all store the same runs at once;
//! each reports on stdout what it got, and the parent checks that no run went
//! to two processes and that every run holds exactly one complete copy.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Child;
use std::sync::Arc;

use super::crash::say;
use crate::storage::{ClaimRequest, Claimed, RunRecord};
use crate::{LoadLevel, Store, Trajectory};

/// Run `i` computed by process `k`: `v = k`, an array of `k`s and a leaf
/// only process `k` writes, so a run mixing two processes' nodes shows.
pub fn run_by(t: &Trajectory, i: usize, k: i64) -> RunRecord {
    let mut run = t.run(i).unwrap();
    run.add_result("v", k).unwrap();
    run.add_result("arr", ndarray::Array1::from(vec![k; 64]))
        .unwrap();
    run.add_result(&format!("by_{k}"), k).unwrap();
    run.finish()
}

/// Child side: claims batches of `batch` runs until none is left, stores
/// each, and says `claimed I` for every run it got.
pub fn claim_until_done(t: &Trajectory, store: &Arc<dyn Store>, traj: &str, k: i64, batch: usize) {
    let worker = format!("process-{k}-{}", std::process::id());
    let none = BTreeSet::new();
    loop {
        let now = crate::now();
        let req = ClaimRequest {
            worker: &worker,
            max: batch,
            below: usize::MAX,
            skip: &none,
            now,
            until: now + 600.0,
            gone: None,
        };
        match store.claim_runs(traj, &req).unwrap() {
            Claimed::Runs(runs) => {
                for i in runs {
                    say(&format!("claimed {i}"));
                    let stored = store.store_run(traj, &run_by(t, i, k)).unwrap();
                    assert!(
                        stored.already_completed.is_empty(),
                        "run {i} was stored by another"
                    );
                }
            }
            Claimed::Wait => std::thread::sleep(std::time::Duration::from_millis(5)),
            Claimed::Done => return,
        }
    }
}

/// Child side: stores every run as process `k`, and says `won I` for every
/// run the store took from it (not stored first by another process).
pub fn store_every_run(t: &Trajectory, store: &Arc<dyn Store>, traj: &str, k: i64) {
    for i in 0..t.len() {
        let stored = store.store_run(traj, &run_by(t, i, k)).unwrap();
        if stored.already_completed.is_empty() {
            say(&format!("won {i}"));
        }
    }
}

/// Parent side: each child's reported run indices after `word` (`claimed`, `won`).
pub fn reports(children: Vec<Child>, word: &str) -> Vec<Vec<usize>> {
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "a child failed: {out:?}");
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.strip_prefix(word)?.trim().parse().ok())
                .collect()
        })
        .collect()
}

/// Parent side: every run of `0..n` went to exactly one child; returns which.
pub fn one_owner_each(reports: &[Vec<usize>], n: usize) -> BTreeMap<usize, i64> {
    let mut owner = BTreeMap::new();
    for (k, runs) in reports.iter().enumerate() {
        for &i in runs {
            assert!(
                owner.insert(i, k as i64).is_none(),
                "run {i} went to two processes"
            );
        }
    }
    assert_eq!(owner.len(), n, "runs that went to no process");
    owner
}

/// Parent side: every run is completed and holds exactly the copy of its owner.
pub fn check_copies(t: &mut Trajectory, owner: &BTreeMap<usize, i64>) {
    assert!(
        t.pending_runs().is_empty(),
        "pending: {:?}",
        t.pending_runs()
    );
    t.load_branch("results.runs", LoadLevel::Skeleton).unwrap();
    for (&i, &k) in owner {
        let group = format!("results.runs.run_{i:08}");
        assert_eq!(
            t.get_as::<i64>(&format!("{group}.v")).unwrap(),
            k,
            "run {i}"
        );
        let arr: ndarray::ArrayD<i64> = t.get_as(&format!("{group}.arr")).unwrap();
        assert!(arr.iter().all(|&x| x == k), "run {i} mixes two copies");
        let tags: Vec<String> = t
            .leaves(&group)
            .into_iter()
            .filter(|p| p.rsplit('.').next().is_some_and(|l| l.starts_with("by_")))
            .collect();
        assert_eq!(tags, vec![format!("{group}.by_{k}")], "run {i}");
    }
}
