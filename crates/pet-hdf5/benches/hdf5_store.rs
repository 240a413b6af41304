//! Benchmark of the HDF5 store; prints markdown tables. `cargo bench -p pet-hdf5`
//! (set `PET_BENCH_QUICK=1` for smaller sizes, `PET_BENCH_DIR` for the disk to use).

#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use pet_core::{vals, LoadSpec, RunRecord, Store, Trajectory};
use pet_hdf5::{Compression, Hdf5Options, Hdf5Store};

struct Row {
    case: String,
    n: usize,
    secs: f64,
    extra: String,
}

fn prepare(store: &Arc<dyn Store>, name: &str, n: usize) -> Trajectory {
    let mut t = Trajectory::create(store.clone(), name, "bench").expect("create");
    t.add_parameter("x", 0.0, "").expect("param");
    t.explore([("x", vals((0..n).map(|i| i as f64)))])
        .expect("explore");
    t.store().expect("store");
    t
}

fn float_runs(t: &Trajectory, range: std::ops::Range<usize>) -> Vec<RunRecord> {
    range
        .map(|i| {
            let mut r = t.run(i).expect("run");
            let x: f64 = r.param("x").expect("x");
            r.add_result("y", x * 2.0).expect("result");
            r.finish()
        })
        .collect()
}

fn bench_floats(dir: &Path, n: usize, batch: usize, rows: &mut Vec<Row>) -> Arc<dyn Store> {
    let file = dir.join(format!("floats_{n}_{batch}.h5"));
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&file).expect("open"));
    let t = prepare(&store, "floats", n);
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + batch).min(n);
        let recs = float_runs(&t, i..end);
        store.store_runs("floats", &recs).expect("store runs");
        i = end;
    }
    let secs = start.elapsed().as_secs_f64();
    let how = if batch == 1 {
        "1 float/run, one store_run per run"
    } else {
        "1 float/run, store_runs of 1000"
    };
    rows.push(Row {
        case: how.into(),
        n,
        secs,
        extra: format!(
            "{:.1} µs/run, {:.0} runs/s",
            secs * 1e6 / n as f64,
            n as f64 / secs
        ),
    });
    store
}

fn bench_loads(file: &Path, n: usize, rows: &mut Vec<Row>) {
    let start = Instant::now();
    let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(file).expect("open"));
    let t = Trajectory::load(store.clone(), "floats", LoadSpec::skeleton()).expect("load");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(t.len(), n);
    rows.push(Row {
        case: "open + skeleton load (run subtrees on demand)".into(),
        n,
        secs,
        extra: format!("{} nodes", t.node_count()),
    });
    drop(t);
    let start = Instant::now();
    let t = Trajectory::load(store.clone(), "floats", LoadSpec::all()).expect("load");
    let secs = start.elapsed().as_secs_f64();
    rows.push(Row {
        case: "full load (all data)".into(),
        n,
        secs,
        extra: format!("{} nodes", t.node_count()),
    });
}

fn raw_write(dir: &Path, mb: usize) -> f64 {
    let path = dir.join("raw.bin");
    let chunk: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let start = Instant::now();
    let mut f = std::fs::File::create(&path).expect("raw file");
    for _ in 0..mb {
        f.write_all(&chunk).expect("write");
    }
    f.sync_all().expect("sync");
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    mb as f64 / secs
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
    let t = prepare(&store, "mb", n);
    let arr = trace();
    let start = Instant::now();
    for i in 0..n {
        let mut r = t.run(i).expect("run");
        r.add_result("trace", arr.clone()).expect("result");
        store.store_run("mb", &r.finish()).expect("store");
    }
    drop(t);
    drop(store); // closing checkpoints into the HDF5 file
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .expect("reopen");
    f.sync_all().expect("sync");
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

fn main() {
    let quick = std::env::var("PET_BENCH_QUICK").is_ok();
    let base = std::env::var("PET_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(base).expect("tempdir");
    let mut rows = Vec::new();
    if let Ok(n) = std::env::var("PET_BENCH_FLOATS_ONLY") {
        // For profilers: only the 1-float/run case, batches of 1000.
        bench_floats(
            dir.path(),
            n.parse().expect("a number of runs"),
            1000,
            &mut rows,
        );
        for r in rows {
            println!("| {} | {} | {:.3} | {} |", r.case, r.n, r.secs, r.extra);
        }
        return;
    }
    if std::env::var("PET_BENCH_COMP_ONLY").is_ok() {
        compression_table(dir.path());
        return;
    }
    if std::env::var("PET_BENCH_MB_ONLY").is_ok() {
        // For profilers: only the 1 MB/run case without compression.
        bench_megabytes(dir.path(), 200, Compression::None, &mut rows);
        for r in rows {
            println!("| {} | {} | {:.3} | {} |", r.case, r.n, r.secs, r.extra);
        }
        return;
    }
    let sizes: &[usize] = if quick {
        &[1_000, 10_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    };
    for &n in sizes {
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
    let mb_sizes: &[usize] = if quick { &[100] } else { &[100, 1000] };
    let raw = raw_write(dir.path(), *mb_sizes.last().unwrap_or(&100));
    rows.push(Row {
        case: "raw sequential write + fsync (same disk)".into(),
        n: *mb_sizes.last().unwrap_or(&100),
        secs: 0.0,
        extra: format!("{raw:.0} MB/s"),
    });
    for &n in mb_sizes {
        for comp in [Compression::DEFAULT, Compression::None] {
            let mbps = bench_megabytes(dir.path(), n, comp, &mut rows);
            rows.push(Row {
                case: "  ratio to raw write".into(),
                n,
                secs: 0.0,
                extra: format!("{:.0}%", 100.0 * mbps / raw),
            });
        }
    }
    println!("\n| case | runs | seconds | figure |\n|---|---:|---:|---|");
    for r in rows {
        let secs = if r.secs > 0.0 {
            format!("{:.3}", r.secs)
        } else {
            "".into()
        };
        println!("| {} | {} | {} | {} |", r.case, r.n, secs, r.extra);
    }
    compression_table(dir.path());
}
