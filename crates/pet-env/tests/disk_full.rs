//! A sweep on a small filesystem (a tmpfs the test mounts) that runs out of
//! space: it stops with a clear error naming the store, keeps every run stored
//! before, and resumes once space is freed. SQLite and HDF5. Needs root to
//! mount, as CI runs; where mounting is refused the test fails and says why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use pet_core::{vals, LoadSpec, Trajectory};
use pet_env::{EnvError, Environment, GitPolicy};

/// A tmpfs of `mib` MiB mounted on a fresh directory; unmounted when dropped.
struct SmallDisk(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl SmallDisk {
    fn mount(mib: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("disk");
        std::fs::create_dir(&at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&at)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill it (root, as CI runs), and mounting failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk(at, dir)
    }

    fn grow(&self, mib: usize) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={mib}m")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// 60 runs of 64 KiB each: about 4 MB, more than the 2 MiB disk holds.
fn sweep(t: &mut Trajectory) -> pet_core::Result<()> {
    t.add_parameter("i", 0i64, "")?;
    t.explore([("i", vals(0..60i64))])
}

fn fill(run: &mut pet_core::Run) -> pet_env::RunResult<i64> {
    let i: i64 = run.param("i")?;
    run.add_result("data", ndarray::Array1::from_elem(8192, i as f64))?;
    Ok(i)
}

fn env(url: &str) -> Environment {
    Environment::open(url)
        .unwrap()
        .git(GitPolicy::Off)
        .log_dir(None)
        .progress(false)
        .store_retry(Duration::from_millis(500))
        // The full disk also refused releasing the claims; in this one test
        // process they are not a dead process's, so they last their lease.
        .lease(Duration::from_secs(1))
}

#[test]
fn a_full_disk_stops_the_sweep_keeps_what_was_stored_and_resumes_after_space_is_freed() {
    full_disk("sqlite", "sweep.db");
}

#[cfg(feature = "hdf5")]
#[test]
fn a_full_disk_stops_an_hdf5_sweep_keeps_what_was_stored_and_resumes() {
    full_disk("hdf5", "sweep.h5");
}

/// One case at a time. The cases fork `mount` and `umount`; a fork in one test's
/// thread while the HDF5 case closes its journal keeps the journal's lock alive in
/// the child until it execs, and the HDF5 case's next open then finds the file
/// "being written by another process" (seen once on a loaded CI machine).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The case on the store `scheme://<small disk>/<file>`.
fn full_disk(scheme: &str, file: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let disk = SmallDisk::mount(2);
    let url = format!("{scheme}://{}", disk.path().join(file).display());
    let mut e = env(&url);
    let mut traj = e.trajectory("full", "", sweep).unwrap();
    let err = e.run(&mut traj, fill).unwrap_err();
    let msg = err.to_string();
    eprintln!("{msg}");
    assert!(matches!(err, EnvError::StoreFailed { .. }), "{msg}");
    assert!(
        msg.contains("space") || msg.contains("full"),
        "the error says the disk is full: {msg}"
    );
    assert!(
        msg.contains(file),
        "the error names the store and the cause: {msg}"
    );
    drop(traj);
    drop(e);
    let store = pet_env::open_store(&url).unwrap();
    let t = Trajectory::load(store, "full", LoadSpec::default()).unwrap();
    let stored = pet_core::testkit::crash::finish_times(&t);
    assert!(
        !stored.is_empty() && stored.len() < 60,
        "{} stored",
        stored.len()
    );
    drop(t);
    // Space is freed: the same program resumes and runs only what is missing.
    disk.grow(64);
    let mut e = env(&url);
    let mut traj = e.trajectory("full", "", sweep).unwrap();
    let report = e.run(&mut traj, fill).unwrap();
    assert_eq!(report.results.len(), 60 - stored.len());
    drop(traj);
    drop(e);
    let store = pet_env::open_store(&url).unwrap();
    let mut t = Trajectory::load(store, "full", LoadSpec::default()).unwrap();
    assert!(t.pending_runs().is_empty());
    pet_core::testkit::crash::check_not_run_again(&t, &stored);
    let a: ndarray::ArrayD<f64> = t.get_as("results.runs.run_00000059.data").unwrap();
    assert!(a.iter().all(|&x| x == 59.0));
}
