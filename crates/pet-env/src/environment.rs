//! The [`Environment`]: opens the store, sets up or resumes a trajectory, and
//! runs a function at every pending point with storing, logging, progress,
//! post-processing and provenance.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::de::DeserializeOwned;
use serde::Serialize;

use pet_core::{ClaimRequest, Claimed, LoadSpec, PetError, Run, RunRecord, Store, Trajectory};

use crate::error::{EnvError, RunResult};
use crate::execute::Outcome;
use crate::executor::{with_executor, Executor};
use crate::logging::{self, LogLevel, RunLog};
use crate::open::open_store;
use crate::options::{EnvOptions, GitPolicy, Mode};
use crate::provenance;
use crate::queue::Snapshot;
use crate::reconcile::reconcile;
use crate::share::{self, Keeper, Sweep};
use crate::worker::is_worker_process;

/// A run that failed.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedRun {
    /// Run index.
    pub index: usize,
    /// Its parameter summary (`x=1, y=6`).
    pub summary: String,
    /// The error or panic message.
    pub message: String,
}

/// What one call of [`Environment::run`] did.
#[derive(Debug)]
pub struct RunReport<T> {
    /// `(index, value)` of every run executed and stored in this call, by index.
    pub results: Vec<(usize, T)>,
    /// Runs that failed (they stay pending; running again retries them).
    pub failed: Vec<FailedRun>,
    /// Runs already completed before this call (not run again).
    pub already_done: usize,
    /// Runs other copies of the program sharing the store completed during this call.
    pub done_elsewhere: usize,
    /// Runs executed here that another copy had stored first (its copy is kept;
    /// happens when a lease expired while a run was still running).
    pub duplicates: usize,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Runs simulations over a trajectory; see the crate docs for an example.
pub struct Environment {
    store: Arc<dyn Store>,
    opts: EnvOptions,
}

impl Environment {
    /// Opens the store a URL names (see [`open_store`]).
    ///
    /// Refused in a worker process started by [`Mode::Processes`]: such a
    /// program must call [`crate::serve_if_worker`] at the top of `main`.
    pub fn open(url: &str) -> Result<Self, EnvError> {
        refuse_in_worker()?;
        Ok(Self::with_store(open_store(url)?))
    }

    /// Uses an already opened store.
    pub fn with_store(store: Arc<dyn Store>) -> Self {
        Environment {
            store,
            opts: EnvOptions::default(),
        }
    }

    /// The store runs are stored in.
    pub fn store_handle(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Sets every option at once.
    pub fn options(mut self, opts: EnvOptions) -> Self {
        self.opts = opts;
        self
    }

    /// The current options.
    pub fn current_options(&self) -> &EnvOptions {
        &self.opts
    }

    /// Execution mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.opts.mode = mode;
        self
    }

    /// Store each run as it finishes (default), or keep runs in memory for the
    /// program to store with `Trajectory::store`.
    pub fn store_each_run(mut self, yes: bool) -> Self {
        self.opts.store_each_run = yes;
        self
    }

    /// Stop at the first failing run instead of going on (default: go on).
    pub fn stop_on_error(mut self, yes: bool) -> Self {
        self.opts.stop_on_error = yes;
        self
    }

    /// Show a progress bar on a terminal (default: yes).
    pub fn progress(mut self, yes: bool) -> Self {
        self.opts.progress = yes;
        self
    }

    /// Log directory (default `logs`); `None` disables log files.
    pub fn log_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.opts.log_dir = dir;
        self
    }

    /// How much goes into the log files and, unless `RUST_LOG` says
    /// otherwise, the console: [`LogLevel::Info`] (the default) logs each
    /// sweep's start, summary and errors; [`LogLevel::Debug`] adds one line
    /// per finished run.
    pub fn log_level(mut self, level: LogLevel) -> Self {
        self.opts.log_level = level;
        self
    }

    /// Git policy (default: record the commit if in a repository).
    pub fn git(mut self, policy: GitPolicy) -> Self {
        self.opts.git = policy;
        self
    }

    /// How long storing is retried after a transient store failure before the
    /// sweep stops (default 60 s; `PET_STORE_RETRY_SECS` overrides it).
    pub fn store_retry(mut self, limit: std::time::Duration) -> Self {
        self.opts.store_retry = limit;
        self
    }

