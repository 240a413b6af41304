//! The [`Environment`]: opens the store, sets up or resumes a trajectory, and
//! runs a function at every pending point with storing, logging, progress,
//! post-processing and provenance.

use std::path::PathBuf;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::de::DeserializeOwned;
use serde::Serialize;

use pet_core::{LoadSpec, PetError, Run, RunRecord, Store, Trajectory};

use crate::error::{EnvError, RunResult};
use crate::execute::Outcome;
use crate::executor::{with_executor, Executor};
use crate::logging::{self, RunLog};
use crate::open::open_store;
use crate::options::{EnvOptions, GitPolicy, Mode};
use crate::provenance;
use crate::queue::Snapshot;
use crate::reconcile::reconcile;
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
        match store.info(name) {
            Ok(_) => {
                let mut stored = Trajectory::load(store, name, LoadSpec::default())?;
                stored.load_parameters()?;
                reconcile(&mut stored, &fresh)?;
                Ok(stored)
            }
            Err(PetError::NoTrajectory(_)) => {
                fresh.store_to(store)?;
                Ok(fresh)
            }
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
        logging::init_console();
        let log = RunLog::open(self.opts.log_dir.as_deref(), traj.name())?;
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
        let summary = format!(
            "{}: {} runs done, {} failed, {} were done before, {:.1} s",
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

/// The coordinator: receives outcomes, stores them, logs, calls post-processing,
/// schedules points added by expansion.
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
        let progress = if opts.progress {
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
                seconds: 0.0,
            },
            progress,
            snapshot,
            started: std::time::Instant::now(),
        })
    }

    fn drive(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        for i in self.traj.pending_runs() {
            d.submit(self.traj.point_values(i)?, &self.snapshot);
        }
        let result = self.receive_all(d);
        self.report.seconds = self.started.elapsed().as_secs_f64();
        result
    }

    fn receive_all(&mut self, d: &mut dyn Executor<T>) -> Result<(), EnvError> {
        let mut stop: Option<EnvError> = None;
        while let Some((first, mut bytes)) = d.recv() {
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
            let mut records: Vec<RunRecord> = Vec::new();
            let mut values: Vec<(usize, T)> = Vec::new();
            for outcome in batch {
                match outcome {
                    Outcome::Done {
                        index,
                        record,
                        value,
                    } => {
                        self.log.info(&format!(
                            "{} finished in {:.3} s ({})",
                            record.info.name,
                            record.info.runtime().unwrap_or(0.0),
                            record.info.summary
                        ));
                        records.push(record);
                        values.push((index, value));
                    }
                    Outcome::Refused { index, message } => {
                        self.log
                            .error(&format!("{}: {message}", pet_core::name::run_name(index)));
                        d.cancel_queued();
                        if stop.is_none() {
                            stop = Some(EnvError::Worker(message));
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
                        self.progress.inc(1);
                        if self.opts.stop_on_error && stop.is_none() {
                            d.cancel_queued();
                            stop = Some(EnvError::RunFailed {
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
            if let Err(e) = self.keep(&records) {
                d.cancel_queued();
                return Err(e);
            }
            self.progress.inc(records.len() as u64);
            if stop.is_none() && !values.is_empty() {
                if let Err(e) = (self.post)(self.traj, &values) {
                    d.cancel_queued();
                    stop = Some(EnvError::PostProcessing(e.to_string()));
                } else {
                    self.schedule_expansion(d)?;
                }
            }
            self.report.results.extend(values);
        }
        match stop {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Stores finished runs (one transaction for the batch) or keeps them in memory.
    fn keep(&mut self, records: &[RunRecord]) -> Result<(), EnvError> {
        if records.is_empty() {
            return Ok(());
        }
        let store = self.traj.store_handle().cloned();
        match store {
            Some(store) if self.opts.store_each_run => {
                let name = self.traj.name().to_string();
                let what = format!("storing {} runs", records.len());
                crate::retry::store_with_retry(
                    crate::retry::bound(self.opts.store_retry),
                    self.log,
                    &what,
                    || store.store_runs(&name, records),
                )?;
                for r in records {
                    self.traj.record_run(r, true)?;
                }
            }
            _ => {
                for r in records {
                    self.traj.record_run(r, false)?;
                }
            }
        }
        Ok(())
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
        self.progress.inc_length((len - self.scheduled) as u64);
        for i in self.scheduled..len {
            d.submit(self.traj.point_values(i)?, &self.snapshot);
        }
        self.scheduled = len;
        Ok(())
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
