//! The pypet paper's Figure 5 on pet: three cells of random numbers per run,
//! through the Environment (sequential), on each file backend, N = 10^3 …
//! `--max` runs:
//! - red: each run returns one random float; all of them are stored together
//!   as one array after the runs;
//! - green: each run stores one random float as its result;
//! - blue: each run stores a 1000 × 125 array of random floats (1 MB),
//!   up to `--blue-max` runs (default 1000: 1 GB per store).
//!
//! For each: the sweep's runtime, the store's size on disk, loading all data
//! at once, and loading iteratively (each run's result read and dropped, as
//! pypet's auto-loading with `f_remove`). `--tsv` prints tab-separated rows
//! (`cell runs store run_s size_mb load_all_s load_iter_s`) for
//! `scripts/bench-pypet.sh`, which puts pypet's figures beside them.
//!
//! `cargo run --release -p pet-examples --features hdf5 --bin fig5 -- --max 1000000`

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};
use pet::prelude::*;
use pet_examples::Rng;

/// One cell's figures at one N.
struct Row {
    run_s: f64,
    size_mb: f64,
    load_all_s: f64,
    load_iter_s: f64,
}

/// Bytes of the store file and its side files (journal, WAL).
fn store_size(file: &Path) -> f64 {
    let dir = file.parent().unwrap_or(Path::new("."));
    let stem = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(stem)))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len() as f64)
                .sum()
        })
        .unwrap_or(0.0)
}

fn cell(cell: &str, runs: usize, url: &str, file: &Path) -> Result<Row> {
    let start = Instant::now();
    let mut env = Environment::open(url)?
        .git(GitPolicy::Off)
        .log_dir(None)
        .progress(false);
    let mut traj = env.trajectory("fig5", "the pypet paper's Figure 5", |t| {
        t.add_parameter("seed", 0i64, "seed of the run's random numbers")?;
        t.explore([("seed", vals(0..runs as i64))])
    })?;
    match cell {
        "red" => {
            let report = env.run(&mut traj, |run| {
                Ok(Rng::new(run.param::<i64>("seed")? as u64).uniform())
            })?;
            let all: Vec<f64> = report.results.iter().map(|(_, v)| *v).collect();
            traj.add_result("all", ndarray::Array1::from(all), "every run's number")?;
            traj.store()?;
        }
        "green" => {
            env.run(&mut traj, |run| {
                let x = Rng::new(run.param::<i64>("seed")? as u64).uniform();
                run.add_result("x", x)?;
                Ok(())
            })?;
        }
        "blue" => {
            env.run(&mut traj, |run| {
                let mut rng = Rng::new(run.param::<i64>("seed")? as u64);
                let a = ndarray::Array2::from_shape_simple_fn((1000, 125), || rng.uniform());
                run.add_result("x", a)?;
                Ok(())
            })?;
        }
        other => bail!("no cell '{other}' (red, green, blue)"),
    }
    traj.close()?;
    drop(traj);
    drop(env);
    let run_s = start.elapsed().as_secs_f64();
    let size_mb = store_size(file) / 1e6;

    let store = pet::open_store(url)?;
    let start = Instant::now();
    let mut all = Trajectory::load(store.clone(), "fig5", LoadSpec::all())?;
    let check = match cell {
        "red" => all.get_ref::<&[f64]>("results.all")?.len(),
        _ => all.column::<Value>("x")?.count(),
    };
    let load_all_s = start.elapsed().as_secs_f64();
    drop(all);

    let start = Instant::now();
    let t = Trajectory::load(store, "fig5", LoadSpec::default())?;
    let mut seen = 0;
    match cell {
        "red" => {
            let mut t = t;
            seen = t.get_ref::<&[f64]>("results.all")?.len();
        }
        "green" => {
            for run in t.runs() {
                let _: f64 = run.result("x")?;
                seen += 1;
            }
        }
        _ => {
            for run in t.runs() {
                let a: ndarray::ArrayD<f64> = run.result("x")?;
                seen += usize::from(a.len() == 125_000);
            }
        }
    }
    let load_iter_s = start.elapsed().as_secs_f64();
    if check != runs || seen != runs {
        bail!("{cell} at {runs} runs read back {check} and {seen} values");
    }
    Ok(Row {
        run_s,
        size_mb,
        load_all_s,
        load_iter_s,
    })
}

fn main() -> Result<()> {
    let max: usize = pet_examples::number_flag("--max", 100_000)?;
    let blue_max: usize = pet_examples::number_flag("--blue-max", 1000)?;
    let tsv = std::env::args().any(|a| a == "--tsv");
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("pet-fig5-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut stores = vec![("SQLite", "sqlite", "db")];
    if cfg!(feature = "hdf5") {
        stores.push(("HDF5", "hdf5", "h5"));
    }
    if !tsv {
        println!("| cell | runs | store | run: s | file: MB | load all: s | load iteratively: s |");
        println!("|---|---|---|---|---|---|---|");
    }
    for c in ["red", "green", "blue"] {
        let mut n = 1000;
        while n <= max && (c != "blue" || n <= blue_max) {
            for (label, scheme, ext) in &stores {
                let file = dir.join(format!("{c}-{n}.{ext}"));
                let url = format!("{scheme}://{}", file.display());
                let r = cell(c, n, &url, &file)?;
                if tsv {
                    println!(
                        "{c}\t{n}\t{label}\t{:.3}\t{:.2}\t{:.3}\t{:.3}",
                        r.run_s, r.size_mb, r.load_all_s, r.load_iter_s
                    );
                } else {
                    println!(
                        "| {c} | {n} | {label} | {:.2} | {:.1} | {:.3} | {:.3} |",
                        r.run_s, r.size_mb, r.load_all_s, r.load_iter_s
                    );
                }
                for e in std::fs::read_dir(&dir)?.flatten() {
                    std::fs::remove_file(e.path()).ok();
                }
            }
            n *= 10;
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
