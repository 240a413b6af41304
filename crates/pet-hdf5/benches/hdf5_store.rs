//! Benchmark of the HDF5 store; prints markdown tables. `cargo bench -p pet-hdf5`
//! (set `PET_BENCH_QUICK=1` for smaller sizes, `PET_BENCH_DIR` for the disk to use;
//! `PET_BENCH_DRIVER_ONLY=1` prints only the table of what crash safety costs).

#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use pet_core::testkit::bench::{self, Row};
use pet_core::testkit::sweep::create_float_sweep;
use pet_core::{LoadSpec, Store, Trajectory};
use pet_hdf5::{Compression, FileDriver, Hdf5Options, Hdf5Store};

fn bench_floats(dir: &Path, n: usize, batch: usize, rows: &mut Vec<Row>) -> Arc<dyn Store> {
    let file = dir.join(format!("floats_{n}_{batch}.h5"));
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).expect("open"));
    let cases = [
        "1 float/run, one store_run per run",
        "1 float/run, store_runs of 1000",
    ];
    rows.push(bench::floats_row(&store, n, batch, cases));
    store
}

fn bench_loads(file: &Path, n: usize, rows: &mut Vec<Row>) {
    let mut store = None;
    rows.push(bench::skeleton_load_row(
        n,
        "open + skeleton load (run subtrees on demand)",
        || {
            let s: Arc<dyn Store> = Arc::new(Hdf5Store::open(file).expect("open"));
            store = Some(s.clone());
            Trajectory::load(s, "floats", LoadSpec::skeleton()).expect("load")
        },
    ));
    rows.push(bench::full_load_row(&store.expect("opened"), "floats", n));
}

fn trace() -> ndarray::Array1<f64> {
    ndarray::Array1::from_shape_fn(131_072, |i| (i as f64 * 0.001).sin())
}

fn bench_megabytes(dir: &Path, n: usize, comp: Compression, rows: &mut Vec<Row>) -> f64 {
    let file = dir.join(format!("mb_{n}_{}.h5", comp.name()));
    let opts = Hdf5Options {
        compression: comp,
        ..Hdf5Options::default()
    };
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open_with(&file, opts).expect("open"));
    let t = create_float_sweep(&store, "mb", n);
    let arr = trace();
    let start = Instant::now();
    bench::store_arrays(&store, &t, "mb", &arr);
    drop(t);
    drop(store); // closing checkpoints into the HDF5 file
    bench::fsync_file(&file);
    let secs = start.elapsed().as_secs_f64();
    let mbps = n as f64 / secs;
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    rows.push(Row {
        case: format!(
            "1 MB f64 array/run, compression {}, incl. close+fsync",
            comp.name()
        ),
        n,
        secs,
        extra: format!("{mbps:.0} MB/s, file {:.0} MB", size as f64 / 1e6),
    });
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(dir.join(format!("mb_{n}_{}.h5.journal", comp.name())));
    mbps
}

/// Compression of one 1 MB f64 trace, in ms per MB and ratio.
fn compression_table(dir: &Path) {
    println!("\n| compression | ms per MB written | size ratio (stored/raw) |\n|---|---:|---:|");
    let arr = trace();
    let reps = 40;
    for comp in [
        Compression::None,
        Compression::Lzf,
        Compression::ShuffleLzf,
        Compression::ShuffleDeflate1,
        Compression::Deflate9,
    ] {
        let file = dir.join(format!("comp_{}.h5", comp.name()));
        let opts = Hdf5Options {
            compression: comp,
            ..Hdf5Options::default()
        };
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::open_with(&file, opts).expect("open"));
        let mut t = Trajectory::create(store.clone(), "c", "").expect("create");
        let start = Instant::now();
        for i in 0..reps {
            t.add_result(&format!("r{i}"), arr.clone(), "")
                .expect("add");
        }
        t.store().expect("store");
        drop(t);
        drop(store);
        let secs = start.elapsed().as_secs_f64();
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) as f64;
        let raw = (reps * arr.len() * 8) as f64;
        println!(
            "| {} | {:.1} | {:.2} |",
            comp.name(),
            secs * 1e3 / reps as f64,
            size / raw
        );
    }
}

