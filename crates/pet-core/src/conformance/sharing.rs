//! Conformance cases: writers sharing one store. Claims hand each pending run
//! to one worker at a time, expired leases are claimable, completed runs are
//! never handed out, and writers never undo each other (run information never
//! turns a completed run back to pending; the first complete copy of a run
//! wins; a trajectory is seen whole or not at all). Every thread uses its own
//! store handle, as separate processes would.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::Fixture;
use crate::storage::{ClaimRequest, Claimed, LoadSpec, RunInfo, Store};
use crate::testkit::claiming::{self, run_by};
use crate::{now, vals, PetError, Trajectory};

/// A stored trajectory `name` with int parameter `i` explored over `0..n`.
fn sweep(fx: &dyn Fixture, name: &str, n: usize) -> Trajectory {
    let mut t = Trajectory::new(name).unwrap();
    t.add_parameter("i", 0i64, "").unwrap();
    t.explore([("i", vals(0..n as i64))]).unwrap();
    t.store_to(fx.open()).unwrap();
    t
}

fn request<'a>(
    worker: &'a str,
    max: usize,
    skip: &'a BTreeSet<usize>,
    at: f64,
) -> ClaimRequest<'a> {
    ClaimRequest {
        worker,
        max,
        below: usize::MAX,
        skip,
        now: at,
        until: at + 600.0,
        gone: None,
    }
}

fn runs_of(c: Claimed) -> Vec<usize> {
    match c {
        Claimed::Runs(r) => r,
        other => panic!("expected runs, got {other:?}"),
    }
}

