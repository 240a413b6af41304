//! Mapping SQLite errors to pet errors that say what to do and keep the
//! driver's error as their source.

use rusqlite::ErrorCode;

use pet_core::PetError;

/// Maps an SQLite error to a pet error with advice.
pub fn db_err(e: rusqlite::Error) -> PetError {
    let advice = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            " (another writer held the database past the busy timeout; raise it with ?busy_timeout=SECONDS)"
        }
        Some(ErrorCode::ReadOnly) => " (the store is read-only; open a writable copy to change it)",
        Some(ErrorCode::DiskFull) => " (the disk is full; free space and retry: nothing of this step was stored)",
        Some(ErrorCode::CannotOpen) => " (check that the directory exists and is writable)",
        Some(ErrorCode::NotADatabase) => " (the file is not an SQLite database, or it is corrupt)",
        _ => "",
    };
    PetError::backend("sqlite", format!("{e}{advice}"), e)
}

/// True for errors that mean "another connection holds the lock, try again".
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Maps an error met while opening to a `Format` error when the file is not a database.
pub fn open_err(location: &str, e: rusqlite::Error) -> PetError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => PetError::Format {
            location: location.to_string(),
            reason: "the file is not an SQLite database (wrong file, or corrupt)".into(),
        },
        _ => db_err(e),
    }
}
