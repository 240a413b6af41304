//! The Environment on every compiled-in backend, through one fixture list
//! (memory, SQLite, and with their features HDF5 and MongoDB): sweeps in every
//! mode are stored, resumed, expanded and resumed as they are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{grid, multiply};
use std::sync::Arc;

use pet_core::{vals, LoadSpec, Store, Trajectory};
use pet_env::{Environment, GitPolicy, Mode};

/// One store location under test; `open` gives a handle on the same store.
struct Fixture {
    name: &'static str,
    open: Box<dyn Fn() -> Arc<dyn Store>>,
    dir: tempfile::TempDir,
}

fn file(name: &'static str, scheme: &str, file: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{scheme}://{}", dir.path().join(file).display());
    Fixture {
        name,
        open: Box::new(move || pet_env::open_store(&url).unwrap()),
        dir,
    }
}

/// Every backend this build has, each on a fresh store.
fn fixtures() -> Vec<Fixture> {
    let memory: Arc<dyn Store> = Arc::new(pet_core::MemoryStore::new());
    #[allow(unused_mut)]
    let mut out = vec![
        Fixture {
            name: "memory",
            open: Box::new(move || memory.clone()),
            dir: tempfile::tempdir().unwrap(),
        },
        file("sqlite", "sqlite", "sweep.db"),
    ];
    #[cfg(feature = "hdf5")]
    out.push(file("hdf5", "hdf5", "sweep.h5"));
    #[cfg(feature = "mongo")]
    {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scripts/mongo-test-server.sh");
        let uri = pet_core::testkit::mongo_server::server_uri(&script);
        let db = format!(
            "pet_env_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let base = uri
            .split('?')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .to_string();
        let query = uri
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        let url = format!("{base}/{db}{query}");
        out.push(Fixture {
            name: "mongo",
            open: Box::new(move || pet_env::open_store(&url).unwrap()),
            dir: tempfile::tempdir().unwrap(),
        });
    }
    out
}

impl Fixture {
    fn env(&self, mode: Mode) -> Environment {
        Environment::with_store((self.open)())
            .mode(mode)
            .log_dir(Some(self.dir.path().join("logs")))
            .progress(false)
            .git(GitPolicy::Off)
    }

    fn reload(&self, name: &str) -> Trajectory {
        Trajectory::load((self.open)(), name, LoadSpec::all()).unwrap()
    }
}

/// Runs `case` on every fixture; a failure names the backend.
fn on_every_backend(case: impl Fn(&Fixture)) {
    let mut ran = Vec::new();
    for fx in fixtures() {
        eprintln!("backend {}", fx.name);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&fx)));
        if outcome.is_err() {
            panic!("the case failed on the {} backend", fx.name);
        }
        ran.push(fx.name);
    }
    let mut want = vec!["memory", "sqlite"];
    if cfg!(feature = "hdf5") {
        want.push("hdf5");
    }
    if cfg!(feature = "mongo") {
        want.push("mongo");
    }
    assert_eq!(ran, want);
}

fn check_products(t: &mut Trajectory, n: usize) {
    assert!(t.pending_runs().is_empty());
    for i in 0..n {
        let x = t
            .param_value_at("x", i)
            .unwrap()
            .as_scalar()
            .unwrap()
            .as_f64()
            .unwrap();
        let y = t
            .param_value_at("y", i)
            .unwrap()
            .as_scalar()
            .unwrap()
            .as_f64()
            .unwrap();
        let z: i64 = t.get_as(&format!("results.runs.run_{i:08}.z")).unwrap();
        assert_eq!(z, (x * y) as i64, "run {i}");
    }
}