/// Threads claiming at once never get the same run, and together get every run.
pub fn claims_never_overlap(fx: &dyn Fixture) {
    let n = 300;
    // Claims last while the store is open (in memory and HDF5 they live in
    // the one writing process): this handle keeps it open throughout.
    let _open = fx.open();
    sweep(fx, "claims", n);
    let at = now();
    let got: Vec<Vec<usize>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|k| {
                let store: Arc<dyn Store> = fx.open();
                s.spawn(move || {
                    let worker = format!("worker-{k}");
                    let none = BTreeSet::new();
                    let mut mine = Vec::new();
                    loop {
                        match store
                            .claim_runs("claims", &request(&worker, 7, &none, at))
                            .unwrap()
                        {
                            Claimed::Runs(r) => mine.extend(r),
                            Claimed::Wait | Claimed::Done => return mine,
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut seen = BTreeSet::new();
    for runs in &got {
        for &i in runs {
            assert!(seen.insert(i), "run {i} was handed out twice");
        }
    }
    assert_eq!(seen, (0..n).collect::<BTreeSet<_>>());
    let none = BTreeSet::new();
    assert_eq!(
        fx.open()
            .claim_runs("claims", &request("late", 5, &none, at))
            .unwrap(),
        Claimed::Wait,
        "every run is leased, so a new worker must wait"
    );
}

/// A lease that expired can be claimed by another worker; a renewed one cannot;
/// a released one can at once.
pub fn expired_claims_are_claimable(fx: &dyn Fixture) {
    sweep(fx, "lease", 6);
    let store = fx.open();
    let none = BTreeSet::new();
    let at = now();
    let mut short = request("a", 4, &none, at);
    short.until = at + 5.0;
    assert_eq!(
        runs_of(store.claim_runs("lease", &short).unwrap()),
        vec![0, 1, 2, 3]
    );
    // Run 0's lease is renewed; runs 1..3 expire.
    assert_eq!(
        store.renew_claims("lease", "a", &[0], at + 100.0).unwrap(),
        1
    );
    let other = fx.open();
    let later = request("b", 10, &none, at + 10.0);
    assert_eq!(
        runs_of(other.claim_runs("lease", &later).unwrap()),
        vec![1, 2, 3, 4, 5]
    );
    // "a" lost runs 1..3 to "b": renewing them renews nothing.
    assert_eq!(
        store
            .renew_claims("lease", "a", &[1, 2, 3], at + 100.0)
            .unwrap(),
        0
    );
    assert_eq!(other.claim_runs("lease", &later).unwrap(), Claimed::Wait);
    store.release_claims("lease", "a", &[0]).unwrap();
    assert_eq!(runs_of(other.claim_runs("lease", &later).unwrap()), vec![0]);
    // Releasing runs held by another worker does not end that worker's leases.
    store.release_claims("lease", "a", &[4, 5]).unwrap();
    assert_eq!(
        fx.open()
            .claim_runs("lease", &request("c", 9, &none, at + 20.0))
            .unwrap(),
        Claimed::Wait
    );
}

/// A completed run is never handed out, not even after its lease expired, and
/// a claim respects the bound and the runs a worker skips.
pub fn completed_runs_are_never_claimed(fx: &dyn Fixture) {
    let t = sweep(fx, "done", 10);
    let store = fx.open();
    let none = BTreeSet::new();
    let at = now();
    assert_eq!(
        runs_of(
            store
                .claim_runs("done", &request("a", 3, &none, at))
                .unwrap()
        ),
        vec![0, 1, 2]
    );
    for i in [0, 1, 5] {
        let stored = store.store_run("done", &run_by(&t, i, 1)).unwrap();
        assert!(stored.already_completed.is_empty());
    }
    let skip = BTreeSet::from([3]);
    let mut req = request("b", 100, &skip, at + 1000.0);
    req.below = 8;
    let got = runs_of(fx.open().claim_runs("done", &req).unwrap());
    assert_eq!(got, vec![2, 4, 6, 7]);
    assert_eq!(
        fx.open().claim_runs("done", &req).unwrap(),
        Claimed::Wait,
        "its own leases are live"
    );
    for i in got {
        fx.open().store_run("done", &run_by(&t, i, 2)).unwrap();
    }
    assert_eq!(fx.open().claim_runs("done", &req).unwrap(), Claimed::Done);
    let counts = fx.open().run_counts("done").unwrap();
    assert_eq!((counts.runs, counts.completed), (10, 7));
    match fx.open().claim_runs("nope", &req) {
        Err(PetError::NoTrajectory(_)) => {}
        other => panic!("a claim on a missing trajectory must say so, got {other:?}"),
    }
}

/// Storing run information never turns a completed run back into a pending one:
/// a writer that loaded the trajectory before another finished runs cannot undo them.
pub fn run_info_never_uncompletes(fx: &dyn Fixture) {
    let t = sweep(fx, "undo", 4);
    let mut stale = Trajectory::load(fx.open(), "undo", LoadSpec::default()).unwrap();
    stale.load_parameters().unwrap();
    fx.open().store_run("undo", &run_by(&t, 2, 7)).unwrap();
    // The stale writer writes its whole (all pending) run table.
    let pending: Vec<RunInfo> = stale.run_infos().to_vec();
    assert!(pending.iter().all(|r| !r.completed));
    stale
        .store_handle()
        .unwrap()
        .write_runs("undo", &pending)
        .unwrap();
    let mut back = Trajectory::load(fx.open(), "undo", LoadSpec::default()).unwrap();
    assert!(
        back.run_info(2).unwrap().completed,
        "run 2 was turned back to pending"
    );
    assert_eq!(back.pending_runs(), vec![0, 1, 3]);
    assert_eq!(
        back.get_as::<i64>("results.runs.run_00000002.v").unwrap(),
        7
    );
}

/// The same run stored by many writers at once (a lease expired while its first
/// worker still ran) leaves exactly one complete copy, never a mix of copies and
/// never a run marked completed without its data; exactly one writer is told it stored it.
pub fn same_run_stored_twice_at_once(fx: &dyn Fixture) {
    let n = 40;
    let writers = 4i64;
    let t = sweep(fx, "twice", n);
    let t = &t;
    let wins: Vec<Vec<usize>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|k| {
                let store: Arc<dyn Store> = fx.open();
                s.spawn(move || {
                    let mut won = Vec::new();
                    for i in 0..n {
                        let stored = store.store_run("twice", &run_by(t, i, k)).unwrap();
                        if stored.already_completed.is_empty() {
                            won.push(i);
                        } else {
                            assert_eq!(stored.already_completed, vec![i]);
                        }
                    }
                    won
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let owner = claiming::one_owner_each(&wins, n);
    let mut back = Trajectory::load(fx.open(), "twice", LoadSpec::default()).unwrap();
    claiming::check_copies(&mut back, &owner);
}

/// Two writers creating the same trajectory at once: one creates it, the other
/// is told it exists; a reader that finds the trajectory finds all of it.
pub fn trajectory_created_whole(fx: &dyn Fixture) {
    let n = 2000;
    let outcomes: Vec<Result<(), PetError>> = std::thread::scope(|s| {
        let creators: Vec<_> = (0..2)
            .map(|_| {
                let store = fx.open();
                s.spawn(move || {
                    let mut t = Trajectory::new("whole").unwrap();
                    t.add_parameter("i", 0i64, "").unwrap();
                    t.add_parameter("g.deep.x", 1.5, "a nested one").unwrap();
                    t.explore([("i", vals(0..n as i64))]).unwrap();
                    t.store_to(store)
                })
            })
            .collect();
        let reader = fx.open();
        let watcher = s.spawn(move || loop {
            match reader.info("whole") {
                Ok(_) => {
                    let mut t =
                        Trajectory::load(reader.clone(), "whole", LoadSpec::default()).unwrap();
                    assert_eq!(t.len(), n, "a reader saw a trajectory without all its runs");
                    t.load_parameters().unwrap();
                    assert_eq!(t.get_as::<f64>("parameters.g.deep.x").unwrap(), 1.5);
                    return;
                }
                Err(PetError::NoTrajectory(_)) => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        });
        let out = creators.into_iter().map(|h| h.join().unwrap()).collect();
        watcher.join().unwrap();
        out
    });
    let created = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Err(PetError::TrajectoryExists(_)))),
        "{outcomes:?}"
    );
}

/// A live lease of a worker the request knows to be gone (a dead process)
/// is claimable at once; other live leases are not.
pub fn gone_holders_are_claimable(fx: &dyn Fixture) {
    sweep(fx, "gone", 4);
    let _open = fx.open();
    let none = BTreeSet::new();
    let at = now();
    let store = fx.open();
    assert_eq!(
        runs_of(
            store
                .claim_runs("gone", &request("dead-worker", 2, &none, at))
                .unwrap()
        ),
        vec![0, 1]
    );
    assert_eq!(
        runs_of(
            store
                .claim_runs("gone", &request("live-worker", 2, &none, at))
                .unwrap()
        ),
        vec![2, 3]
    );
    let mut req = request("new-worker", 10, &none, at + 1.0);
    assert_eq!(fx.open().claim_runs("gone", &req).unwrap(), Claimed::Wait);
    req.gone = Some(|w| w == "dead-worker");
    assert_eq!(
        runs_of(fx.open().claim_runs("gone", &req).unwrap()),
        vec![0, 1]
    );
    assert_eq!(
        fx.open().claim_runs("gone", &req).unwrap(),
        Claimed::Wait,
        "the live worker keeps its runs"
    );
}

/// Claims are refused on a read-only store and checked before the backend sees them.
pub fn claims_are_checked(fx: &dyn Fixture) {
    sweep(fx, "checked", 3);
    let none = BTreeSet::new();
    let at = now();
    match fx
        .open_read_only()
        .claim_runs("checked", &request("a", 1, &none, at))
    {
        Err(PetError::ReadOnly { .. }) => {}
        other => panic!("a read-only store must refuse claims, got {other:?}"),
    }
    assert!(fx
        .open()
        .claim_runs("checked", &request("", 1, &none, at))
        .is_err());
    assert!(fx
        .open()
        .claim_runs("checked", &request("a", 0, &none, at))
        .is_err());
    let mut backwards = request("a", 1, &none, at);
    backwards.until = at - 1.0;
    assert!(fx.open().claim_runs("checked", &backwards).is_err());
    assert_eq!(
        runs_of(
            fx.open()
                .claim_runs("checked", &request("a", 1, &none, at))
                .unwrap()
        ),
        vec![0],
        "the refused requests claimed nothing"
    );
}

/// Two writers expanding one parameter from the same length at once: exactly
/// one appends, the other is told another writer got there first, and the
/// store holds the winner's points only.
pub fn concurrent_expansions_store_one(fx: &dyn Fixture) {
    sweep(fx, "grow", 10);
    let outcomes: Vec<Result<(), PetError>> = std::thread::scope(|s| {
        let handles: Vec<_> = [100i64, 200]
            .into_iter()
            .map(|base| {
                let store = fx.open();
                s.spawn(move || {
                    let values = vals([base, base + 1, base + 2]);
                    store.append_points(
                        "grow",
                        &[crate::PointAppend {
                            path: "parameters.i",
                            start: 10,
                            values: &values,
                        }],
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won: Vec<usize> = (0..2).filter(|&k| outcomes[k].is_ok()).collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Err(PetError::AppendConflict { .. }))),
        "{outcomes:?}"
    );
    let base = [100i64, 200][won[0]];
    let data = fx.open().read_data("grow", "parameters.i").unwrap();
    let crate::LeafData::Param {
        explored: Some(list),
        ..
    } = data
    else {
        panic!("parameters.i is not explored any more: {data:?}");
    };
    let want: Vec<crate::Value> = vals((0..10).chain([base, base + 1, base + 2]));
    assert_eq!(list, want, "the store holds a mix of both expansions");
}

/// Runs stored out of order, far past the others, leave every run they
/// skip pending, claimable in order and with its own summary; a lease on a
/// run past every stored one holds it; a run that started and failed stays
/// started; points added later get pending runs after all of them. (A
/// store may keep runs that have not started without a row each: this is
/// what it must still answer.)
pub fn runs_stored_out_of_order_keep_the_others(fx: &dyn Fixture) {
    let n = 12;
    let mut t = sweep(fx, "order", n);
    let summaries: Vec<String> = t.run_infos().iter().map(|r| r.summary.clone()).collect();
    let store = fx.open();
    store.store_run("order", &run_by(&t, 9, 1)).unwrap();
    let counts = store.run_counts("order").unwrap();
    assert_eq!((counts.runs, counts.completed), (n, 1));
    let infos = store.read_runs("order").unwrap();
    assert_eq!(infos.len(), n);
    for (i, info) in infos.iter().enumerate() {
        assert_eq!(info.index, i);
        assert_eq!(info.completed, i == 9, "run {i}");
        assert_eq!(info.summary, summaries[i], "summary of run {i}");
    }
    // A worker leases runs past the stored one; another gets the rest.
    let none = BTreeSet::new();
    let at = now();
    let held = BTreeSet::from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        runs_of(
            store
                .claim_runs("order", &request("late", 2, &held, at))
                .unwrap()
        ),
        vec![10, 11]
    );
    assert_eq!(
        runs_of(
            fx.open()
                .claim_runs("order", &request("other", 100, &none, at))
                .unwrap()
        ),
        (0..9).collect::<Vec<_>>(),
        "runs 10 and 11 are leased, run 9 is completed"
    );
    // A run that started and failed, past every completed one.
    let mut failed = RunInfo::pending(11, summaries[11].clone());
    failed.started = Some(at);
    failed.finished = Some(at + 1.0);
    store.write_runs("order", &[failed]).unwrap();
    let back = store.read_runs("order").unwrap();
    assert_eq!(back.len(), n);
    assert_eq!(back[11].started, Some(at));
    assert!(!back[11].completed);
    assert_eq!(back[10].summary, summaries[10]);
    assert!(back[10].started.is_none());
    // Two more points: two more pending runs, after all the others.
    t.expand([("i", vals([100i64, 101]))]).unwrap();
    t.store().unwrap();
    let mut back = Trajectory::load(fx.open(), "order", LoadSpec::default()).unwrap();
    back.load_parameters().unwrap();
    assert_eq!(back.len(), n + 2);
    let pending: Vec<usize> = (0..n + 2).filter(|&i| i != 9).collect();
    assert_eq!(back.pending_runs(), pending);
    assert_eq!(back.run_info(12).unwrap().summary, "i=100");
    assert_eq!(back.run_info(3).unwrap().summary, summaries[3]);
    assert_eq!(
        back.get_as::<i64>("results.runs.run_00000009.v").unwrap(),
        1
    );
    for i in pending {
        fx.open().store_run("order", &run_by(&back, i, 2)).unwrap();
    }
    let counts = fx.open().run_counts("order").unwrap();
    assert_eq!((counts.runs, counts.completed), (n + 2, n + 2));
    assert_eq!(
        fx.open()
            .claim_runs("order", &request("any", 5, &none, at + 1000.0))
            .unwrap(),
        Claimed::Done
    );
}

super::register!(
    runs_stored_out_of_order_keep_the_others,
    claims_never_overlap,
    expired_claims_are_claimable,
    completed_runs_are_never_claimed,
    run_info_never_uncompletes,
    same_run_stored_twice_at_once,
    trajectory_created_whole,
    claims_are_checked,
    concurrent_expansions_store_one,
    gone_holders_are_claimable,
);
