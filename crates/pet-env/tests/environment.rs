//! The Environment end to end on real SQLite files: modes, failures, resume
//! after SIGKILL, adaptive expansion, provenance, manual storing, reconciling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{env, grid, multiply, rerun_test, url};
use std::path::Path;
use std::sync::Arc;

use pet_core::{vals, LoadSpec, PetError, Store, Trajectory};
use pet_env::{EnvError, Environment, GitPolicy, Mode};

fn check_stored(dir: &Path) {
    let store: Arc<dyn Store> = pet_env::open_store(&url(dir)).unwrap();
    let mut t = Trajectory::load(store, "mult", LoadSpec::default()).unwrap();
    assert!(t.pending_runs().is_empty());
    for i in 0..12 {
        let x = t.param_value_at("x", i).unwrap().clone();
        let y = t.param_value_at("y", i).unwrap().clone();
        let z: i64 = t.get_as(&format!("results.runs.run_{i:08}.z")).unwrap();
        assert_eq!(
            pet_core::Value::from(z),
            pet_core::Value::from(
                x.as_scalar().unwrap().as_f64().unwrap() as i64
                    * y.as_scalar().unwrap().as_f64().unwrap() as i64
            )
        );
    }
}

fn expected() -> Vec<(usize, i64)> {
    let mut v = Vec::new();
    for (k, x) in [1i64, 2, 3, 4].iter().enumerate() {
        for (j, y) in [6i64, 7, 8].iter().enumerate() {
            v.push((k * 3 + j, x * y));
        }
    }
    v
}

#[test]
fn sequential_and_threads_give_results_in_index_order() {
    for mode in [Mode::Sequential, Mode::Threads(3)] {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env(dir.path(), mode);
        let mut traj = env.trajectory("mult", "", grid).unwrap();
        let report = env.run(&mut traj, multiply).unwrap();
        assert_eq!(report.results, expected());
        assert!(report.failed.is_empty());
        check_stored(dir.path());
        let log = std::fs::read_to_string(dir.path().join("logs/mult.log")).unwrap();
        // Per-run lines are at debug level (tests/levels.rs): the summary is here.
        assert!(log.contains("12 runs done, 0 failed"), "{log}");
    }
}

/// Run 4 crashes the process it runs in, like a fault in native code.
fn multiply_or_crash(run: &mut pet_core::Run) -> pet_env::RunResult<i64> {
    if run.index() == 4 {
        std::process::abort();
    }
    multiply(run)
}

/// Also the body of the worker processes this test starts: they enter
/// `serve_if_worker` and never get past it.
#[test]
fn processes_mode_runs_every_point_and_survives_a_crashing_run() {
    pet_env::serve_if_worker(multiply_or_crash).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Processes(2)).worker_args(rerun_test(
        "processes_mode_runs_every_point_and_survives_a_crashing_run",
    ));
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    let report = env.run(&mut traj, multiply_or_crash).unwrap();
    let mut want = expected();
    want.remove(4);
    assert_eq!(report.results, want);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].index, 4);
    assert!(
        report.failed[0].message.contains("worker process died"),
        "{:?}",
        report.failed
    );
    assert_eq!(traj.pending_runs(), vec![4]);
}

/// A program that uses worker processes but skips the worker entry: its
/// workers refuse to start a sweep of their own, and every run fails with a
/// message that names the entry.
#[test]
fn processes_without_the_worker_entry_fail_clearly() {
    if pet_env::is_worker_process() {
        // The worker's view: opening a store is refused.
        let e = Environment::open("memory://").err().unwrap().to_string();
        assert!(e.contains("serve_if_worker"), "{e}");
        std::process::exit(3);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut procs = env(dir.path(), Mode::Processes(1)).worker_args(rerun_test(
        "processes_without_the_worker_entry_fail_clearly",
    ));
    let mut traj = procs.trajectory("mult", "", grid).unwrap();
    let report = procs.run(&mut traj, multiply).unwrap();
    assert!(report.results.is_empty());
    assert_eq!(report.failed.len(), 12);
    assert!(
        report.failed[0].message.contains("serve_if_worker"),
        "{:?}",
        report.failed[0]
    );
    let e = env(dir.path(), Mode::Threads(0))
        .run(&mut traj, multiply)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Mode::Sequential"), "{e}");
}

#[test]
fn failing_and_panicking_runs_are_logged_and_the_sweep_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Threads(2));
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    let report = env
        .run(&mut traj, |run| {
            match run.index() {
                3 => return Err("bad parameters".into()),
                5 => panic!("boom in run 5"),
                _ => {}
            }
            multiply(run)
        })
        .unwrap();
    assert_eq!(report.results.len(), 10);
    let failed: Vec<usize> = report.failed.iter().map(|f| f.index).collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.contains(&3) && failed.contains(&5));
    let errors = std::fs::read_to_string(dir.path().join("logs/mult.errors.log")).unwrap();
    assert!(
        errors.contains("run_00000003 (x=2, y=6) failed: bad parameters"),
        "{errors}"
    );
    assert!(
        errors.contains("run_00000005 (x=2, y=8) failed: panicked: boom in run 5"),
        "{errors}"
    );
    assert_eq!(traj.pending_runs(), vec![3, 5]);
    // Running again retries only the failed runs.
    let report = env.run(&mut traj, multiply).unwrap();
    assert_eq!(report.results, vec![(3, 12), (5, 16)]);
    assert_eq!(report.already_done, 10);
    check_stored(dir.path());
}

