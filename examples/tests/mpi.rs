//! The examples under `mpirun` (feature `mpi`): the cellular automata on 3
//! ranks give the same trajectory as `--mode seq`, on SQLite and on HDF5; one
//! rank runs them itself; a job whose worker rank is killed mid-sweep ends,
//! and launching it again runs only the missing points.
#![cfg(feature = "mpi")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use pet::{LoadSpec, Trajectory};

const CA: &str = env!("CARGO_BIN_EXE_cellular_automata");

/// `mpirun -n N exe args...`, the way CI runs it as root on few cores.
fn mpirun(n: usize, exe: &str, args: &[&str], dir: &Path) -> Command {
    let mut cmd = Command::new("mpirun");
    cmd.args([
        "--allow-run-as-root",
        "--oversubscribe",
        "-n",
        &n.to_string(),
        exe,
    ])
    .args(args)
    .current_dir(dir)
    .env("PET_PROGRESS", "0");
    cmd
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parameters, run table and results of the automata trajectory, as text.
fn dump(url: &str) -> Vec<String> {
    let store = pet::open_store(url).unwrap();
    let mut t = Trajectory::load(store, "cellular_automata", LoadSpec::all()).unwrap();
    let mut lines = Vec::new();
    for p in t.leaves("parameters") {
        lines.push(format!("{p} = {:?}", t.get(&p).unwrap()));
    }
    for i in 0..t.len() {
        let r = t.run_info(i).unwrap().clone();
        let group = format!("results.runs.run_{i:08}");
        let density = t.get_as::<f64>(&format!("{group}.density")).unwrap();
        let pattern: ndarray::ArrayD<u8> = t.get_as(&format!("{group}.pattern")).unwrap();
        lines.push(format!(
            "{} {} completed={} density={density} pattern={:?}",
            r.name(),
            r.summary,
            r.completed,
            pattern.iter().map(|&c| u32::from(c)).sum::<u32>()
        ));
        lines.push(format!(
            "{group}.pattern bytes {:?}",
            pattern.as_slice().map(<[u8]>::to_vec)
        ));
    }
    lines
}

fn same_as_sequential(scheme: &str, ext: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mpi_url = format!(
        "{scheme}://{}",
        dir.path().join(format!("mpi.{ext}")).display()
    );
    let seq_url = format!(
        "{scheme}://{}",
        dir.path().join(format!("seq.{ext}")).display()
    );
    let out = mpirun(3, CA, &[&mpi_url, "--mode", "mpi"], dir.path())
        .output()
        .unwrap();
    let printed = ok(out, "mpirun -n 3 cellular_automata --mode mpi");
    assert_eq!(
        printed.matches("density").count(),
        6,
        "only rank 0 prints: {printed}"
    );
    let out = Command::new(CA)
        .args([seq_url.as_str(), "--mode", "seq"])
        .current_dir(dir.path())
        .env("PET_PROGRESS", "0")
        .output()
        .unwrap();
    ok(out, "cellular_automata --mode seq");
    assert_eq!(dump(&mpi_url), dump(&seq_url));
    // The session recorded the world and its hosts.
    let store = pet::open_store(&mpi_url).unwrap();
    let mut t = Trajectory::load(store, "cellular_automata", LoadSpec::default()).unwrap();
    let s = t.children("config.provenance").unwrap()[0].clone();
    assert_eq!(t.get_as::<u64>(&format!("{s}.mpi_world_size")).unwrap(), 3);
    assert_eq!(t.get_as::<String>(&format!("{s}.mode")).unwrap(), "Mpi");
}

#[test]
fn three_ranks_give_the_sequential_trajectory_on_sqlite() {
    same_as_sequential("sqlite", "db");
}

#[cfg(feature = "hdf5")]
#[test]
fn three_ranks_give_the_sequential_trajectory_on_hdf5() {
    same_as_sequential("hdf5", "h5");
}

#[test]
fn one_rank_runs_the_sweep_itself() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("one.db").display());
    let out = mpirun(1, CA, &[&url, "--mode", "mpi"], dir.path())
        .output()
        .unwrap();
    let printed = ok(out, "mpirun -n 1");
    assert_eq!(printed.matches("density").count(), 6, "{printed}");
}

