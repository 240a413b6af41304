//! The error type of pet-core and of every storage backend built on it.

use thiserror::Error;

/// Result alias used throughout pet.
pub type Result<T, E = PetError> = std::result::Result<T, E>;

/// Everything that can go wrong in pet-core; backends map their own failures onto these variants.
#[derive(Debug, Error)]
pub enum PetError {
    /// A node or trajectory name breaks the naming rules.
    #[error("invalid name '{name}': {reason}")]
    InvalidName {
        /// The offending name.
        name: String,
        /// Why it was rejected and what is allowed.
        reason: String,
    },
    /// No node exists at this path.
    #[error("'{0}' is not part of the trajectory; list the tree with `pet tree` or load the branch first")]
    NotFound(String),
    /// A shortcut matched more than one node.
    #[error("shortcut '{name}' is ambiguous; use one of the full paths: {}", candidates.join(", "))]
    Ambiguous {
        /// The shortcut given.
        name: String,
        /// Every full path it could mean.
        candidates: Vec<String>,
    },
    /// A node already exists at this path.
    #[error("'{0}' already exists; remove it first or pick another name")]
    AlreadyExists(String),
    /// A parameter was changed after it was read.
    #[error("parameter '{0}' is locked because it was already read; call unlock() on it before changing it")]
    Locked(String),
    /// A value of the wrong type was supplied or requested.
    #[error("type mismatch at '{path}': expected {expected}, found {found}")]
    TypeMismatch {
        /// Where the mismatch happened.
        path: String,
        /// The type that was required.
        expected: String,
        /// The type that was supplied.
        found: String,
    },
    /// A value is malformed (inconsistent shapes, mixed list, bad sparse indices...).
    #[error("invalid value: {0}")]
    InvalidValue(String),
    /// Exploration was requested with bad input.
    #[error("cannot explore: {0}")]
    Explore(String),
    /// A run index or name is out of range.
    #[error("run {index} does not exist; the trajectory has {len} runs (0..{len})")]
    NoSuchRun {
        /// Requested index.
        index: usize,
        /// Number of runs.
        len: usize,
    },
    /// `crun`/`$` was used while no run is selected.
    #[error("'{0}' uses crun/$ but no run is selected; call set_run(i) first or use a run name")]
    NoCurrentRun(String),
    /// Two trajectories cannot be merged.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// The trajectory has no store attached, so nothing can be loaded or stored.
    #[error("the trajectory '{0}' has no store attached; create or load it through a store")]
    NoStore(String),
    /// A store URL or location could not be used.
    #[error("bad store location '{url}': {reason}")]
    BadLocation {
        /// The URL or path.
        url: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The file or database is not a pet store or was written by an incompatible version.
    #[error("'{location}' is not a usable pet store: {reason}")]
    Format {
        /// The file or database.
        location: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A user type could not be encoded or decoded.
    #[error("user type '{type_name}': {reason}")]
    UserType {
        /// The registered type name.
        type_name: String,
        /// What failed.
        reason: String,
    },
    /// The backend failed (I/O, database, server).
    #[error("{backend} store error: {message}")]
    Backend {
        /// Which backend reported it.
        backend: &'static str,
        /// The backend's message plus advice.
        message: String,
    },
}

impl PetError {
    /// Shorthand for a type mismatch error.
    pub fn mismatch(path: &str, expected: impl Into<String>, found: impl Into<String>) -> Self {
        PetError::TypeMismatch {
            path: path.to_string(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// Shorthand for an invalid value error.
    pub fn invalid(msg: impl Into<String>) -> Self {
        PetError::InvalidValue(msg.into())
    }
}