#[test]
fn stop_on_error_stops_and_keeps_what_finished() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Sequential).stop_on_error(true);
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    let err = env
        .run(&mut traj, |run| {
            if run.index() == 2 {
                return Err("diverged".into());
            }
            multiply(run)
        })
        .unwrap_err();
    assert!(matches!(err, EnvError::RunFailed { index: 2, .. }), "{err}");
    assert!(err.to_string().contains("resume"), "{err}");
    let store = pet_env::open_store(&url(dir.path())).unwrap();
    let t = Trajectory::load(store, "mult", LoadSpec::default()).unwrap();
    assert_eq!(t.pending_runs(), (2..12).collect::<Vec<_>>());
}

/// Also the body of the child process that the resume test kills.
#[test]
fn resume_child() {
    let Ok(dir) = std::env::var("PET_RESUME_DIR") else {
        return;
    };
    let mut env = env(Path::new(&dir), Mode::Sequential);
    let mut traj = env.trajectory("slow", "", slow_setup).unwrap();
    env.run(&mut traj, slow_run).unwrap();
}

fn slow_setup(t: &mut Trajectory) -> pet_core::Result<()> {
    t.add_parameter("i", 0i64, "")?;
    t.explore([("i", vals(0..120i64))])
}

fn slow_run(run: &mut pet_core::Run) -> pet_env::RunResult<i64> {
    std::thread::sleep(std::time::Duration::from_millis(10));
    let i: i64 = run.param("i")?;
    run.add_result("sq", i * i)?;
    Ok(i * i)
}

