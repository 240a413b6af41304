//! Errors of the Environment.

use thiserror::Error;

use pet_core::PetError;

/// The error type a run function returns: anything that implements `Error`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a run function returns.
pub type RunResult<T> = Result<T, BoxError>;

/// Everything that can stop the Environment.
#[derive(Debug, Error)]
pub enum EnvError {
    /// The trajectory or the store refused something.
    #[error(transparent)]
    Pet(#[from] PetError),
    /// A run failed and the environment was told to stop on errors.
    #[error("run {index} ({summary}) failed: {message}; completed runs are stored, fix the cause and run again to resume")]
    RunFailed {
        /// Index of the failed run.
        index: usize,
        /// Its parameter summary.
        summary: String,
        /// The error or panic message.
        message: String,
    },
    /// The stored trajectory does not match what the program sets up.
    #[error(
        "trajectory '{name}' in the store differs from the one this program sets up: {reason}"
    )]
    Mismatch {
        /// Trajectory name.
        name: String,
        /// What differs and what to do.
        reason: String,
    },
    /// A worker process could not be started or talked to.
    #[error("worker processes: {0}")]
    Worker(String),
    /// Git provenance failed (dirty tree with `GitPolicy::RequireClean`, commit failed...).
    #[error("git: {0}")]
    Git(String),
    /// Reading the configuration or writing logs failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Storing finished runs kept failing for the whole retry time.
    #[error("storing runs into {store} failed {attempts} times over {seconds:.1} s: {source}; every run stored before is kept, fix the cause and run again to resume")]
    StoreFailed {
        /// The store (its URL).
        store: String,
        /// Attempts made.
        attempts: u32,
        /// Seconds from the first failure to giving up.
        seconds: f64,
        /// The first error.
        source: PetError,
    },
    /// An option or environment variable holds a value that cannot be used.
    #[error("configuration: {0}")]
    Config(String),
    /// The post-processing callback failed.
    #[error("post-processing failed: {0}")]
    PostProcessing(String),
}

impl EnvError {
    /// Wraps an I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        EnvError::Io {
            context: context.into(),
            source,
        }
    }
}
