//! Benchmark scaffolding: rows of a markdown table, the benchmark directory,
//! raw disk speed, and timed loops storing one float or 1 MB per run.

use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crate::testkit::sweep::create_float_sweep;
use crate::{LoadSpec, RunRecord, Store, Trajectory};

/// One row of a benchmark table.
pub struct Row {
    /// What was measured.
    pub case: String,
    /// How many runs.
    pub n: usize,
    /// Seconds taken (0 for rows that only carry a figure).
    pub secs: f64,
    /// The derived figure (rate, size, …).
    pub extra: String,
}

impl Row {
    /// A row that carries only a figure, no time.
    pub fn figure(case: impl Into<String>, n: usize, extra: String) -> Row {
        Row {
            case: case.into(),
            n,
            secs: 0.0,
            extra,
        }
    }
}

/// Whether `PET_BENCH_QUICK` asks for smaller sizes.
pub fn quick() -> bool {
    std::env::var("PET_BENCH_QUICK").is_ok()
}

/// The numbers of runs of the float benchmarks (fewer when `quick`).
pub fn float_sizes(quick: bool) -> &'static [usize] {
    if quick {
        &[1_000, 10_000]
    } else {
        &[1_000, 10_000, 100_000, 1_000_000]
    }
}

/// The numbers of 1 MB runs of the megabyte benchmarks (fewer when `quick`).
pub fn mb_sizes(quick: bool) -> &'static [usize] {
    if quick {
        &[100]
    } else {
        &[100, 1000]
    }
}

/// Measures the raw write speed in `dir` for the largest of `mb_sizes`, adds its row, returns MB/s.
pub fn raw_write_row(dir: &Path, mb_sizes: &[usize], rows: &mut Vec<Row>) -> f64 {
    let mb = *mb_sizes.last().unwrap_or(&100);
    let mbps = raw_write(dir, mb);
    rows.push(raw_row(mb, mbps));
    mbps
}

/// A fresh directory on the disk named by `PET_BENCH_DIR` (else the temp directory).
pub fn bench_dir() -> tempfile::TempDir {
    let base = std::env::var("PET_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    tempfile::tempdir_in(base).expect("tempdir")
}

/// Prints `rows` as a markdown table (empty seconds for figure-only rows).
pub fn print_rows(rows: &[Row]) {
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

/// Prints `rows` without a header, seconds always shown (for profiler runs).
pub fn print_rows_plain(rows: &[Row]) {
    for r in rows {
        println!("| {} | {} | {:.3} | {} |", r.case, r.n, r.secs, r.extra);
    }
}

/// MB/s of writing `mb` MB sequentially to a file in `dir`, fsync included.
pub fn raw_write(dir: &Path, mb: usize) -> f64 {
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

/// The row of the raw write speed of `mb` MB.
pub fn raw_row(mb: usize, mbps: f64) -> Row {
    Row::figure(
        "raw sequential write + fsync (same disk)",
        mb,
        format!("{mbps:.0} MB/s"),
    )
}

/// The row comparing `mbps` to the raw write speed `raw`.
pub fn ratio_row(n: usize, mbps: f64, raw: f64) -> Row {
    Row::figure(
        "  ratio to raw write",
        n,
        format!("{:.0}%", 100.0 * mbps / raw),
    )
}

/// Records of runs `range` of a float sweep, each with result `y` = 2 x.
pub fn float_runs(t: &Trajectory, range: Range<usize>) -> Vec<RunRecord> {
    range
        .map(|i| {
            let mut r = t.run(i).expect("run");
            let x: f64 = r.param("x").expect("x");
            r.add_result("y", x * 2.0).expect("result");
            r.finish()
        })
        .collect()
}

/// Stores all runs of float sweep `t` (trajectory `traj`) in `store_runs` batches
/// of `batch` and returns the row `case` with µs/run and runs/s.
pub fn store_floats(
    store: &Arc<dyn Store>,
    t: &Trajectory,
    traj: &str,
    batch: usize,
    case: &str,
) -> Row {
    let n = t.len();
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + batch).min(n);
        let recs = float_runs(t, i..end);
        store.store_runs(traj, &recs).expect("store runs");
        i = end;
    }
    let secs = start.elapsed().as_secs_f64();
    Row {
        case: case.into(),
        n,
        secs,
        extra: format!(
            "{:.1} µs/run, {:.0} runs/s",
            secs * 1e6 / n as f64,
            n as f64 / secs
        ),
    }
}

/// Stores every run of sweep `t` (trajectory `traj`) with result `trace` = `arr`, one `store_run` each.
pub fn store_arrays(
    store: &Arc<dyn Store>,
    t: &Trajectory,
    traj: &str,
    arr: &ndarray::Array1<f64>,
) {
    for i in 0..t.len() {
        let mut r = t.run(i).expect("run");
        r.add_result("trace", arr.clone()).expect("result");
        store.store_run(traj, &r.finish()).expect("store");
    }
}

/// Opens `file` for writing and fsyncs it.
pub fn fsync_file(file: &Path) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .expect("reopen");
    f.sync_all().expect("sync");
}

/// Times `load` (a skeleton load of `n` runs, checked) and returns the row `case` with its node count.
pub fn skeleton_load_row(n: usize, case: &str, load: impl FnOnce() -> Trajectory) -> Row {
    let start = Instant::now();
    let t = load();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(t.len(), n);
    Row {
        case: case.into(),
        n,
        secs,
        extra: format!("{} nodes", t.node_count()),
    }
}

/// Times a full load (all data) of trajectory `traj` from `store`; the row has its node count.
pub fn full_load_row(store: &Arc<dyn Store>, traj: &str, n: usize) -> Row {
    let start = Instant::now();
    let t = Trajectory::load(store.clone(), traj, LoadSpec::all()).expect("load");
    let secs = start.elapsed().as_secs_f64();
    Row {
        case: "full load (all data)".into(),
        n,
        secs,
        extra: format!("{} nodes", t.node_count()),
    }
}

/// Creates float sweep `floats` of `n` runs in `store` and times storing it in
/// batches of `batch`; the row is named `cases[0]` for batches of one, else `cases[1]`.
pub fn floats_row(store: &Arc<dyn Store>, n: usize, batch: usize, cases: [&str; 2]) -> Row {
    let t = create_float_sweep(store, "floats", n);
    let case = if batch == 1 { cases[0] } else { cases[1] };
    store_floats(store, &t, "floats", batch, case)
}