#[test]
fn a_killed_sweep_resumes_without_losing_or_repeating_completed_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["resume_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("PET_RESUME_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = dir.path().join("sweep.db");
    let completed_before = loop {
        std::thread::sleep(std::time::Duration::from_millis(20));
        if let Ok(store) = pet_sqlite_store(&db) {
            if let Ok(runs) = store.read_runs("slow") {
                let done = runs.iter().filter(|r| r.completed).count();
                if done >= 30 {
                    break done;
                }
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child finished before it was killed"
        );
    };
    child.kill().unwrap(); // SIGKILL mid-sweep
    child.wait().unwrap();
    let store = pet_sqlite_store(&db).unwrap();
    let done_at_kill: Vec<usize> = store
        .read_runs("slow")
        .unwrap()
        .into_iter()
        .filter(|r| r.completed)
        .map(|r| r.index)
        .collect();
    assert!(done_at_kill.len() >= completed_before && done_at_kill.len() < 120);
    drop(store);
    let mut env = env(dir.path(), Mode::Threads(2));
    let mut traj = env.trajectory("slow", "", slow_setup).unwrap();
    let report = env.run(&mut traj, slow_run).unwrap();
    assert_eq!(report.already_done, done_at_kill.len());
    assert_eq!(report.results.len() + done_at_kill.len(), 120);
    assert!(
        report
            .results
            .iter()
            .all(|(i, _)| !done_at_kill.contains(i)),
        "a completed run ran again"
    );
    let mut t = Trajectory::load(
        pet_env::open_store(&url(dir.path())).unwrap(),
        "slow",
        LoadSpec::default(),
    )
    .unwrap();
    assert!(t.pending_runs().is_empty());
    for i in 0..120usize {
        assert_eq!(
            t.get_as::<i64>(&format!("results.runs.run_{i:08}.sq"))
                .unwrap(),
            (i * i) as i64
        );
    }
}

fn pet_sqlite_store(db: &Path) -> pet_core::Result<Arc<dyn Store>> {
    if !db.exists() {
        return Err(PetError::NotFound(db.display().to_string()));
    }
    pet_env::open_store(&format!("sqlite://{}?mode=ro", db.display()))
}

#[test]
fn post_processing_expands_the_trajectory_while_runs_continue() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Threads(2));
    let mut traj = env
        .trajectory("adaptive", "", |t| {
            t.add_parameter("x", 0.0, "")?;
            t.explore([("x", vals([0.0, 1.0, 2.0, 3.0]))])
        })
        .unwrap();
    let mut seen = Vec::new();
    let report = env
        .run_with(
            &mut traj,
            |run| {
                let x: f64 = run.param("x")?;
                let f = -(x - 7.25) * (x - 7.25);
                run.add_result("f", f)?;
                Ok(f)
            },
            |t, batch| {
                seen.extend(batch.iter().map(|(i, _)| *i));
                if t.len() < 12 {
                    let next = t.len() as f64;
                    t.expand([("x", vals([next]))])?;
                }
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(traj.len(), 12);
    assert_eq!(report.results.len(), 12);
    seen.sort();
    assert_eq!(seen, (0..12).collect::<Vec<_>>());
    let best = report
        .results
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert_eq!(best.0, 7);
    let reloaded = Trajectory::load(
        pet_env::open_store(&url(dir.path())).unwrap(),
        "adaptive",
        LoadSpec::default(),
    )
    .unwrap();
    assert_eq!(reloaded.len(), 12);
    assert!(reloaded.pending_runs().is_empty());
}

#[test]
fn provenance_and_git_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("repo");
    let repo = git2::Repository::init(&repo_dir).unwrap();
    std::fs::write(repo_dir.join("model.txt"), "v1").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("model.txt")).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("t", "t@example.org").unwrap();
    let first = repo
        .commit(Some("HEAD"), &sig, &sig, "first", &tree, &[])
        .unwrap();

    let mut opts = env(dir.path(), Mode::Sequential).current_options().clone();
    opts.git = GitPolicy::Record;
    opts.git_dir = Some(repo_dir.clone());
    let mut e = env(dir.path(), Mode::Sequential).options(opts.clone());
    let mut traj = e.trajectory("mult", "", grid).unwrap();
    e.run(&mut traj, multiply).unwrap();
    let mut t = Trajectory::load(
        pet_env::open_store(&url(dir.path())).unwrap(),
        "mult",
        LoadSpec::default(),
    )
    .unwrap();
    let sessions = t.children("config.provenance").unwrap();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let base = sessions[0].as_str();
    assert_eq!(
        t.get_as::<String>(&format!("{base}.git_commit")).unwrap(),
        first.to_string()
    );
    assert!(!t.get_as::<bool>(&format!("{base}.git_dirty")).unwrap());
    assert_eq!(
        t.get_as::<String>(&format!("{base}.pet_version")).unwrap(),
        pet_core::VERSION
    );
    assert!(t.get_as::<u64>(&format!("{base}.cpus")).unwrap() >= 1);
    assert!(!t
        .get_as::<String>(&format!("{base}.host"))
        .unwrap()
        .is_empty());
    assert_eq!(
        t.get_as::<u64>(&format!("{base}.runs_completed")).unwrap(),
        12
    );
    assert!(
        t.get_as::<f64>(&format!("{base}.finished")).unwrap()
            >= t.get_as::<f64>(&format!("{base}.started")).unwrap()
    );

    // A dirty tree: refused with RequireClean, committed with AutoCommit.
    std::fs::write(repo_dir.join("model.txt"), "v2").unwrap();
    opts.git = GitPolicy::RequireClean;
    let mut e = env(dir.path(), Mode::Sequential).options(opts.clone());
    let err = e.run(&mut traj, multiply).unwrap_err().to_string();
    assert!(
        err.contains("model.txt") && err.contains("AutoCommit"),
        "{err}"
    );
    opts.git = GitPolicy::AutoCommit;
    let mut e = env(dir.path(), Mode::Sequential).options(opts);
    e.run(&mut traj, multiply).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_ne!(head.id(), first);
    assert!(head.message().unwrap().contains("auto-commit"));
    let mut t = Trajectory::load(
        pet_env::open_store(&url(dir.path())).unwrap(),
        "mult",
        LoadSpec::default(),
    )
    .unwrap();
    // Session names sort by start time: the auto-commit session is the last.
    let sessions = t.children("config.provenance").unwrap();
    let last = sessions.last().unwrap();
    assert_eq!(
        t.get_as::<String>(&format!("{last}.git_auto_commit"))
            .unwrap(),
        head.id().to_string()
    );
}