/// The pids of `exe`'s processes that are MPI rank `rank` with `arg` on their command line.
fn ranks_of(exe: &str, rank: &str, arg: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let has_arg = cmd.split(|&b| b == 0).any(|a| a == arg.as_bytes());
        if !cmd.starts_with(exe.as_bytes()) || !has_arg {
            continue;
        }
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let want = format!("OMPI_COMM_WORLD_RANK={rank}");
        if env.split(|&b| b == 0).any(|v| v == want.as_bytes()) {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn a_killed_rank_ends_the_job_and_the_next_launch_runs_only_the_missing_points() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("killed.db").display());
    let n = 200;
    let args = [
        url.as_str(),
        &n.to_string(),
        "--mode",
        "mpi",
        "--sleep-ms",
        "20",
    ];
    let mut job = mpirun(3, common::EXE, &args, dir.path())
        .env("PET_LEASE_SECS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill rank 2 once some runs are stored.
    let store = pet::open_store(&url).unwrap();
    let start = Instant::now();
    while store.run_counts("shared").map(|c| c.completed).unwrap_or(0) < 30 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the job stored nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let victims = ranks_of(common::EXE, "2", &url);
    assert_eq!(victims.len(), 1, "rank 2's process: {victims:?}");
    Command::new("kill")
        .args(["-KILL", &victims[0].to_string()])
        .status()
        .unwrap();
    let status = job.wait().unwrap();
    assert!(!status.success(), "mpirun ends the job when a rank dies");
    // What the killed job stored stays as it is.
    let t = Trajectory::load(store.clone(), "shared", LoadSpec::default()).unwrap();
    let before = pet_core::testkit::crash::finish_times(&t);
    assert!(
        before.len() >= 30 && before.len() < n,
        "{} stored",
        before.len()
    );
    drop(t);
    let out = mpirun(3, common::EXE, &args, dir.path())
        .env("PET_LEASE_SECS", "1")
        .output()
        .unwrap();
    let printed = ok(out, "the second launch");
    assert_eq!(
        printed.trim(),
        format!("ran {} runs", n - before.len()),
        "only the missing points run again"
    );
    common::check_store(&url, n);
    let t = Trajectory::load(store, "shared", LoadSpec::default()).unwrap();
    pet_core::testkit::crash::check_not_run_again(&t, &before);
}

/// `PET_MPI_DIRECT=1`: every rank stores its own runs into the shared SQLite
/// file, sharing the sweep through claims; each rank reports what it ran.
#[test]
fn every_rank_stores_its_own_runs_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("direct.db").display());
    let n = 120;
    let out = mpirun(
        3,
        common::EXE,
        &[&url, &n.to_string(), "--mode", "mpi", "--sleep-ms", "5"],
        dir.path(),
    )
    .env("PET_MPI_DIRECT", "1")
    .output()
    .unwrap();
    let printed = ok(out, "mpirun with PET_MPI_DIRECT=1");
    let ks: Vec<usize> = printed
        .lines()
        .filter_map(|l| l.strip_prefix("ran ")?.strip_suffix(" runs")?.parse().ok())
        .collect();
    assert_eq!(ks.len(), 3, "one line per rank: {printed}");
    assert_eq!(ks.iter().sum::<usize>(), n, "{ks:?}");
    assert!(
        ks.iter().filter(|&&k| k > 0).count() >= 2,
        "the ranks did not share: {ks:?}"
    );
    common::check_store(&url, n);
    // Every rank recorded its own session.
    let store = pet::open_store(&url).unwrap();
    let t = Trajectory::load(store, "shared", LoadSpec::default()).unwrap();
    assert_eq!(t.children("config.provenance").unwrap().len(), 3);
}

/// Post-processing on rank 0 expands the trajectory while the ranks run: the
/// adaptive search on 3 ranks reaches the best point it reaches sequentially.
#[test]
fn adaptive_expansion_reaches_the_ranks() {
    let exe = env!("CARGO_BIN_EXE_adaptive");
    let dir = tempfile::tempdir().unwrap();
    let mpi_url = format!("sqlite://{}", dir.path().join("adaptive_mpi.db").display());
    let seq_url = format!("sqlite://{}", dir.path().join("adaptive_seq.db").display());
    let out = mpirun(3, exe, &[&mpi_url, "--mode", "mpi"], dir.path())
        .output()
        .unwrap();
    let mpi_best = ok(out, "adaptive under mpirun")
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    let out = Command::new(exe)
        .args([seq_url.as_str(), "--mode", "seq"])
        .current_dir(dir.path())
        .env("PET_PROGRESS", "0")
        .output()
        .unwrap();
    let seq_best = ok(out, "adaptive --mode seq")
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    assert!(mpi_best.starts_with("best of 160 runs"), "{mpi_best}");
    assert_eq!(mpi_best, seq_best);
}
