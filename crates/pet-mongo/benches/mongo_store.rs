//! Benchmark of the MongoDB store; prints a markdown table of runs/s storing one
//! float per run and 1 MB per run, with 1 and 4 writers (each its own connection).
//! `cargo bench -p pet-mongo` starts a test server like the tests do, or uses
//! `PET_MONGODB_URI`; `PET_BENCH_QUICK=1` runs fewer runs.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use pet_core::testkit::bench;
use pet_core::testkit::sweep::create_float_sweep;
use pet_core::{LoadSpec, Store, Trajectory};

/// Stores `n` runs with `writers` threads, each with its own store; returns seconds.
fn bench(n: usize, writers: usize, megabyte: bool) -> f64 {
    let fx = common::FreshDb::new();
    let store: Arc<dyn Store> = Arc::new(common::open_db(&fx.db));
    let t = create_float_sweep(&store, "bench", n);
    let stores: Vec<Arc<dyn Store>> = (0..writers)
        .map(|_| Arc::new(fx.store()) as Arc<dyn Store>)
        .collect();
    let arr = ndarray::Array1::from_shape_fn(131_072, |i| (i as f64).sin());
    let start = Instant::now();
    std::thread::scope(|s| {
        for (k, store) in stores.iter().enumerate() {
            let (t, arr) = (&t, &arr);
            s.spawn(move || {
                for i in (k..n).step_by(writers) {
                    let mut r = t.run(i).expect("run");
                    if megabyte {
                        r.add_result("trace", arr.clone()).expect("result");
                    } else {
                        let x: f64 = r.param("x").expect("x");
                        r.add_result("y", x * 2.0).expect("result");
                    }
                    store.store_run("bench", &r.finish()).expect("store");
                }
            });
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let back = Trajectory::load(fx.open_store(), "bench", LoadSpec::default()).expect("load");
    assert!(back.pending_runs().is_empty(), "runs were lost");
    secs
}

fn main() {
    let quick = bench::quick();
    let (floats, megs) = if quick { (200, 24) } else { (2000, 200) };
    let uri = common::server_uri();
    let server = if std::env::var(common::URI_VAR).is_ok() {
        "MongoDB at PET_MONGODB_URI".to_string()
    } else {
        "SecantusDB 0.7.0b3, --sync-on-commit".to_string()
    };
    eprintln!("server {uri}");
    let mut rows = Vec::new();
    for (case, n, mb) in [
        ("1 float/run", floats, false),
        ("1 MB f64 array/run", megs, true),
    ] {
        for writers in [1, 4] {
            let secs = bench(n, writers, mb);
            let rate = n as f64 / secs;
            let extra = if mb {
                format!("{rate:.1} MB/s")
            } else {
                format!("{:.2} ms/run", secs * 1e3 / n as f64)
            };
            rows.push(format!(
                "| {case} | {writers} | {n} | {secs:.2} | {rate:.0} | {extra} |"
            ));
        }
    }
    println!("\nserver: {server}\n");
    println!(
        "| case | writers | runs | seconds | runs/s | figure |\n|---|---:|---:|---:|---:|---|"
    );
    for r in rows {
        println!("{r}");
    }
}
