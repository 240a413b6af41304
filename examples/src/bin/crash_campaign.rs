//! The crash campaign (issue 18): proves that a sweep survives SIGKILL at any
//! moment, on every backend and in every mode, and prints a table of what it
//! found. It owns the child sweep it kills, the kill loop, the check of the
//! store after every kill and the table.
//!
//! `crash_campaign [--backends sqlite,hdf5,mongo] [--modes seq,threads,processes]
//! [--kills N] [--size small|large] [--runs R] [--kb K] [--min-ms A] [--max-ms B]
//! [--seed S] [--dir D] [--mongo-url mongodb://HOST:PORT/?directConnection=true]
//! [--mongo-runs R] [--kills-per-sweep K] [--finish-secs T]`
//!
//! For each backend × mode the parent starts fresh sweeps (a new store file or
//! MongoDB database each) and runs child attempts on them: each child runs in
//! its own process group, is killed with SIGKILL (the whole group, worker
//! processes too) after a random delay in [A, B] ms (log-uniform, so kills land
//! while the store is created in the first milliseconds, mid-sweep, at
//! checkpoints and while a resume recovers), and the parent then opens the
//! store itself, as a resume would, and checks it:
//! - *would not open*: the store or the trajectory fails to open (the sweep stops);
//! - *runs lost*: a run the child reported `stored` is pending or its results are wrong;
//! - *half-stored*: a completed run with missing or wrong results, or a pending
//!   run with result nodes;
//! - *re-run*: a run completed at an earlier check that a later attempt started again;
//! - *child errors*: a child that exited with an error, or the last attempt of
//!   a sweep (left to run) that did not finish within T s.
//!
//! A child that finishes ends the sweep (all R runs must be completed and
//! right) and the next sweep starts, until N kills were made. After K kills
//! in one sweep (default 8), and after the campaign's last kill, the next
//! attempt is not killed: it must finish the sweep within T s (default 300). The defaults
//! (`--size small`): 4000 runs of 4 KB, delays 2..3000 ms, 10 kills per
//! backend × mode; `--size large`: 20 000 runs of 16 KB (enough to evict
//! HDF5's metadata cache). `--mongo-runs` sets the runs of the MongoDB sweeps
//! (default: `--runs`): the Python test server (SecantusDB) slows down with
//! the size of a collection (400 runs store in 3 s, 4000 not in 120 s), so
//! that kills land mid-sweep there too. Exits non-zero when any failure count
//! is not zero.
//!
//! `crash_campaign child --url URL --mode seq|threads=K|processes=K --runs R --kb K --starts FILE`
//! is one attempt: it creates or resumes trajectory `crash` (parameter `x` =
//! 0..R), appends `start i` to FILE before computing run i, stores result
//! `data` (K·128 f64 values, `i·1e6 + j`) and `sum`, and prints `stored i`
//! for every run the Environment reports stored.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use pet::prelude::*;
use pet::storage::ReadSpec;
use pet::LeafData;
use pet_examples::{flag, number_flag, Rng};

/// The trajectory every sweep runs.
const TRAJ: &str = "crash";

fn main() -> Result<()> {
    pet::serve_if_worker(simulate)?;
    if std::env::args().nth(1).as_deref() == Some("child") {
        return child();
    }
    let cfg = Config::from_args()?;
    let rows = campaign(&cfg)?;
    println!("{}", table(&cfg, &rows));
    let failures: usize = rows.iter().map(|(_, _, t)| t.failures()).sum();
    if failures > 0 {
        eprintln!(
            "{failures} failures; the stores of failed sweeps are kept in {}",
            cfg.dir.display()
        );
        std::process::exit(1);
    }
    if let Err(e) = std::fs::remove_dir_all(&cfg.dir) {
        eprintln!("could not remove {}: {e}", cfg.dir.display());
    }
    Ok(())
}

// ---------------------------------------------------------------- the child

/// The `data` values of run `i`: `kb` KB of f64 (128 values per KB).
fn expected_data(i: usize, kb: usize) -> Vec<f64> {
    (0..kb * 128).map(|j| i as f64 * 1e6 + j as f64).collect()
}