#[test]
fn with_storing_off_runs_wait_for_the_program_to_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Threads(2)).store_each_run(false);
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    env.run(&mut traj, multiply).unwrap();
    let store = pet_env::open_store(&url(dir.path())).unwrap();
    assert_eq!(
        Trajectory::load(store.clone(), "mult", LoadSpec::default())
            .unwrap()
            .pending_runs()
            .len(),
        12
    );
    traj.store().unwrap();
    check_stored(dir.path());
}

#[test]
fn rerunning_a_changed_program_extends_or_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Sequential);
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    env.run(&mut traj, multiply).unwrap();
    // The same program again: nothing to do.
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    let report = env.run(&mut traj, multiply).unwrap();
    assert!(report.results.is_empty());
    assert_eq!(report.already_done, 12);
    // More points at the end: the stored trajectory grows and only they run.
    let mut traj = env
        .trajectory("mult", "", |t| {
            grid(t)?;
            let mut more = Trajectory::new("tmp")?;
            grid(&mut more)?;
            t.expand([("x", vals([5i64])), ("y", vals([9i64]))])
        })
        .unwrap();
    assert_eq!(traj.len(), 13);
    let report = env.run(&mut traj, multiply).unwrap();
    assert_eq!(report.results, vec![(12, 45)]);
    // A different default: refused with advice.
    let err = env
        .trajectory("mult", "", |t| {
            t.add_parameter("x", 1i64, "")?;
            t.add_parameter("y", 0i64, "")?;
            t.explore_cartesian([("x", vals([1i64, 2, 3, 4])), ("y", vals([6i64, 7, 8]))])
        })
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("default of parameters.x") && err.contains("new trajectory name"),
        "{err}"
    );
}

#[test]
fn store_urls_name_missing_features_and_read_config() {
    if !cfg!(feature = "hdf5") {
        let e = pet_env::open_store("hdf5:///tmp/none.h5")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("`hdf5` feature"), "{e}");
    }
    if !cfg!(feature = "mongo") {
        let e = pet_env::open_store("mongodb://127.0.0.1:1/x")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("`mongo` feature"), "{e}");
    }
    let e = pet_env::open_store("ftp://x/y").err().unwrap().to_string();
    assert!(e.contains("unknown store type 'ftp'"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("pet.toml");
    std::fs::write(&cfg, "store = \"sqlite://results/a.db\"\n").unwrap();
    assert_eq!(
        pet_env::url_from_config(&cfg).unwrap().as_deref(),
        Some("sqlite://results/a.db")
    );
    std::fs::write(&cfg, "store = 3\n").unwrap();
    assert!(pet_env::url_from_config(&cfg)
        .unwrap_err()
        .to_string()
        .contains("must be a string"));
    assert_eq!(
        pet_env::url_from_config(&dir.path().join("none.toml")).unwrap(),
        None
    );
    assert_eq!(
        pet_env::store_url(Some("memory://"), "x").unwrap(),
        "memory://"
    );
}

fn square(run: &mut pet_core::Run) -> pet_env::RunResult<i64> {
    let x: i64 = run.param("x")?;
    run.add_result("sq", x * x)?;
    Ok(x * x)
}

fn cube(run: &mut pet_core::Run) -> pet_env::RunResult<f64> {
    let x: i64 = run.param("x")?;
    let c = (x * x * x) as f64;
    run.add_result("cube", c)?;
    Ok(c)
}

fn one_axis(t: &mut Trajectory) -> pet_core::Result<()> {
    t.add_parameter("x", 0i64, "")?;
    t.explore([("x", vals([1i64, 2, 3, 4, 5]))])
}

/// Two sweeps in one program in `Mode::Processes`, each with its own function
/// (and return type): every worker runs the function its sweep names. Also the
/// body of the workers this test starts.
#[test]
fn two_sweeps_in_processes_each_run_their_own_function() {
    pet_env::serve_workers(pet_env::WorkerFunctions::new().with(square).with(cube)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Processes(2)).worker_args(rerun_test(
        "two_sweeps_in_processes_each_run_their_own_function",
    ));
    let mut first = env.trajectory("squares", "", one_axis).unwrap();
    let a = env.run(&mut first, square).unwrap();
    assert_eq!(a.results, vec![(0, 1), (1, 4), (2, 9), (3, 16), (4, 25)]);
    let mut second = env.trajectory("cubes", "", one_axis).unwrap();
    let b = env.run(&mut second, cube).unwrap();
    assert_eq!(
        b.results,
        vec![(0, 1.0), (1, 8.0), (2, 27.0), (3, 64.0), (4, 125.0)]
    );
    let store: Arc<dyn Store> = pet_env::open_store(&url(dir.path())).unwrap();
    let mut back = Trajectory::load(store, "cubes", LoadSpec::all()).unwrap();
    assert_eq!(
        back.get_as::<f64>("results.runs.run_00000002.cube")
            .unwrap(),
        27.0
    );
    assert!(back.node("results.runs.run_00000002.sq").is_err());
}

/// A worker handed a sweep whose function it was not given refuses it, and the
/// sweep stops with an error saying what to pass, instead of running the wrong
/// function. Also the body of the workers this test starts.
#[test]
fn a_worker_without_the_sweeps_function_refuses_it_clearly() {
    pet_env::serve_if_worker(square).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), Mode::Processes(1)).worker_args(rerun_test(
        "a_worker_without_the_sweeps_function_refuses_it_clearly",
    ));
    let mut traj = env.trajectory("cubes", "", one_axis).unwrap();
    let e = env.run(&mut traj, cube).unwrap_err().to_string();
    assert!(
        e.contains("were not given this sweep's run function") && e.contains("cube"),
        "{e}"
    );
    assert!(e.contains("serve_workers"), "{e}");
    assert_eq!(traj.pending_runs().len(), 5, "nothing ran");
}

