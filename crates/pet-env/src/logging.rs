//! Logging: console through `tracing`, plus per-trajectory log files with a
//! separate error log (`<dir>/<trajectory>.log`, `<dir>/<trajectory>.errors.log`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::EnvError;

/// Installs a console subscriber for `tracing` unless the program installed one.
pub fn init_console() {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// The log files of one trajectory.
pub struct RunLog {
    main: Option<Mutex<File>>,
    errors: Option<Mutex<File>>,
    error_path: Option<PathBuf>,
}

fn open_append(path: &Path) -> Result<File, EnvError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| EnvError::io(format!("cannot open log file {}", path.display()), e))
}

impl RunLog {
    /// Opens (appending) the log files of `traj` in `dir`, or no files for `None`.
    pub fn open(dir: Option<&Path>, traj: &str) -> Result<Self, EnvError> {
        let Some(dir) = dir else {
            return Ok(RunLog {
                main: None,
                errors: None,
                error_path: None,
            });
        };
        std::fs::create_dir_all(dir).map_err(|e| {
            EnvError::io(format!("cannot create log directory {}", dir.display()), e)
        })?;
        let error_path = dir.join(format!("{traj}.errors.log"));
        Ok(RunLog {
            main: Some(Mutex::new(open_append(&dir.join(format!("{traj}.log")))?)),
            errors: Some(Mutex::new(open_append(&error_path)?)),
            error_path: Some(error_path),
        })
    }

    fn write(file: &Option<Mutex<File>>, level: &str, msg: &str) {
        if let Some(f) = file {
            let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
            // A full disk must not stop the sweep; the console still shows the message.
            let _ = writeln!(
                f,
                "{} {level} {msg}",
                pet_core::time::utc_timestamp(pet_core::now())
            );
        }
    }

    /// Logs progress (file and, at debug level, console).
    pub fn info(&self, msg: &str) {
        tracing::debug!("{msg}");
        Self::write(&self.main, "INFO", msg);
    }

    /// Logs a notable event (file and console).
    pub fn notice(&self, msg: &str) {
        tracing::info!("{msg}");
        Self::write(&self.main, "INFO", msg);
    }

    /// Logs an error into both files and the console.
    pub fn error(&self, msg: &str) {
        tracing::error!("{msg}");
        Self::write(&self.main, "ERROR", msg);
        Self::write(&self.errors, "ERROR", msg);
    }

    /// Where errors are logged, if anywhere.
    pub fn error_path(&self) -> Option<&Path> {
        self.error_path.as_deref()
    }
}