/// The `--kb` of this process (worker processes get the same arguments).
fn kb() -> usize {
    static KB: OnceLock<usize> = OnceLock::new();
    *KB.get_or_init(|| number_flag("--kb", 4).unwrap_or(4))
}

/// Appends `start i` to the `--starts` file in one write (O_APPEND), so that
/// lines of concurrent worker processes never interleave.
fn note_start(i: usize) -> RunResult<()> {
    static FILE: OnceLock<std::result::Result<File, String>> = OnceLock::new();
    let file = FILE.get_or_init(|| {
        let path = flag("--starts")
            .map_err(|e| e.to_string())?
            .ok_or("the child needs --starts FILE")?;
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot open {path}: {e}"))
    });
    let mut file = file.as_ref().map_err(|e| e.clone())?;
    file.write_all(format!("start {i}\n").as_bytes())?;
    Ok(())
}

/// One run: notes its start, then stores `data` and `sum`.
fn simulate(run: &mut Run) -> RunResult<f64> {
    let i = usize::try_from(run.param::<i64>("x")?)?;
    note_start(i)?;
    let data = expected_data(i, kb());
    let sum: f64 = data.iter().sum();
    run.add_result("data", ndarray::Array1::from(data))?;
    run.add_result("sum", sum)?;
    Ok(sum)
}

/// `crash_campaign child ...`: one attempt at the sweep, to be killed.
fn child() -> Result<()> {
    let url = flag("--url")?.ok_or_else(|| anyhow!("child needs --url URL"))?;
    let runs: i64 = number_flag("--runs", 0)?;
    if runs <= 0 {
        bail!("child needs --runs R above 0");
    }
    flag("--starts")?.ok_or_else(|| anyhow!("child needs --starts FILE"))?;
    let mode = pet_examples::mode(Mode::Sequential)?;
    let mut env = Environment::open(&url)?
        .mode(mode)
        .git(GitPolicy::Off)
        .progress(false)
        .log_dir(None)
        .on_stored(|stored| {
            let mut out = std::io::stdout().lock();
            for i in stored {
                // A parent that stopped reading is no reason to stop storing.
                let _ = writeln!(out, "stored {i}");
            }
            let _ = out.flush();
        });
    let mut traj = env.trajectory(TRAJ, "the crash campaign's sweep", |t| {
        t.add_parameter("x", 0i64, "the run")?;
        t.explore([("x", vals(0..runs))])
    })?;
    let report = env.run(&mut traj, simulate)?;
    if let Some(f) = report.failed.first() {
        bail!(
            "{} runs failed, the first: {}",
            report.failed.len(),
            f.message
        );
    }
    Ok(())
}

// --------------------------------------------------------------- the parent

/// A store kind the campaign kills sweeps on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Sqlite,
    Hdf5,
    Mongo,
}

impl Backend {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "hdf5" if cfg!(feature = "hdf5") => Ok(Backend::Hdf5),
            "mongo" if cfg!(feature = "mongo") => Ok(Backend::Mongo),
            "hdf5" | "mongo" => bail!(
                "backend {s} is not compiled in: build with --features {s} \
                 (cargo run --release -p pet-examples --features hdf5,mongo --bin crash_campaign)"
            ),
            _ => bail!("--backends: unknown backend {s:?}; use sqlite, hdf5, mongo"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Hdf5 => "hdf5",
            Backend::Mongo => "mongo",
        }
    }

    /// The URL of sweep `id`'s fresh store, and its file if it has one.
    fn store(self, cfg: &Config, id: usize) -> Result<(String, Option<PathBuf>)> {
        let file = |ext: &str| cfg.dir.join(format!("sweep_{id}.{ext}"));
        Ok(match self {
            Backend::Sqlite => {
                let f = file("sqlite");
                (format!("sqlite://{}", f.display()), Some(f))
            }
            Backend::Hdf5 => {
                let f = file("h5");
                (format!("hdf5://{}", f.display()), Some(f))
            }
            Backend::Mongo => {
                let base = cfg.mongo_url.as_deref().ok_or_else(|| {
                    anyhow!(
                        "backend mongo needs --mongo-url mongodb://HOST:PORT/ (a throw-away \
                         server: bash scripts/mongo-test-server.sh)"
                    )
                })?;
                let db = format!("pet_crash_{}_{id}", std::process::id());
                (mongo_db_url(base, &db), None)
            }
        })
    }
}