/// One case of the crash-safety table: `n` runs, each storing `len` f64
/// (one float when `len` is 0), one `store_run` per run, checkpoints every
/// `checkpoint` calls; seconds including close and fsync.
fn timed_sweep(dir: &Path, driver: FileDriver, n: usize, len: usize, checkpoint: usize) -> f64 {
    let file = dir.join(format!("driver_{driver:?}_{n}_{len}_{checkpoint}.h5"));
    let opts = Hdf5Options {
        compression: Compression::None,
        checkpoint_records: checkpoint,
        driver,
        ..Hdf5Options::default()
    };
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open_with(&file, opts).expect("open"));
    let t = create_float_sweep(&store, "d", n);
    let arr = ndarray::Array1::from_shape_fn(len, |i| (i as f64 * 0.001).sin());
    let start = Instant::now();
    for i in 0..n {
        let mut r = t.run(i).expect("run");
        if len == 0 {
            r.add_result("y", i as f64).expect("result");
        } else {
            r.add_result("trace", arr.clone()).expect("result");
        }
        store.store_run("d", &r.finish()).expect("store");
    }
    drop(t);
    drop(store);
    bench::fsync_file(&file);
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&file);
    secs
}

/// What crash safety costs: pet's checkpointing driver beside HDF5's own
/// `sec2` driver (not crash safe), same cases, same run.
fn driver_table(dir: &Path, quick: bool) {
    println!(
        "\n| case | runs | sec2 (not crash safe) | checkpointing driver | cost |\n|---|---:|---:|---:|---:|"
    );
    let scale = if quick { 10 } else { 1 };
    let cases: [(&str, usize, usize, usize); 4] = [
        (
            "1 float/run, default checkpoints (2000 calls)",
            20_000 / scale,
            0,
            2000,
        ),
        (
            "1 float/run, a checkpoint after every run",
            2_000 / scale,
            0,
            1,
        ),
        ("16 KB/run, default checkpoints", 20_000 / scale, 2048, 2000),
        ("1 MB/run, default checkpoints", 500 / scale, 131_072, 2000),
    ];
    for (case, n, len, checkpoint) in cases {
        let plain = timed_sweep(dir, FileDriver::Sec2, n, len, checkpoint);
        let safe = timed_sweep(dir, FileDriver::Checkpoint, n, len, checkpoint);
        let per = |s: f64| {
            if len == 0 {
                format!("{:.1} µs/run", s * 1e6 / n as f64)
            } else {
                format!("{:.0} MB/s", (n * len * 8) as f64 / 1e6 / s)
            }
        };
        println!(
            "| {case} | {n} | {} | {} | {:+.0}% |",
            per(plain),
            per(safe),
            (safe / plain - 1.0) * 100.0
        );
    }
}

fn main() {
    let quick = bench::quick();
    let dir = bench::bench_dir();
    let mut rows = Vec::new();
    if let Ok(n) = std::env::var("PET_BENCH_FLOATS_ONLY") {
        // For profilers: only the 1-float/run case, batches of 1000.
        bench_floats(
            dir.path(),
            n.parse().expect("a number of runs"),
            1000,
            &mut rows,
        );
        bench::print_rows_plain(&rows);
        return;
    }
    if std::env::var("PET_BENCH_COMP_ONLY").is_ok() {
        compression_table(dir.path());
        return;
    }
    if std::env::var("PET_BENCH_DRIVER_ONLY").is_ok() {
        driver_table(dir.path(), quick);
        return;
    }
    if std::env::var("PET_BENCH_MB_ONLY").is_ok() {
        // For profilers: only the 1 MB/run case without compression.
        bench_megabytes(dir.path(), 200, Compression::None, &mut rows);
        bench::print_rows_plain(&rows);
        return;
    }
    for &n in bench::float_sizes(quick) {
        if n <= 10_000 {
            bench_floats(dir.path(), n, 1, &mut rows);
        }
        let store = bench_floats(dir.path(), n, 1000, &mut rows);
        drop(store);
        if n >= 10_000 {
            bench_loads(
                &dir.path().join(format!("floats_{n}_1000.h5")),
                n,
                &mut rows,
            );
        }
    }
    let mb_sizes = bench::mb_sizes(quick);
    let raw = bench::raw_write_row(dir.path(), mb_sizes, &mut rows);
    for &n in mb_sizes {
        for comp in [Compression::DEFAULT, Compression::None] {
            let mbps = bench_megabytes(dir.path(), n, comp, &mut rows);
            rows.push(bench::ratio_row(n, mbps, raw));
        }
    }
    bench::print_rows(&rows);
    compression_table(dir.path());
    driver_table(dir.path(), quick);
}