#[test]
fn every_mode_stores_every_run_and_a_second_run_does_nothing() {
    on_every_backend(|fx| {
        for (k, mode) in [Mode::Sequential, Mode::Threads(3)].into_iter().enumerate() {
            let name = format!("grid{k}");
            let mut env = fx.env(mode);
            let mut traj = env.trajectory(&name, "", grid).unwrap();
            let report = env.run(&mut traj, multiply).unwrap();
            assert_eq!(report.results.len(), 12);
            check_products(&mut fx.reload(&name), 12);
            let mut again = env.trajectory(&name, "", grid).unwrap();
            let report = env.run(&mut again, multiply).unwrap();
            assert!(report.results.is_empty());
            assert_eq!(report.already_done, 12);
        }
    });
}

#[test]
fn an_interrupted_sweep_resumes_only_the_missing_points() {
    on_every_backend(|fx| {
        let mut env = fx.env(Mode::Threads(2));
        let mut traj = env.trajectory("grid", "", grid).unwrap();
        let report = env
            .run(&mut traj, |run| {
                if run.index() >= 7 {
                    return Err("interrupted".into());
                }
                multiply(run)
            })
            .unwrap();
        assert_eq!(report.failed.len(), 5);
        assert_eq!(fx.reload("grid").pending_runs(), vec![7, 8, 9, 10, 11]);
        let mut traj = env.trajectory("grid", "", grid).unwrap();
        let report = env.run(&mut traj, multiply).unwrap();
        let ran: Vec<usize> = report.results.iter().map(|(i, _)| *i).collect();
        assert_eq!(ran, vec![7, 8, 9, 10, 11]);
        check_products(&mut fx.reload("grid"), 12);
    });
}

#[test]
fn an_expanded_sweep_resumes_as_stored() {
    on_every_backend(|fx| {
        let setup = |t: &mut Trajectory| {
            t.add_parameter("x", 0.0, "")?;
            t.explore([("x", vals([0.0, 1.0, 2.0, 3.0]))])
        };
        let mut env = fx.env(Mode::Threads(2));
        let mut traj = env.trajectory("adaptive", "", setup).unwrap();
        env.run_with(
            &mut traj,
            |run| {
                let x: f64 = run.param("x")?;
                run.add_result("f", -x * x)?;
                Ok(())
            },
            |t, _| {
                if t.len() < 10 {
                    let next = t.len() as f64;
                    t.expand([("x", vals([next, next + 0.5]))])?;
                }
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(fx.reload("adaptive").len(), 10);
        // The program sets up 4 points; the store holds 10: resumed as stored.
        let mut traj = env.trajectory("adaptive", "", setup).unwrap();
        assert_eq!(traj.len(), 10);
        let report = env.run(&mut traj, |_| Ok(())).unwrap();
        assert!(report.results.is_empty());
        assert_eq!(report.already_done, 10);
        // Points that differ are still refused.
        let e = env
            .trajectory("adaptive", "", |t| {
                t.add_parameter("x", 0.0, "")?;
                t.explore([("x", vals([0.0, 9.0]))])
            })
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("point 1 of parameters.x"), "{e}");
    });
}

#[test]
fn with_storing_off_runs_wait_for_the_program() {
    on_every_backend(|fx| {
        let mut env = fx.env(Mode::Threads(2)).store_each_run(false);
        let mut traj = env.trajectory("grid", "", grid).unwrap();
        env.run(&mut traj, multiply).unwrap();
        assert_eq!(fx.reload("grid").pending_runs().len(), 12);
        traj.store().unwrap();
        check_products(&mut fx.reload("grid"), 12);
    });
}

/// Worker processes on every backend (the parent stores, so every backend
/// works). Also the body of the workers this test starts.
#[test]
fn worker_processes_on_every_backend() {
    pet_env::serve_if_worker(multiply).unwrap();
    on_every_backend(|fx| {
        let mut env = fx.env(Mode::Processes(2)).worker_args(
            [
                "worker_processes_on_every_backend",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ]
            .map(String::from)
            .to_vec(),
        );
        let mut traj = env.trajectory("grid", "", grid).unwrap();
        let report = env.run(&mut traj, multiply).unwrap();
        assert_eq!(report.results.len(), 12);
        check_products(&mut fx.reload("grid"), 12);
    });
}