/// `base` (`mongodb://host:port/?opts`) with database `db`.
fn mongo_db_url(base: &str, db: &str) -> String {
    let (base, query) = base.split_once('?').unwrap_or((base, ""));
    let base = base.trim_end_matches('/');
    // A base that names a database already gets ours instead.
    let base = match base.strip_prefix("mongodb://") {
        Some(rest) => match rest.split_once('/') {
            Some((host, _)) => format!("mongodb://{host}"),
            None => base.to_string(),
        },
        None => base.to_string(),
    };
    if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    }
}

/// What the campaign was asked to do.
struct Config {
    backends: Vec<Backend>,
    /// `(label, --mode value)` of each mode.
    modes: Vec<(String, String)>,
    kills: usize,
    /// Kills per sweep; then an attempt is left to finish.
    kills_per_sweep: usize,
    /// How long that attempt may take.
    finish_secs: u64,
    runs: usize,
    /// Runs of the MongoDB sweeps (the test server slows down with many runs).
    mongo_runs: usize,
    kb: usize,
    min_ms: f64,
    max_ms: f64,
    seed: u64,
    /// This campaign's own directory (removed when everything passed).
    dir: PathBuf,
    mongo_url: Option<String>,
}

impl Config {
    /// Runs per sweep on `backend`.
    fn runs(&self, backend: Backend) -> usize {
        match backend {
            Backend::Mongo => self.mongo_runs,
            _ => self.runs,
        }
    }