    /// Claim runs so that copies of this program on one store share the sweep
    /// (default: yes); see [`EnvOptions::share`].
    pub fn share(mut self, yes: bool) -> Self {
        self.opts.share = yes;
        self
    }

    /// How long a claim on a run lasts without renewal (default 60 s;
    /// `PET_LEASE_SECS` overrides it).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.opts.lease = lease;
        self
    }

    /// Calls `f` with the indices of the runs this Environment just stored, after
    /// each successful store, in every mode (runs other copies stored first are left out).
    pub fn on_stored(mut self, f: impl Fn(&[usize]) + Send + Sync + 'static) -> Self {
        self.opts.on_stored = Some(crate::options::OnStored::new(f));
        self
    }

    /// Arguments worker processes get (default: this program's arguments).
    pub fn worker_args(mut self, args: Vec<String>) -> Self {
        self.opts.worker_args = Some(args);
        self
    }

    /// The trajectory `name`: created with `setup` if the store lacks it, else
    /// loaded and checked against what `setup` builds. If the program now explores
    /// more points after the stored ones, the stored trajectory is expanded; any
    /// other difference is an error. This is how an interrupted sweep resumes:
    /// run the same program again.
    pub fn trajectory(
        &mut self,
        name: &str,
        comment: &str,
        setup: impl FnOnce(&mut Trajectory) -> pet_core::Result<()>,
    ) -> Result<Trajectory, EnvError> {
        refuse_in_worker()?;
        let store = self.store.clone();
        let mut fresh = Trajectory::new(name)?;
        fresh.set_description(comment);
        setup(&mut fresh)?;
        let join = |store: Arc<dyn Store>, fresh: &Trajectory| -> Result<Trajectory, EnvError> {
            let mut stored = Trajectory::load(store, name, LoadSpec::default())?;
            stored.load_parameters()?;
            reconcile(&mut stored, fresh)?;
            Ok(stored)
        };
        match store.info(name) {
            Ok(_) => join(store, &fresh),
            Err(PetError::NoTrajectory(_)) => match fresh.store_to(store.clone()) {
                Ok(()) => Ok(fresh),
                // Another copy of the program created it first: join it once it
                // is whole (or create it, if that copy died while creating it).
                Err(PetError::TrajectoryExists(_)) => {
                    if wait_until_visible(&store, &mut fresh, self.opts.store_retry)? {
                        Ok(fresh)
                    } else {
                        join(store, &fresh)
                    }
                }
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Runs `f` at every pending point of `traj`; see [`Environment::run_with`].
    pub fn run<T, F>(&mut self, traj: &mut Trajectory, f: F) -> Result<RunReport<T>, EnvError>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Fn(&mut Run) -> RunResult<T> + Sync,
    {
        self.run_with(traj, f, |_, _| Ok(()))
    }

    /// Runs `f` at every pending point of `traj`, one run after another: `f`
    /// may change what it captures (`FnMut`: a seeded random generator, a
    /// counter, a buffer reused between runs). Only [`Mode::Sequential`]
    /// runs this way; other modes run several runs at once and need
    /// [`Environment::run`]'s `Fn + Sync`.
    pub fn run_mut<T, F>(&mut self, traj: &mut Trajectory, f: F) -> Result<RunReport<T>, EnvError>
    where
        T: Serialize + DeserializeOwned + Send,
        F: FnMut(&mut Run) -> RunResult<T> + Send,
    {
        if self.opts.mode != Mode::Sequential {
            return Err(EnvError::Config(format!(
                "run_mut runs one run at a time, in Mode::Sequential; {:?} runs several at once: \
                 pass a function without mutable state (Fn + Sync) to Environment::run",
                self.opts.mode
            )));
        }
        // Runs execute on this thread one after another: the lock is never contended.
        let f = std::sync::Mutex::new(f);
        self.run(traj, move |run| {
            let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
            (*f)(run)
        })
    }

    /// Runs `f` at every pending point of `traj` and calls `post` with each batch
    /// of finished runs while the others continue; `post` may expand the
    /// trajectory, and the new points are run too (adaptive exploration).
    pub fn run_with<T, F, P>(
        &mut self,
        traj: &mut Trajectory,
        f: F,
        post: P,
    ) -> Result<RunReport<T>, EnvError>
    where
        T: Serialize + DeserializeOwned + Send,
        F: Fn(&mut Run) -> RunResult<T> + Sync,
        P: FnMut(&mut Trajectory, &[(usize, T)]) -> RunResult<()>,
    {
        refuse_in_worker()?;
        crate::executor::check(&self.opts.mode)?;
        logging::init_console(self.opts.log_level);
        let log = RunLog::open(
            self.opts.log_dir.as_deref(),
            traj.name(),
            self.opts.log_level,
        )?;
        let dir = match &self.opts.git_dir {
            Some(d) => d.clone(),
            None => std::env::current_dir().map_err(|e| EnvError::io("no working directory", e))?,
        };
        let git = provenance::git_state(&dir, &self.opts.git, traj.name())?;
        let mode = format!("{:?}", self.opts.mode);
        let session = provenance::record_session(traj, git.as_ref(), &mode)?;
        if traj.store_handle().is_some() {
            traj.load_parameters()?;
            traj.store()?;
        }
        let function = crate::worker::function_key::<F, T>();
        let mut coord = Coordinator::new(traj, &self.opts, &log, post, function)?;
        let outcome = with_executor(&self.opts, &f, |d| coord.drive(d)).and_then(|r| r);
        coord.end_claims();
        let Coordinator {
            report, progress, ..
        } = coord;
        progress.finish_and_clear();
        let mut report = report;
        report.results.sort_by_key(|(i, _)| *i);
        // Closing the session stores too; when the sweep already failed, that
        // error is the one to report, and a second failure is only logged.
        let closed = provenance::finish_session(
            traj,
            &session,
            report.results.len() as u64,
            report.failed.len() as u64,
        )
        .and_then(|()| {
            if self.opts.store_each_run && traj.store_handle().is_some() {
                traj.store()?;
            }
            Ok(())
        });
        match (&outcome, closed) {
            (Err(_), Err(e)) => log.error(&format!("closing the session also failed: {e}")),
            (Ok(_), Err(e)) => return Err(e),
            _ => {}
        }
        let elsewhere = if report.done_elsewhere + report.duplicates > 0 {
            format!(
                ", {} done by other copies meanwhile ({} run here too, their copies kept)",
                report.done_elsewhere, report.duplicates
            )
        } else {
            String::new()
        };
        let summary = format!(
            "{}: {} runs done, {} failed, {} were done before{elsewhere}, {:.1} s",
            traj.name(),
            report.results.len(),
            report.failed.len(),
            report.already_done,
            report.seconds
        );
        if report.failed.is_empty() {
            log.notice(&summary);
        } else {
            let where_ = log
                .error_path()
                .map(|p| format!(" (details in {})", p.display()))
                .unwrap_or_default();
            log.error(&format!("{summary}{where_}"));
        }
        outcome?;
        Ok(report)
    }
}

/// Most runs stored in one call.
const MAX_BATCH_RUNS: usize = 1000;

/// Most runs claimed at once.
const MAX_CLAIM_RUNS: usize = 1000;

/// About this much work (per worker) is claimed at once.
const CLAIM_WORK: Duration = Duration::from_millis(500);

/// Where claiming stands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ClaimState {
    /// Claim when the runs in flight run low.
    Open,
    /// Every wanted pending run holds a live lease: look again at this time,
    /// or as soon as this copy's own runs are done if `busy` (some of the
    /// leases were its own runs in flight).
    Wait { at: Instant, busy: bool },
    /// No pending run is left that this copy wants.
    Done,
}

/// This copy's part in a sweep shared through claims.
struct Claiming {
    keeper: Keeper,
    store: Arc<dyn Store>,
    worker: String,
    lease: Duration,
    /// Runs that failed here: this copy does not take them again.
    skip: BTreeSet<usize>,
    parallelism: usize,
    /// Runs per claim, adapted to the runs' duration.
    batch: usize,
    state: ClaimState,
    /// The last pause between empty claims.
    waited: Duration,
    work_seconds: f64,
    work_runs: usize,
}

impl Claiming {
    /// How long to wait before looking again for runs others hold: 10 ms
    /// after the first empty claim, doubling up to a quarter of the lease
    /// (at most 1 s), so a copy ends soon after the others finish.
    fn poll(&mut self) -> Duration {
        let most = (self.lease / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        self.waited = (self.waited * 2).clamp(Duration::from_millis(10), most);
        self.waited
    }

    /// Learns the runs' duration and sizes the next claims to about
    /// [`CLAIM_WORK`] per worker (0-ms runs come in large batches).
    fn learn(&mut self, runtime: Option<f64>) {
        if let Some(t) = runtime {
            self.work_seconds += t.max(0.0);
            self.work_runs += 1;
        }
        let mean = self.work_seconds / self.work_runs.max(1) as f64;
        let per_worker = if mean > 0.0 {
            (CLAIM_WORK.as_secs_f64() / mean).ceil() as usize
        } else {
            MAX_CLAIM_RUNS
        };
        self.batch = (per_worker.saturating_mul(self.parallelism))
            .clamp(2 * self.parallelism, MAX_CLAIM_RUNS);
    }
}

/// The coordinator: receives outcomes, stores them, logs, calls post-processing,
/// schedules points added by expansion, and claims runs when the sweep is shared.
struct Coordinator<'a, T, P> {
    traj: &'a mut Trajectory,
    opts: &'a EnvOptions,
    log: &'a RunLog,
    post: P,
    report: RunReport<T>,
    progress: ProgressBar,
    scheduled: usize,
    snapshot: Arc<Snapshot>,
    started: std::time::Instant,
    claims: Option<Claiming>,
}

impl<'a, T, P> Coordinator<'a, T, P>
where
    P: FnMut(&mut Trajectory, &[(usize, T)]) -> RunResult<()>,
{
    fn new(
        traj: &'a mut Trajectory,
        opts: &'a EnvOptions,
        log: &'a RunLog,
        post: P,
        function: String,
    ) -> Result<Self, EnvError> {
        let pending = traj.pending_runs();
        let already_done = traj.len() - pending.len();
        // Under MPI with every rank storing its own runs, rank 0 alone draws the bar.
        let progress = if opts.progress && on_rank_zero() {
            let bar = ProgressBar::with_draw_target(
                Some(pending.len() as u64),
                ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs ({per_sec}, ETA {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        let snapshot = Arc::new(Snapshot {
            version: 1,
            function,
            traj: traj.base_snapshot()?,
        });
        let claims = match traj.store_handle() {
            Some(store) if opts.share && opts.store_each_run => {
                let lease = share::lease(opts.lease)?;
                let worker = share::worker_id();
                let parallelism = opts.mode.parallelism();
                let keeper = Keeper::start(Sweep {
                    store: store.clone(),
                    traj: traj.name().to_string(),
                    worker: worker.clone(),
                    lease,
                    progress: progress.clone(),
                    done_before: already_done,
                });
                Some(Claiming {
                    keeper,
                    store: store.clone(),
                    worker,
                    lease,
                    skip: BTreeSet::new(),
                    parallelism,
                    batch: 2 * parallelism,
                    state: ClaimState::Open,
                    waited: Duration::ZERO,
                    work_seconds: 0.0,
                    work_runs: 0,
                })
            }
            _ => None,
        };
        log.notice(&format!(
            "{}: {} runs to do ({} already done)",
            traj.name(),
            pending.len(),
            already_done
        ));
        Ok(Coordinator {
            scheduled: traj.len(),
            traj,
            opts,
            log,
            post,
            report: RunReport {
                results: Vec::new(),
                failed: Vec::new(),
                already_done,
                done_elsewhere: 0,
                duplicates: 0,
                seconds: 0.0,
            },
            progress,
            snapshot,
            started: std::time::Instant::now(),
            claims,
        })
    }

    fn drive(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        let result = if self.claims.is_some() {
            self.receive_claimed(d)
        } else {
            for i in self.traj.pending_runs() {
                d.submit(self.traj.point_values(i)?, &self.snapshot);
            }
            self.receive_all(d)
        };
        self.report.seconds = self.started.elapsed().as_secs_f64();
        result
    }

    fn receive_all(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        let mut stop: Option<EnvError> = None;
        while let Some((first, bytes)) = d.recv() {
            self.receive_batch(d, first, bytes, &mut stop)?;
        }
        stop.map_or(Ok(()), Err)
    }

    /// The shared sweep: claims batches of pending runs while the runs in
    /// flight run low, until no pending run is left that this copy wants
    /// (runs that other live copies hold are waited for: their leases may expire).
    fn receive_claimed(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        let mut stop: Option<EnvError> = None;
        loop {
            if stop.is_none() {
                self.claim_more(d)?;
            }
            if let Some(c) = &self.claims {
                if let Some(e) = c.keeper.take_error() {
                    self.log.error(&format!(
                        "renewing the leases on this copy's runs failed ({e}); other copies may run them too"
                    ));
                }
            }
            match d.recv() {
                Some((first, bytes)) => self.receive_batch(d, first, bytes, &mut stop)?,
                None => {
                    let state = self.claims.as_ref().map(|c| c.state);
                    match state {
                        _ if stop.is_some() => break,
                        Some(ClaimState::Wait { at, busy: false }) => {
                            std::thread::sleep(at.saturating_duration_since(Instant::now()));
                        }
                        Some(ClaimState::Wait { busy: true, .. }) => {}
                        Some(ClaimState::Open) => {}
                        Some(ClaimState::Done) | None => break,
                    }
                }
            }
        }
        stop.map_or(Ok(()), Err)
    }

    /// Claims more runs when fewer than half a batch are in flight.
    fn claim_more(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        let below = self.traj.len();
        let name = self.traj.name().to_string();
        let Some(c) = self.claims.as_mut() else {
            return Ok(());
        };
        let in_flight = c.keeper.in_flight();
        match c.state {
            ClaimState::Done => return Ok(()),
            // Its own runs, in flight when the claim came back empty, are done: look now.
            ClaimState::Wait { busy: true, .. } if in_flight == 0 => {}
            ClaimState::Wait { at, .. } if Instant::now() < at => return Ok(()),
            _ if in_flight > c.batch / 2 => return Ok(()),
            _ => {}
        }
        let now = pet_core::now();
        let req = ClaimRequest {
            worker: &c.worker,
            max: c.batch.saturating_sub(in_flight).max(1),
            below,
            skip: &c.skip,
            now,
            until: now + c.lease.as_secs_f64(),
            gone: Some(share::gone),
        };
        let store = c.store.clone();
        let claimed = crate::retry::store_with_retry(
            crate::retry::bound(self.opts.store_retry),
            self.log,
            &store.location(),
            "claiming runs",
            || store.claim_runs(&name, &req),
        )?;
        match claimed {
            Claimed::Runs(runs) => {
                c.keeper.hold(&runs);
                c.state = ClaimState::Open;
                c.waited = Duration::ZERO;
                for i in runs {
                    d.submit(self.traj.point_values(i)?, &self.snapshot);
                }
            }
            Claimed::Wait => {
                let pause = c.poll();
                c.state = ClaimState::Wait {
                    at: Instant::now() + pause,
                    busy: in_flight > 0,
                }
            }
            Claimed::Done => c.state = ClaimState::Done,
        }
        Ok(())
    }

    /// Ends this copy's claims on runs it did not store (cancelled, refused,
    /// interrupted), so other copies take them at once instead of after the
    /// lease, and counts the runs other copies completed meanwhile.
    fn end_claims(&mut self) {
        let Some(c) = self.claims.take() else {
            return;
        };
        let name = self.traj.name().to_string();
        let held = c.keeper.held();
        if let Err(e) = c.store.release_claims(&name, &c.worker, &held) {
            self.log.error(&format!(
                "releasing the claims on {} runs failed ({e}); other copies take them when the lease ends",
                held.len()
            ));
        }
        drop(c.keeper);
        if let Ok(counts) = c.store.run_counts(&name) {
            self.report.done_elsewhere = counts
                .completed
                .saturating_sub(self.report.already_done)
                .saturating_sub(self.report.results.len());
        }
    }

    /// Handles one received outcome and whatever else has finished: stores
    /// the finished runs in one call, logs failures, calls post-processing.
    fn receive_batch(
        &mut self,
        d: &mut dyn Executor<T>,
        first: Outcome<T>,
        mut bytes: usize,
        stop: &mut Option<EnvError>,
    ) -> Result<(), EnvError> {
        // Whatever else has finished joins the batch, up to the byte cap
        // (one store call, one transaction, never an oversized frame).
        let mut batch = vec![first];
        while bytes < self.opts.batch_bytes && batch.len() < MAX_BATCH_RUNS {
            let Some((more, size)) = d.try_recv() else {
                break;
            };
            bytes = bytes.saturating_add(size);
            batch.push(more);
        }
        let sharing = self.claims.is_some();
        let mut records: Vec<RunRecord> = Vec::new();
        let mut values: Vec<(usize, T)> = Vec::new();
        for outcome in batch {
            match outcome {
                Outcome::Done {
                    index,
                    record,
                    value,
                } => {
                    if self.log.enabled(LogLevel::Debug) {
                        self.log.debug(&format!(
                            "{} finished in {:.3} s ({})",
                            record.info.name(),
                            record.info.runtime().unwrap_or(0.0),
                            record.info.summary
                        ));
                    }
                    if let Some(c) = self.claims.as_mut() {
                        c.learn(record.info.runtime());
                    }
                    records.push(record);
                    values.push((index, value));
                }
                Outcome::Refused { index, message } => {
                    self.log
                        .error(&format!("{}: {message}", pet_core::name::run_name(index)));
                    d.cancel_queued();
                    if stop.is_none() {
                        *stop = Some(EnvError::Worker(message));
                    }
                }
                Outcome::Failed { index, message } => {
                    let summary = self
                        .traj
                        .run_info(index)
                        .map(|r| r.summary.clone())
                        .unwrap_or_default();
                    self.log.error(&format!(
                        "{} ({summary}) failed: {message}",
                        pet_core::name::run_name(index)
                    ));
                    if !sharing {
                        self.progress.inc(1);
                    }
                    self.give_back(index);
                    if self.opts.stop_on_error && stop.is_none() {
                        d.cancel_queued();
                        *stop = Some(EnvError::RunFailed {
                            index,
                            summary: summary.clone(),
                            message: message.clone(),
                        });
                    }
                    self.report.failed.push(crate::FailedRun {
                        index,
                        summary,
                        message,
                    });
                }
            }
        }
        let lost = match self.keep(&records) {
            Ok(lost) => lost,
            Err(e) => {
                d.cancel_queued();
                return Err(e);
            }
        };
        if let Some(c) = &self.claims {
            c.keeper.drop_runs(records.iter().map(|r| r.info.index));
        } else {
            self.progress.inc(records.len() as u64);
        }
        if !lost.is_empty() {
            self.log.notice(&format!(
                "{} runs were stored first by another copy of the program; their copies are kept: {:?}",
                lost.len(),
                lost
            ));
            self.report.duplicates += lost.len();
            values.retain(|(i, _)| !lost.contains(i));
        }
        if stop.is_none() && !values.is_empty() {
            if let Err(e) = (self.post)(self.traj, &values) {
                d.cancel_queued();
                *stop = Some(EnvError::PostProcessing(e.to_string()));
            } else {
                self.schedule_expansion(d)?;
            }
        }
        self.report.results.extend(values);
        Ok(())
    }

    /// A run that failed here is not taken again by this copy; its claim ends
    /// so that another copy may try it.
    fn give_back(&mut self, index: usize) {
        let name = self.traj.name().to_string();
        if let Some(c) = self.claims.as_mut() {
            c.skip.insert(index);
            c.keeper.drop_runs([index]);
            if let Err(e) = c.store.release_claims(&name, &c.worker, &[index]) {
                self.log.error(&format!(
                    "releasing the claim on failed run {index} failed: {e}"
                ));
            }
        }
    }

    /// Stores finished runs (one transaction for the batch) or keeps them in
    /// memory; returns the runs another copy had stored first.
    fn keep(&mut self, records: &[RunRecord]) -> Result<BTreeSet<usize>, EnvError> {
        if records.is_empty() {
            return Ok(BTreeSet::new());
        }
        let store = self.traj.store_handle().cloned();
        match store {
            Some(store) if self.opts.store_each_run => {
                let name = self.traj.name().to_string();
                let what = format!("storing {} runs", records.len());
                let stored = crate::retry::store_with_retry(
                    crate::retry::bound(self.opts.store_retry),
                    self.log,
                    &store.location(),
                    &what,
                    || store.store_runs(&name, records),
                )?;
                if let Some(hook) = &self.opts.on_stored {
                    let others: BTreeSet<usize> =
                        stored.already_completed.iter().copied().collect();
                    let mine: Vec<usize> = records
                        .iter()
                        .map(|r| r.info.index)
                        .filter(|i| !others.contains(i))
                        .collect();
                    if !mine.is_empty() {
                        hook.call(&mine);
                    }
                }
                for r in records {
                    self.traj.record_run(r, true)?;
                }
                Ok(stored.already_completed.into_iter().collect())
            }
            _ => {
                for r in records {
                    self.traj.record_run(r, false)?;
                }
                Ok(BTreeSet::new())
            }
        }
    }

    /// Schedules the runs post-processing added with `expand`.
    fn schedule_expansion(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        let len = self.traj.len();
        if len <= self.scheduled {
            return Ok(());
        }
        if self.traj.store_handle().is_some() {
            self.traj.store()?;
        }
        // Runs get their points with their tasks; the base changes (and is
        // sent to worker processes again) only when post-processing changed
        // something besides the explored lists (a derived parameter, say).
        let base = self.traj.base_snapshot()?;
        if base.param_records() != self.snapshot.traj.param_records() {
            self.snapshot = Arc::new(Snapshot {
                version: self.snapshot.version + 1,
                function: self.snapshot.function.clone(),
                traj: base,
            });
        }
        self.log.notice(&format!(
            "{}: expanded by {} runs to {len}",
            self.traj.name(),
            len - self.scheduled
        ));
        match self.claims.as_mut() {
            // The new runs are pending in the store: they are claimed like the others.
            Some(c) => c.state = ClaimState::Open,
            None => {
                self.progress.inc_length((len - self.scheduled) as u64);
                for i in self.scheduled..len {
                    d.submit(self.traj.point_values(i)?, &self.snapshot);
                }
            }
        }
        self.scheduled = len;
        Ok(())
    }
}

/// Waits until the trajectory `fresh` names, which another process is
/// creating, can be seen whole (at once on stores that create it in one
/// transaction). Meanwhile it tries to create it again every second: a store
/// lets a creation take over one whose creator died (MongoDB, once that
/// creation's lease ended). True when this call created it.
fn wait_until_visible(
    store: &Arc<dyn Store>,
    fresh: &mut Trajectory,
    limit: Duration,
) -> Result<bool, EnvError> {
    let name = fresh.name().to_string();
    let limit = limit.max(Duration::from_secs(120));
    let start = Instant::now();
    let mut pause = Duration::from_millis(20);
    let mut tried = Instant::now();
    loop {
        match store.info(&name) {
            Ok(_) => return Ok(false),
            Err(PetError::NoTrajectory(_)) if start.elapsed() < limit => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(500));
                if tried.elapsed() >= Duration::from_secs(1) {
                    tried = Instant::now();
                    match fresh.store_to(store.clone()) {
                        Ok(()) => return Ok(true),
                        Err(PetError::TrajectoryExists(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(PetError::NoTrajectory(_)) => {
                return Err(EnvError::Config(format!(
                    "trajectory '{name}' in {} is being created by another process, which has not \
                     finished after {:.0} s; if no process is creating it any more (it was killed), \
                     remove the unfinished trajectory with `pet rm {} {name}` and run again",
                    store.location(),
                    limit.as_secs_f64(),
                    store.location()
                )))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// False on the MPI ranks other than 0 (which then draw no progress bar).
fn on_rank_zero() -> bool {
    #[cfg(feature = "mpi")]
    if crate::mpi::rank() != 0 {
        return false;
    }
    true
}

/// Ranks that run tasks in `Mode::Mpi` (the world but rank 0; 1 without MPI).
pub(crate) fn mpi_workers() -> usize {
    #[cfg(feature = "mpi")]
    if let Some((size, _)) = crate::mpi::world() {
        if !crate::mpi::direct() {
            return size.saturating_sub(1).max(1);
        }
    }
    1
}

/// Rank 0's MPI session ends with the Environment: every rank is told to
/// stop and MPI is finalised (nothing happens without MPI).
impl Drop for Environment {
    fn drop(&mut self) {
        #[cfg(feature = "mpi")]
        crate::mpi::finish();
    }
}

/// Worker processes serve tasks through [`crate::serve_if_worker`]; they must not
/// open stores or start sweeps of their own (that would start workers of workers).
fn refuse_in_worker() -> Result<(), EnvError> {
    if is_worker_process() {
        return Err(EnvError::Worker(
            "this process was started as a worker of Mode::Processes, but the program \
             did not enter the worker: call pet_env::serve_if_worker(your_run_function) \
             at the top of main, before Environment::open"
                .into(),
        ));
    }
    Ok(())
}
