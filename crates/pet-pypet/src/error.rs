//! Errors of the pypet reader: HDF5 library failures keep their cause, and
//! anything the reader does not understand names the path inside the file.

use pet_core::PetError;

/// The backend name in errors.
pub const BACKEND: &str = "pypet";

/// Wraps an HDF5 error with what the reader was doing.
pub fn h5(context: &str) -> impl Fn(hdf5::Error) -> PetError + '_ {
    move |e| PetError::backend(BACKEND, format!("{context}: {e}"), e)
}

/// A `Format` error about the object at `at` (an HDF5 path inside the file).
pub fn bad(at: &str, reason: impl Into<String>) -> PetError {
    PetError::Format {
        location: at.to_string(),
        reason: reason.into(),
    }
}

/// An I/O error reading the file's bytes.
pub fn io(context: &str, e: std::io::Error) -> PetError {
    PetError::backend(BACKEND, format!("{context}: {e}"), e)
}