#[test]
fn closures_with_one_name_are_refused_as_worker_functions() {
    let e = pet_env::serve_workers(
        pet_env::WorkerFunctions::new()
            .with(|_: &mut pet_core::Run| Ok(1i64))
            .with(|_: &mut pet_core::Run| Ok(2i64)),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("same name"), "{e}");
}

/// Holds an exclusive lock on the SQLite file for `secs` from another process
/// (like a second writer in a long transaction); returns once it holds it.
fn lock_for(db: &Path, secs: f64) -> std::process::Child {
    use std::io::BufRead;
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys, time\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN EXCLUSIVE')\n\
             print('locked', flush=True)\n\
             time.sleep(float(sys.argv[2]))\n\
             c.execute('COMMIT')\n",
        )
        .arg(db)
        .arg(secs.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (installed by scripts/setup-debian.sh) locks the file");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    child
}

fn locked_sweep(dir: &Path, lock_secs: f64, retry: std::time::Duration) -> Result<usize, EnvError> {
    let db = dir.join("sweep.db");
    let url = format!("sqlite://{}?busy_timeout=0", db.display());
    let mut env = Environment::open(&url)
        .unwrap()
        .log_dir(Some(dir.join("logs")))
        .progress(false)
        .git(GitPolicy::Off)
        .store_retry(retry);
    let mut traj = env.trajectory("mult", "", grid).unwrap();
    let locker = std::sync::Mutex::new(None);
    let out = env.run(&mut traj, |run| {
        if run.index() < 2 {
            // Sequential mode hands a run under a millisecond over with the
            // runs after it; these two take longer, so each is stored before
            // run 2 takes the lock (not only when the machine happens to be slow).
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        if run.index() == 2 {
            *locker.lock().unwrap() = Some(lock_for(&db, lock_secs));
        }
        multiply(run)
    });
    if let Some(mut c) = locker.into_inner().unwrap() {
        c.wait().unwrap();
    }
    out.map(|r| r.results.len())
}

/// Another writer holds the file for a second: storing is retried with
/// backoff, and every run ends up stored.
#[test]
fn a_store_locked_for_a_while_is_retried_and_every_run_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let done = locked_sweep(dir.path(), 1.0, std::time::Duration::from_secs(30)).unwrap();
    assert_eq!(done, 12);
    check_stored(dir.path());
    let log = std::fs::read_to_string(dir.path().join("logs/mult.log")).unwrap();
    assert!(log.contains("retrying in"), "{log}");
}

/// Locked for longer than the retry time: the sweep stops with the first
/// store error, and the runs stored before the lock are kept.
#[test]
fn a_store_locked_past_the_retry_time_stops_the_sweep_with_the_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = locked_sweep(dir.path(), 2.5, std::time::Duration::from_millis(400)).unwrap_err();
    assert!(matches!(e, EnvError::StoreFailed { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("locked") || msg.contains("busy"), "{msg}");
    assert!(msg.contains("every run stored before is kept"), "{msg}");
    let store: Arc<dyn Store> = pet_env::open_store(&url(dir.path())).unwrap();
    let t = Trajectory::load(store, "mult", LoadSpec::default()).unwrap();
    let pending = t.pending_runs();
    assert!(
        !pending.contains(&0) && !pending.contains(&1),
        "runs stored before the lock are kept: pending {pending:?}"
    );
    assert!(pending.contains(&2), "{pending:?}");
}
