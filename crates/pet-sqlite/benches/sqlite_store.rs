//! Benchmark of the SQLite store; prints a table. `cargo bench -p pet-sqlite`
//! (set `PET_BENCH_QUICK=1` for smaller sizes, `PET_BENCH_DIR` for the disk to use).

#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use pet_core::{vals, LoadSpec, RunRecord, Store, Trajectory};
use pet_sqlite::SqliteStore;

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

fn bench_floats(
    dir: &std::path::Path,
    n: usize,
    batch: usize,
    rows: &mut Vec<Row>,
) -> Arc<dyn Store> {
    let file = dir.join(format!("floats_{n}_{batch}.db"));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&file).expect("open"));
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
        "1 float/run, one commit per run"
    } else {
        "1 float/run, 1000 runs per commit"
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
    let start = Instant::now();
    let t = Trajectory::load(store.clone(), "floats", LoadSpec::skeleton()).expect("load");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(t.len(), n);
    rows.push(Row {
        case: "skeleton load (run subtrees on demand)".into(),
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

fn raw_write(dir: &std::path::Path, mb: usize) -> f64 {
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

fn bench_megabytes(dir: &std::path::Path, n: usize, rows: &mut Vec<Row>) -> f64 {
    let file = dir.join(format!("mb_{n}.db"));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&file).expect("open"));
    let t = prepare(&store, "mb", n);
    let arr = ndarray::Array1::from_shape_fn(131_072, |i| (i as f64).sin());
    let start = Instant::now();
    for i in 0..n {
        let mut r = t.run(i).expect("run");
        r.add_result("trace", arr.clone()).expect("result");
        store.store_run("mb", &r.finish()).expect("store");
    }
    drop(t);
    drop(store); // closing checkpoints the WAL into the database file
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .expect("reopen");
    f.sync_all().expect("sync");
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
    let quick = std::env::var("PET_BENCH_QUICK").is_ok();
    let base = std::env::var("PET_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = tempfile::tempdir_in(base).expect("tempdir");
    let mut rows = Vec::new();
    let sizes: &[usize] = if quick {
        &[1_000, 10_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    };
    for &n in sizes {
        if n <= 100_000 {
            bench_floats(dir.path(), n, 1, &mut rows);
        }
        let store = bench_floats(dir.path(), n, 1000, &mut rows);
        if n >= 10_000 {
            bench_loads(&store, n, &mut rows);
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
        let mbps = bench_megabytes(dir.path(), n, &mut rows);
        rows.push(Row {
            case: "  ratio to raw write".into(),
            n,
            secs: 0.0,
            extra: format!("{:.0}%", 100.0 * mbps / raw),
        });
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
}