    fn from_args() -> Result<Self> {
        let (runs, kb) = match flag("--size")?.as_deref() {
            None | Some("small") => (4000, 4),
            Some("large") => (20_000, 16),
            Some(s) => bail!("--size {s}: use small or large"),
        };
        let runs = number_flag("--runs", runs)?;
        let kb = number_flag("--kb", kb)?;
        let mongo_url = flag("--mongo-url")?;
        let backends = match flag("--backends")? {
            Some(list) => list.split(',').map(Backend::parse).collect::<Result<_>>()?,
            None => {
                let mut all = vec![Backend::Sqlite];
                if cfg!(feature = "hdf5") {
                    all.push(Backend::Hdf5);
                }
                if cfg!(feature = "mongo") && mongo_url.is_some() {
                    all.push(Backend::Mongo);
                }
                all
            }
        };
        let modes = flag("--modes")?
            .unwrap_or_else(|| "seq,threads,processes".into())
            .split(',')
            .map(|m| {
                let value = match m {
                    "threads" => "threads=2".to_string(),
                    "processes" => "processes=2".to_string(),
                    other => other.to_string(),
                };
                pet_examples::parse_mode(&value)?;
                Ok((m.to_string(), value))
            })
            .collect::<Result<_>>()?;
        let min_ms: f64 = number_flag("--min-ms", 2.0)?;
        let max_ms: f64 = number_flag("--max-ms", 3000.0)?;
        if !(min_ms >= 1.0 && max_ms >= min_ms) {
            bail!("--min-ms and --max-ms: give 1 <= A <= B");
        }
        if runs == 0 || kb == 0 {
            bail!("--runs and --kb must be above 0");
        }
        let base = PathBuf::from(flag("--dir")?.unwrap_or_else(|| "results/crash".into()));
        let dir = base.join(format!("campaign_{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let dir = dir.canonicalize()?;
        Ok(Config {
            backends,
            modes,
            kills: number_flag("--kills", 10)?,
            kills_per_sweep: number_flag("--kills-per-sweep", 8)?,
            finish_secs: number_flag("--finish-secs", 300)?,
            runs,
            mongo_runs: number_flag("--mongo-runs", runs)?,
            kb,
            min_ms,
            max_ms,
            seed: number_flag("--seed", 1)?,
            dir,
            mongo_url,
        })
    }
}

/// What one backend × mode saw.
#[derive(Default, Debug)]
struct Tally {
    kills: usize,
    resumes: usize,
    sweeps_finished: usize,
    would_not_open: usize,
    runs_lost: usize,
    half_stored: usize,
    re_run: usize,
    child_errors: usize,
}

impl Tally {
    fn failures(&self) -> usize {
        self.would_not_open + self.runs_lost + self.half_stored + self.re_run + self.child_errors
    }
}

/// Sweeps in a row that may end without a kill before the campaign gives up
/// (its delays are longer than whole sweeps).
const MAX_UNKILLED_SWEEPS: usize = 20;

/// Every backend × mode in turn; the rows of the table.
fn campaign(cfg: &Config) -> Result<Vec<(Backend, String, Tally)>> {
    let mut rng = Rng::new(cfg.seed);
    let mut rows = Vec::new();
    let mut sweep_id = 0;
    for &backend in &cfg.backends {
        for (label, mode) in &cfg.modes {
            let mut tally = Tally::default();
            let mut unkilled = 0;
            while tally.kills < cfg.kills {
                sweep_id += 1;
                let kills = tally.kills;
                sweep(cfg, backend, mode, sweep_id, &mut rng, &mut tally)?;
                unkilled = if tally.kills == kills {
                    unkilled + 1
                } else {
                    0
                };
                if unkilled == MAX_UNKILLED_SWEEPS {
                    bail!(
                        "{} {label}: {MAX_UNKILLED_SWEEPS} sweeps in a row ended before any kill: \
                         lower --min-ms or raise --runs",
                        backend.name()
                    );
                }
            }
            eprintln!("{} {label}: {tally:?}", backend.name());
            rows.push((backend, label.clone(), tally));
        }
    }
    Ok(rows)
}

/// What the parent knows about one sweep across its attempts.
#[derive(Default)]
struct SweepState {
    /// Every run a child reported `stored`.
    reported: BTreeSet<usize>,
    /// The runs completed at the last check.
    completed: BTreeSet<usize>,
    lost: BTreeSet<usize>,
    half: BTreeSet<usize>,
    rerun: BTreeSet<usize>,
}

/// One sweep on a fresh store: child attempts, each killed or finishing,
/// each followed by a check, until it finishes, fails to open, or the kills
/// for this backend × mode are made.
fn sweep(
    cfg: &Config,
    backend: Backend,
    mode: &str,
    id: usize,
    rng: &mut Rng,
    tally: &mut Tally,
) -> Result<()> {
    let (url, file) = backend.store(cfg, id)?;
    let mut st = SweepState::default();
    let mut clean = true;
    let mut sweep_kills = 0;
    for attempt in 0.. {
        if attempt > 0 {
            tally.resumes += 1;
        }
        // The last attempt of a sweep is left to finish.
        let finishing = sweep_kills >= cfg.kills_per_sweep || tally.kills >= cfg.kills;
        let starts = cfg.dir.join(format!("sweep_{id}.{attempt}.starts"));
        let errors = cfg.dir.join(format!("sweep_{id}.{attempt}.stderr"));
        let delay = if finishing {
            Duration::from_secs(cfg.finish_secs)
        } else {
            log_uniform(rng, cfg.min_ms, cfg.max_ms)
        };
        let out = attempt_child(cfg, backend, &url, mode, &starts, &errors, delay)?;
        st.reported.extend(&out.stored);
        let started = read_starts(&starts)?;
        let what = if out.killed && finishing {
            tally.child_errors += 1;
            clean = false;
            let err = std::fs::read_to_string(&errors).unwrap_or_default();
            eprintln!(
                "{url}: the last attempt did not finish in {} s: {}",
                cfg.finish_secs,
                tail(&err, 2000)
            );
            format!("did not finish in {} s", cfg.finish_secs)
        } else if out.killed {
            tally.kills += 1;
            sweep_kills += 1;
            format!("killed after {} ms", delay.as_millis())
        } else if out.status.success() {
            "finished".to_string()
        } else {
            tally.child_errors += 1;
            clean = false;
            let err = std::fs::read_to_string(&errors).unwrap_or_default();
            eprintln!("child error ({}): {}", out.status, tail(&err, 2000));
            format!("failed ({})", out.status)
        };
        // A store file that was never created holds nothing to check (opening
        // it here would create it).
        let check_started = Instant::now();
        let checked = match &file {
            Some(f) if !f.exists() => Ok(Checked::default()),
            _ => check_store(&url, cfg.runs(backend), cfg.kb),
        };
        let c = match checked {
            Ok(c) => c,
            Err(e) => {
                tally.would_not_open += 1;
                eprintln!("{url}: would not open after attempt {attempt}: {e}");
                return Ok(());
            }
        };
        let completed: BTreeSet<usize> = c.right.union(&c.wrong).copied().collect();
        let lost = newly(&mut st.lost, st.reported.iter(), |i| !c.right.contains(i));
        let half = newly(
            &mut st.half,
            c.wrong.iter().chain(&c.pending_with_nodes),
            |i| !st.reported.contains(i),
        );
        let rerun = newly(&mut st.rerun, started.iter(), |i| st.completed.contains(i));
        tally.runs_lost += lost.len();
        tally.half_stored += half.len();
        tally.re_run += rerun.len();
        for (what, runs) in [
            ("reported stored and lost", &lost),
            ("half-stored", &half),
            ("completed before and run again", &rerun),
        ] {
            if !runs.is_empty() {
                eprintln!("{url}: {} runs {what}: {}", runs.len(), sample(runs));
            }
            for i in runs.iter().take(10) {
                if let Some(why) = c.why.get(i) {
                    eprintln!("  run {i}: {why}");
                }
            }
        }
        st.completed = completed;
        eprintln!(
            "{} {mode} sweep {id} attempt {attempt}: {what}; {} runs stored (checked in {:.2} s)",
            backend.name(),
            st.completed.len(),
            check_started.elapsed().as_secs_f64()
        );
        if finishing || !out.killed {
            if out.status.success() {
                tally.sweeps_finished += 1;
                let missing = newly(
                    &mut st.lost,
                    (0..cfg.runs(backend)).collect::<Vec<_>>().iter(),
                    |i| !c.right.contains(i),
                );
                tally.runs_lost += missing.len();
                if !missing.is_empty() {
                    eprintln!(
                        "{url}: {} runs not stored after the child finished: {}",
                        missing.len(),
                        sample(&missing)
                    );
                }
            }
            break;
        }
    }
    clean &= st.lost.is_empty() && st.half.is_empty() && st.rerun.is_empty();
    if clean {
        remove_sweep(cfg, id, &url, file.as_deref());
    }
    Ok(())
}

/// The runs of `candidates` for which `bad` holds that `seen` did not hold
/// yet (each failing run counts once per sweep); they are added to `seen`.
fn newly<'a>(
    seen: &mut BTreeSet<usize>,
    candidates: impl Iterator<Item = &'a usize>,
    bad: impl Fn(&usize) -> bool,
) -> Vec<usize> {
    let found: Vec<usize> = candidates.filter(|i| bad(i)).copied().collect();
    found.into_iter().filter(|&i| seen.insert(i)).collect()
}

/// The first few of `runs`, for a message.
fn sample(runs: &[usize]) -> String {
    let shown: Vec<String> = runs.iter().take(10).map(usize::to_string).collect();
    let more = if runs.len() > 10 { ", ..." } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Log-uniform in [min, max] ms: as many kills in 2..20 ms as in 300..3000 ms.
fn log_uniform(rng: &mut Rng, min: f64, max: f64) -> Duration {
    let ms = min * (max / min).powf(rng.uniform());
    Duration::from_secs_f64(ms / 1000.0)
}

/// How one child attempt ended.
struct Attempt {
    /// The runs it reported `stored`.
    stored: Vec<usize>,
    /// True when the SIGKILL ended it.
    killed: bool,
    status: ExitStatus,
}

/// Starts a child in its own process group, kills the group after `delay`
/// unless the child ended first, and collects its `stored i` lines.
fn attempt_child(
    cfg: &Config,
    backend: Backend,
    url: &str,
    mode: &str,
    starts: &Path,
    errors: &Path,
    delay: Duration,
) -> Result<Attempt> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .arg("child")
        .args(["--url", url, "--mode", mode])
        .args(["--runs", &cfg.runs(backend).to_string()])
        .args(["--kb", &cfg.kb.to_string()])
        .arg("--starts")
        .arg(starts)
        .current_dir(&cfg.dir)
        .env("PET_PROGRESS", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(File::create(errors)?)
        .process_group(0)
        .spawn()
        .context("starting a child")?;
    let pgid = child.id();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("no child stdout"))?;
    let reader = std::thread::spawn(move || -> Vec<usize> {
        BufReader::new(stdout)
            .lines()
            .map_while(|l| l.ok())
            .filter_map(|l| l.strip_prefix("stored ").and_then(|i| i.parse().ok()))
            .collect()
    });
    let start = Instant::now();
    let mut status = None;
    while start.elapsed() < delay {
        if let Some(s) = child.try_wait()? {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_micros(500).min(delay - start.elapsed().min(delay)));
    }
    // The whole group: worker processes die with their parent, as in a real crash
    // of the machine's power or an OOM kill of the job.
    let kill = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status()?;
    let status = match status {
        Some(s) => s,
        None => child.wait()?,
    };
    let killed = status.signal() == Some(9);
    if !killed && status.code().is_none() {
        bail!(
            "the child ended by signal {:?}, not the campaign's SIGKILL",
            status.signal()
        );
    }
    if killed && !kill.success() {
        bail!("kill -KILL -{pgid} failed, yet the child died of SIGKILL");
    }
    let stored = reader
        .join()
        .map_err(|_| anyhow!("the stdout reader panicked"))?;
    Ok(Attempt {
        stored,
        killed,
        status,
    })
}

/// The runs an attempt started, from its `start i` lines.
fn read_starts(path: &Path) -> Result<BTreeSet<usize>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .filter_map(|l| l.strip_prefix("start ").and_then(|i| i.parse().ok()))
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The end of `text`, at most `max` bytes.
fn tail(text: &str, max: usize) -> &str {
    let mut at = text.len().saturating_sub(max);
    while !text.is_char_boundary(at) {
        at += 1;
    }
    &text[at..]
}

/// Removes a sweep that passed: its store, its files.
fn remove_sweep(cfg: &Config, id: usize, url: &str, file: Option<&Path>) {
    if file.is_none() {
        if let Ok(store) = pet::open_store(url) {
            let _ = store.remove_trajectory(TRAJ);
        }
    }
    let prefix = format!("sweep_{id}.");
    if let Ok(entries) = std::fs::read_dir(&cfg.dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

// ---------------------------------------------------------- the store check

/// What the store held at one check.
#[derive(Default)]
struct Checked {
    /// Completed runs with exactly the right results.
    right: BTreeSet<usize>,
    /// Completed runs with missing, extra or wrong results.
    wrong: BTreeSet<usize>,
    /// Pending runs with result nodes.
    pending_with_nodes: BTreeSet<usize>,
    /// What was wrong with each run of `wrong` and `pending_with_nodes`.
    why: BTreeMap<usize, String>,
}

/// Opens the store as a resume would (read-write: a store may recover on
/// opening), loads the trajectory and checks every run's results; `Err`
/// when the store or the trajectory does not open.
fn check_store(url: &str, runs: usize, kb: usize) -> std::result::Result<Checked, String> {
    let store = pet::open_store(url).map_err(|e| format!("opening the store: {e}"))?;
    let mut traj = match Trajectory::load(store.clone(), TRAJ, LoadSpec::default()) {
        Ok(t) => t,
        // Killed before the trajectory was created: nothing is stored.
        Err(PetError::NoTrajectory(_)) => return Ok(Checked::default()),
        Err(e) => return Err(format!("loading the trajectory: {e}")),
    };
    traj.load_parameters()
        .map_err(|e| format!("loading the parameters: {e}"))?;
    if traj.len() != runs {
        return Err(format!(
            "the trajectory has {} runs, not {runs}",
            traj.len()
        ));
    }
    // A killed client's last requests may still reach the server while this
    // check reads (a MongoDB server works through what it received), and no
    // store offers one snapshot of runs and nodes. So the reads are ordered:
    // the nodes, then the run table, then the nodes again. Nothing un-completes
    // a run and a run's nodes become visible with its completion, so a run
    // pending in the table must have had no visible node in the first read,
    // and a completed run must have all its nodes in the second.
    let before = nodes_by_run(store.as_ref())?;
    let infos = store
        .read_runs(TRAJ)
        .map_err(|e| format!("reading the run table: {e}"))?;
    let mut by_run = nodes_by_run(store.as_ref())?;
    let mut c = Checked::default();
    for info in &infos {
        let i = info.index;
        let nodes = by_run.remove(&i).unwrap_or_default();
        if !info.completed {
            if let Some(seen) = before.get(&i).filter(|n| !n.is_empty()) {
                let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
                c.why
                    .insert(i, format!("pending, with result nodes {names:?}"));
                c.pending_with_nodes.insert(i);
            }
            continue;
        }
        let names: Vec<&str> = nodes.iter().map(|(n, _)| n.as_str()).collect();
        let names = format!("completed, with result nodes {names:?} (wrong or missing)");
        if results_are_right(i, kb, nodes) {
            c.right.insert(i);
        } else {
            c.why.insert(i, names);
            c.wrong.insert(i);
        }
    }
    // Nodes of runs the trajectory does not have are half-stored too.
    c.pending_with_nodes.extend(by_run.into_keys());
    Ok(c)
}

/// Every result node with its data, in one read, by run.
fn nodes_by_run(store: &dyn Store) -> std::result::Result<RunNodes, String> {
    let nodes = store
        .read_nodes(TRAJ, "results.runs", ReadSpec::DATA)
        .map_err(|e| format!("reading the result nodes: {e}"))?;
    let mut by_run = RunNodes::new();
    for n in nodes {
        if let Some((i, rest)) = run_of(&n.path) {
            by_run
                .entry(i)
                .or_default()
                .push((rest.to_string(), n.node.data));
        }
    }
    Ok(by_run)
}

/// Result nodes by run: the part of the path after the run, and the data.
type RunNodes = BTreeMap<usize, Vec<(String, Option<LeafData>)>>;

/// `results.runs.run_00000042.data` → `(42, "data")`; the run's group itself
/// (`(42, "")`) counts as a node of the run.
fn run_of(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("results.runs.run_")?;
    let (num, tail) = rest.split_once('.').unwrap_or((rest, ""));
    Some((num.parse().ok()?, tail))
}

/// Run `i`'s result nodes are `data` and `sum` (besides its group), holding
/// exactly what the simulation computed.
fn results_are_right(i: usize, kb: usize, nodes: Vec<(String, Option<LeafData>)>) -> bool {
    let data = expected_data(i, kb);
    let sum: f64 = data.iter().sum();
    let mut want = BTreeMap::from([
        ("data".to_string(), Value::from(ndarray::Array1::from(data))),
        ("sum".to_string(), Value::from(sum)),
    ]);
    for (name, leaf) in nodes {
        if name.is_empty() {
            continue;
        }
        let Some(expected) = want.remove(&name) else {
            return false;
        };
        let item = match leaf {
            Some(LeafData::Result { mut items }) => items.remove(&name),
            _ => None,
        };
        if item != Some(expected) {
            return false;
        }
    }
    want.is_empty()
}

// ---------------------------------------------------------------- the table

/// The markdown table of every backend × mode.
fn table(cfg: &Config, rows: &[(Backend, String, Tally)]) -> String {
    let mut s = String::from(
        "| backend | mode | runs × KB | kills | resumes | would not open | runs lost | half-stored | re-run | child errors | sweeps finished |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (backend, mode, t) in rows {
        s.push_str(&format!(
            "| {} | {mode} | {} × {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            backend.name(),
            cfg.runs(*backend),
            cfg.kb,
            t.kills,
            t.resumes,
            t.would_not_open,
            t.runs_lost,
            t.half_stored,
            t.re_run,
            t.child_errors,
            t.sweeps_finished
        ));
    }
    s
}
