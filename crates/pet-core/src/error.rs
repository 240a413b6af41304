//! The error type of pet-core and of every storage backend built on it.
//!
//! Messages say what went wrong and what to do, in the library's own terms;
//! front ends (the `pet` command) add their own advice. Variants can be matched,
//! and driver errors are kept as the [`std::error::Error::source`] of
//! [`PetError::Backend`].

use thiserror::Error;

/// Result alias used throughout pet.
pub type Result<T, E = PetError> = std::result::Result<T, E>;

/// An underlying error kept as the cause of a [`PetError`].
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in pet-core; backends map their own failures onto these variants.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PetError {
    /// A node or trajectory name breaks the naming rules.
    #[error("invalid name '{name}': {reason}")]
    InvalidName {
        /// The offending name.
        name: String,
        /// Why it was rejected and what is allowed.
        reason: String,
    },
    /// The store holds no trajectory of this name.
    #[error("the store holds no trajectory '{0}'; check the name against the store's list of trajectories")]
    NoTrajectory(String),
    /// No node exists at this path of a trajectory.
    #[error("'{0}' is not part of the trajectory; check the name, or load the branch that holds it first")]
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
    /// The store already holds a trajectory of this name.
    #[error("the store already holds a trajectory '{0}'; load it, remove it first, or pick another name")]
    TrajectoryExists(String),
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
    /// New points of an explored parameter did not start where the stored points end.
    #[error("cannot append points to '{path}' from point {start}: the store holds {stored} points of it, so nothing was appended; another writer changed it since it was read, so load the trajectory again")]
    AppendConflict {
        /// The explored parameter.
        path: String,
        /// Where the new points were to start.
        start: usize,
        /// How many points the store holds.
        stored: usize,
    },
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
    /// The URL names a backend this build of pet leaves out.
    #[error("'{url}' needs the {backend} store, which this build of pet leaves out; enable the `{feature}` feature (pet = {{ version = \"{version}\", features = [\"{feature}\"] }}) and rebuild", version = crate::VERSION)]
    NotCompiled {
        /// The URL or path.
        url: String,
        /// The backend's display name (`HDF5`).
        backend: &'static str,
        /// The cargo feature that compiles it in.
        feature: &'static str,
    },
    /// A write was asked of a store opened read-only.
    #[error("{location} is open read-only, so nothing was changed; open it for writing (mode=rw, and write permission on the file) or write to a copy")]
    ReadOnly {
        /// The store's location.
        location: String,
    },
    /// The file was written by another program that pet reads but never
    /// writes (`format` is the scheme of the backend that reads it, `pypet`):
    /// a write to it, or opening it as a pet store of another kind, is refused.
    #[error("'{location}' was written by {format}, not by pet: pet reads it ({format}://FILE) but never writes into it, so nothing was changed; migrate it to a pet store (SQLite, HDF5 or MongoDB) and change that")]
    Foreign {
        /// The file.
        location: String,
        /// The program that wrote it, which is also the scheme of the backend that reads it.
        format: &'static str,
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
    /// The backend failed (I/O, database, server); the driver's error is the source.
    #[error("{backend} store error: {message}")]
    Backend {
        /// Which backend reported it.
        backend: &'static str,
        /// What pet was doing, the driver's message, and advice.
        message: String,
        /// The driver's error, when there is one.
        #[source]
        source: Option<Cause>,
    },
}

/// The location of a [`PetError::Format`] from a decoder that does not know
/// where its input came from; a store's read puts its own location and the
/// path being read in its place.
pub const UNPLACED: &str = "stored value";

impl PetError {
    /// A `Format` error about stored content, located by the store that read it.
    pub fn corrupt(reason: impl Into<String>) -> Self {
        PetError::Format {
            location: UNPLACED.to_string(),
            reason: reason.into(),
        }
    }

    /// True for failures of the storage system that may pass by themselves (a
    /// lock held by another writer, a full disk, a lost connection, a server
    /// failing over): worth retrying. Refusals of the input never are.
    pub fn is_transient(&self) -> bool {
        matches!(self, PetError::Backend { .. })
    }

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

    /// A backend failure that keeps the driver's error as its source.
    pub fn backend(
        backend: &'static str,
        message: impl Into<String>,
        source: impl Into<Cause>,
    ) -> Self {
        PetError::Backend {
            backend,
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A backend failure with no underlying error to keep.
    pub fn backend_msg(backend: &'static str, message: impl Into<String>) -> Self {
        PetError::Backend {
            backend,
            message: message.into(),
            source: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn backend_errors_keep_their_cause() {
        let io = std::io::Error::other("disk on fire");
        let e = PetError::backend("sqlite", "cannot write: disk on fire", io);
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("disk on fire")
        );
        assert!(e.to_string().starts_with("sqlite store error: "));
    }

    #[test]
    fn messages_quote_names_once_and_name_no_cli_command() {
        let t = PetError::NoTrajectory("x".into()).to_string();
        assert!(t.contains("no trajectory 'x'"), "{t}");
        for e in [
            PetError::NoTrajectory("x".into()),
            PetError::NotFound("a.b".into()),
            PetError::TrajectoryExists("x".into()),
            PetError::ReadOnly {
                location: "sqlite://a.db".into(),
            },
            PetError::Foreign {
                location: "old.hdf5".into(),
                format: "pypet",
            },
        ] {
            let m = e.to_string();
            assert!(!m.contains("''") && !m.contains("`pet "), "{m}");
        }
    }
}
