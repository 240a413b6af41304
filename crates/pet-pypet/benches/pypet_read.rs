//! Reading a pypet file of 10 000 runs (one float result each) with pet and
//! migrating it to SQLite, beside pypet's own `load_trajectory(load_all=2)`
//! of the same file, in one run; prints a table.
//!
//! The file is written once by real pypet (`tests/python/make_files.py
//! bench`, about 8 minutes: pypet's storing is quadratic in the runs) and
//! kept in `target/pypet-bench/`. `PET_PYPET_BENCH_RUNS` changes the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use pet_core::storage::ReadSpec;
use pet_core::transfer::copy_trajectory;
use pet_core::{LoadSpec, Store, Trajectory};
use pet_pypet::PypetStore;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let runs: usize = std::env::var("PET_PYPET_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = root.join(format!("target/pypet-bench/{runs}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bench.hdf5");
    let out = Command::new("bash")
        .arg(root.join("scripts/pypet-venv.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = String::from_utf8(out.stdout).unwrap().trim().to_string();
    if !file.exists() {
        eprintln!("writing {runs} runs with pypet (once; minutes)...");
        let st = Command::new(&python)
            .arg(root.join("crates/pet-pypet/tests/python/make_files.py"))
            .arg(&dir)
            .arg("bench")
            .env("PET_PYPET_BENCH_RUNS", runs.to_string())
            .status()
            .unwrap();
        assert!(st.success());
    }

    // pypet's own full load of the same file.
    let script = format!(
        "import time, warnings; warnings.simplefilter('ignore')\n\
         from pypet import load_trajectory\n\
         t0 = time.perf_counter()\n\
         t = load_trajectory(name='bench', filename={:?}, load_all=2, force=True)\n\
         print(time.perf_counter() - t0, len(t))\n",
        file.display().to_string()
    );
    let out = Command::new(&python)
        .arg("-c")
        .arg(&script)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let pypet_s: f64 = text.split_whitespace().next().unwrap().parse().unwrap();

    // pet: open + load the trajectory as a run would (parameters, run table).
    let t0 = Instant::now();
    let store: Arc<dyn Store> = Arc::new(PypetStore::open(&file).unwrap());
    let t = Trajectory::load(store, "bench", LoadSpec::default()).unwrap();
    assert_eq!(t.len(), runs);
    let open_s = t0.elapsed().as_secs_f64();

    // pet: every node with its data, every run included (what load_all=2 does).
    let t0 = Instant::now();
    let store = PypetStore::open(&file).unwrap();
    let nodes = store.read_nodes("bench", "", ReadSpec::DATA).unwrap();
    let full_s = t0.elapsed().as_secs_f64();

    // pet: migrate to SQLite.
    let tmp = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let src = PypetStore::open(&file).unwrap();
    let dst = pet_sqlite::SqliteStore::open(tmp.path().join("bench.db")).unwrap();
    let stats = copy_trajectory(&src, &dst, "bench", |_, _| {}).unwrap();
    let migrate_s = t0.elapsed().as_secs_f64();
    assert_eq!(stats.runs, runs);
    let report = src.report("bench").unwrap();

    println!(
        "pypet file of {runs} runs, one float result each ({} nodes)",
        nodes.len()
    );
    println!();
    println!("| case | seconds | per run |");
    println!("|---|---:|---:|");
    let row = |name: &str, s: f64| {
        println!("| {name} | {s:.2} | {:.0} µs |", s * 1e6 / runs as f64);
    };
    row("pypet `load_trajectory(load_all=2)`", pypet_s);
    row("pet open + `Trajectory::load` (default spec)", open_s);
    row("pet read of every node with data", full_s);
    row("pet `pet migrate` to SQLite (read + write)", migrate_s);
    println!();
    println!("{}", report.summary());
}
