//! How the Environment runs: execution mode, storing, errors, progress, logs, git.

use std::path::PathBuf;
use std::sync::Arc;

/// Where runs execute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One run after another on the calling thread.
    Sequential,
    /// N threads in this process.
    Threads(usize),
    /// N worker processes: this same program started again, entering
    /// [`crate::serve_if_worker`] at the top of `main`, so a crash in native
    /// code kills one run, not the sweep.
    Processes(usize),
    /// The ranks of an MPI world (feature `mpi`; the program started by
    /// `mpirun -n N` or `srun`): rank 0 coordinates and stores, ranks 1..N
    /// run the tasks; one rank runs them itself.
    Mpi,
}

/// What to do about git when a sweep starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitPolicy {
    /// Do not look at git.
    Off,
    /// Record commit, branch and whether the tree is dirty (if in a repository).
    Record,
    /// Commit tracked changes first, then record the new commit.
    AutoCommit,
    /// Refuse to run when tracked files have uncommitted changes.
    RequireClean,
}

/// All settings of an Environment.
#[derive(Clone, Debug)]
pub struct EnvOptions {
    /// Execution mode.
    pub mode: Mode,
    /// Store every run the moment it finishes (otherwise runs stay in memory
    /// until the program calls `Trajectory::store`).
    pub store_each_run: bool,
    /// Stop at the first failing run (after the runs in flight finish).
    pub stop_on_error: bool,
    /// Show a progress bar (only ever drawn on a terminal).
    pub progress: bool,
    /// Directory for `<trajectory>.log` and `<trajectory>.errors.log`; `None` for no files.
    pub log_dir: Option<PathBuf>,
    /// What the log files (and, without `RUST_LOG`, the console) receive:
    /// per-run lines at [`LogLevel::Debug`](crate::LogLevel::Debug), summaries at info (the default).
    pub log_level: crate::logging::LogLevel,
    /// Git handling.
    pub git: GitPolicy,
    /// Directory inside the git repository to record (default: working directory).
    pub git_dir: Option<PathBuf>,
    /// Arguments for worker processes (default: this program's own arguments).
    pub worker_args: Option<Vec<String>>,
    /// How long storing finished runs is retried after a transient failure
    /// (a lock, a full disk, a lost connection) before the sweep stops;
    /// `PET_STORE_RETRY_SECS` overrides it. Default 60 s.
    pub store_retry: std::time::Duration,
    /// Most finished runs waiting for the writer; a worker with one more waits.
    pub max_waiting_runs: usize,
    /// Most bytes of finished runs waiting for the writer (one run always
    /// fits): bounds memory when storing is slower than computing.
    pub max_waiting_bytes: usize,
    /// Largest batch of runs stored in one call, in bytes (one run always fits).
    pub batch_bytes: usize,
    /// Claim runs before running them, so that any number of copies of the
    /// program on one store share the sweep, each running different runs
    /// (default: yes). Without it a copy runs every pending run itself.
    pub share: bool,
    /// How long a claim on a run lasts without renewal: a copy that dies
    /// loses its runs to the others after this long. Renewed every third of
    /// it while the runs execute. `PET_LEASE_SECS` overrides it. Default 60 s.
    pub lease: std::time::Duration,
    /// Called after each successful store of finished runs with the indices
    /// this Environment just stored (see [`crate::Environment::on_stored`]).
    pub on_stored: Option<OnStored>,
}

/// A function told which runs were just stored durably (their indices, in
/// the order they were stored); shared by clones of the options.
#[derive(Clone)]
pub struct OnStored(Arc<StoredFn>);

/// The function an [`OnStored`] holds.
type StoredFn = dyn Fn(&[usize]) + Send + Sync;

impl OnStored {
    /// Wraps `f`.
    pub fn new(f: impl Fn(&[usize]) + Send + Sync + 'static) -> Self {
        OnStored(Arc::new(f))
    }

    /// Calls the function with the indices of the runs just stored.
    pub fn call(&self, stored: &[usize]) {
        (self.0)(stored)
    }
}

impl std::fmt::Debug for OnStored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnStored(..)")
    }
}

impl Default for EnvOptions {
    fn default() -> Self {
        EnvOptions {
            mode: Mode::Sequential,
            store_each_run: true,
            stop_on_error: false,
            progress: true,
            log_dir: Some(PathBuf::from("logs")),
            log_level: crate::logging::LogLevel::Info,
            git: GitPolicy::Record,
            git_dir: None,
            worker_args: None,
            store_retry: std::time::Duration::from_secs(60),
            max_waiting_runs: 4096,
            max_waiting_bytes: 128 << 20,
            batch_bytes: 32 << 20,
            share: true,
            lease: std::time::Duration::from_secs(60),
            on_stored: None,
        }
    }
}

impl Mode {
    /// How many runs execute at once.
    pub fn parallelism(&self) -> usize {
        match self {
            Mode::Sequential => 1,
            Mode::Threads(n) | Mode::Processes(n) => (*n).max(1),
            Mode::Mpi => crate::environment::mpi_workers(),
        }
    }
}
