//! Logging: console through `tracing`, plus per-trajectory log files with a
//! separate error log (`<dir>/<trajectory>.log`, `<dir>/<trajectory>.errors.log`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::EnvError;

/// UTC time as `2026-11-27T06:55:00Z` (no external time crate needed).
pub fn utc_timestamp(unix: f64) -> String {
    let secs = unix.max(0.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

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
            let _ = writeln!(f, "{} {level} {msg}", utc_timestamp(pet_core::now()));
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

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_utc_iso() {
        assert_eq!(super::utc_timestamp(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(
            super::utc_timestamp(1_795_000_000.0),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(super::utc_timestamp(951_782_400.0), "2000-02-29T00:00:00Z");
    }
}
