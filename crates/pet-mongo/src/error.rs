//! Mapping driver errors to pet errors that say what to do and keep the
//! driver's error as their source.

use std::time::Duration;

use mongodb::error::{Error, ErrorKind, WriteFailure};

use pet_core::PetError;

/// MongoDB's error code for a unique index violation.
pub const DUPLICATE_KEY: i32 = 11000;

/// What an error message needs to know about the connection.
#[derive(Clone, Debug)]
pub struct ErrCtx {
    /// The servers, as `host:port` list.
    pub hosts: String,
    /// The server selection timeout in force.
    pub timeout: Duration,
}

impl ErrCtx {
    /// Maps a driver error to [`PetError::Backend`] with advice.
    pub fn map(&self, e: Error) -> PetError {
        let advice = match e.kind.as_ref() {
            ErrorKind::ServerSelection { .. } => format!(
                "cannot reach MongoDB at {} within {} s; is the server running? check the URL (host, port, directConnection, tls), or raise serverSelectionTimeoutMS",
                self.hosts,
                self.timeout.as_secs_f64()
            ),
            ErrorKind::Authentication { .. } => format!(
                "authentication at {} failed; check user name, password and authSource in the URL (mongodb://USER:PASSWORD@HOST/DB?authSource=admin)",
                self.hosts
            ),
            ErrorKind::InvalidTlsConfig { .. } => {
                "the TLS options in the URL are unusable; check tls, tlsCAFile and tlsCertificateKeyFile".into()
            }
            ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => format!(
                "the connection to {} broke; check that the server is still running and retry (a run is stored whole or not at all)",
                self.hosts
            ),
            _ => String::new(),
        };
        let message = if advice.is_empty() {
            e.to_string()
        } else {
            format!("{advice} ({e})")
        };
        PetError::backend("mongodb", message, e)
    }
}

/// True when `e` only reports unique-index violations.
pub fn is_duplicate(e: &Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .is_some_and(|v| !v.is_empty() && v.iter().all(|w| w.code == DUPLICATE_KEY)),
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        _ => false,
    }
}
