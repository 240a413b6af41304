//! Benchmark of the SQLite store; prints a table. `cargo bench -p pet-sqlite`
//! (set `PET_BENCH_QUICK=1` for smaller sizes, `PET_BENCH_DIR` for the disk to use).

#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::sync::Arc;
use std::time::Instant;

use pet_core::testkit::bench::{self, Row};
use pet_core::testkit::sweep::create_float_sweep;
use pet_core::{LoadSpec, Store, Trajectory};
use pet_sqlite::SqliteStore;

fn bench_floats(
    dir: &std::path::Path,
    n: usize,
    batch: usize,
    rows: &mut Vec<Row>,
) -> Arc<dyn Store> {
    let file = dir.join(format!("floats_{n}_{batch}.db"));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&file).expect("open"));
    let cases = [
        "1 float/run, one commit per run",
        "1 float/run, 1000 runs per commit",
    ];
    rows.push(bench::floats_row(&store, n, batch, cases));
    store
}

fn bench_loads(store: &Arc<dyn Store>, n: usize, rows: &mut Vec<Row>) {
    let start = Instant::now();
    let recs = store
        .read_nodes(
            "floats",
            "results",
            pet_core::storage::ReadSpec::SKELETON.without_runs(),
        )
        .expect("read");
    let runs = store.read_runs("floats").expect("runs");
    let secs = start.elapsed().as_secs_f64();
    rows.push(Row {
        case: "  of which: read result skeleton + run table from SQLite".into(),
        n,
        secs,
        extra: format!("{} records, {} runs", recs.len(), runs.len()),
    });
    rows.push(bench::skeleton_load_row(
        n,
        "skeleton load (run subtrees on demand)",
        || Trajectory::load(store.clone(), "floats", LoadSpec::skeleton()).expect("load"),
    ));
    rows.push(bench::full_load_row(store, "floats", n));
}

fn bench_megabytes(dir: &std::path::Path, n: usize, rows: &mut Vec<Row>) -> f64 {
    let file = dir.join(format!("mb_{n}.db"));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&file).expect("open"));
    let t = create_float_sweep(&store, "mb", n);
    let arr = ndarray::Array1::from_shape_fn(131_072, |i| (i as f64).sin());
    let start = Instant::now();
    bench::store_arrays(&store, &t, "mb", &arr);
    drop(t);
    drop(store); // closing checkpoints the WAL into the database file
    bench::fsync_file(&file);
    let secs = start.elapsed().as_secs_f64();
    let mbps = n as f64 / secs;
    rows.push(Row {
        case: "1 MB f64 array/run, commit per run, incl. checkpoint+fsync".into(),
        n,
        secs,
        extra: format!("{mbps:.0} MB/s"),
    });
    let _ = std::fs::remove_file(&file);
    mbps
}

fn main() {
    let quick = bench::quick();
    let dir = bench::bench_dir();
    let mut rows = Vec::new();
    for &n in bench::float_sizes(quick) {
        if n <= 100_000 {
            bench_floats(dir.path(), n, 1, &mut rows);
        }
        let store = bench_floats(dir.path(), n, 1000, &mut rows);
        if n >= 10_000 {
            bench_loads(&store, n, &mut rows);
        }
    }
    let mb_sizes = bench::mb_sizes(quick);
    let raw = bench::raw_write_row(dir.path(), mb_sizes, &mut rows);
    for &n in mb_sizes {
        let mbps = bench_megabytes(dir.path(), n, &mut rows);
        rows.push(bench::ratio_row(n, mbps, raw));
    }
    bench::print_rows(&rows);
}
