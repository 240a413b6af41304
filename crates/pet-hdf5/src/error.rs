//! Mapping HDF5 library and I/O errors onto pet errors that say what to do
//! and keep the underlying error as their source.

use pet_core::PetError;

/// Wraps an HDF5 error with what pet was doing.
pub fn h5(context: &str) -> impl Fn(hdf5::Error) -> PetError + '_ {
    move |e| PetError::backend("hdf5", format!("{context}: {e}"), e)
}

/// A `Format` error about stored content.
pub fn corrupt(location: &str, reason: impl Into<String>) -> PetError {
    PetError::Format {
        location: location.to_string(),
        reason: reason.into(),
    }
}

/// An I/O error with advice.
pub fn io(context: &str, e: std::io::Error) -> PetError {
    let advice = match e.kind() {
        std::io::ErrorKind::PermissionDenied => " (check the file and directory permissions)",
        std::io::ErrorKind::NotFound => " (check that the directory exists)",
        _ => "",
    };
    PetError::backend("hdf5", format!("{context}: {e}{advice}"), e)
}
