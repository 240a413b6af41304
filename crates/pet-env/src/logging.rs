//! Logging: console through `tracing` (filtered by `RUST_LOG` when set, else
//! by the Environment's level), plus per-trajectory log files with a separate
//! error log (`<dir>/<trajectory>.log`, `<dir>/<trajectory>.errors.log`).
//! Per-run lines are at debug level, summaries at info, errors at error.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::EnvError;

/// How much the Environment logs: each level includes those above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Errors and warnings.
    Warn,
    /// Also each sweep's start and summary (the default).
    #[default]
    Info,
    /// Also one line per finished run.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    fn filter(self) -> tracing_subscriber::filter::LevelFilter {
        use tracing_subscriber::filter::LevelFilter;
        match self {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

impl std::str::FromStr for LogLevel {
    type Err = EnvError;
    fn from_str(s: &str) -> Result<Self, EnvError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Ok(LogLevel::Error),
            "warn" | "warning" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            other => Err(EnvError::Config(format!(
                "unknown log level '{other}': use error, warn, info, debug or trace"
            ))),
        }
    }
}

/// Installs a console subscriber for `tracing` unless the program installed
/// one: `RUST_LOG` filters it when set (`RUST_LOG=debug`,
/// `RUST_LOG=pet_env=debug`), else `level`.
pub fn init_console(level: LogLevel) {
    use std::io::IsTerminal;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => tracing_subscriber::EnvFilter::builder()
            .with_default_directive(level.filter().into())
            .parse_lossy(directives),
        _ => tracing_subscriber::EnvFilter::default().add_directive(level.filter().into()),
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_env_filter(filter)
        .try_init();
}

/// The log files of one trajectory.
pub struct RunLog {
    level: LogLevel,
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
    /// Opens (appending) the log files of `traj` in `dir`, or no files for
    /// `None`; the main file receives lines at `level` and above.
    pub fn open(dir: Option<&Path>, traj: &str, level: LogLevel) -> Result<Self, EnvError> {
        let Some(dir) = dir else {
            return Ok(RunLog {
                level,
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
            level,
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

    /// True when a line at `level` is written somewhere (the file or the
    /// console): callers skip building per-run lines nobody reads.
    pub fn enabled(&self, level: LogLevel) -> bool {
        level <= self.level
            || (level == LogLevel::Debug && tracing::enabled!(tracing::Level::DEBUG))
    }

    /// Logs one run's progress (debug level: file and console).
    pub fn debug(&self, msg: &str) {
        tracing::debug!("{msg}");
        if self.level >= LogLevel::Debug {
            Self::write(&self.main, "DEBUG", msg);
        }
    }

    /// Logs a sweep's start or summary (info level: file and console).
    pub fn notice(&self, msg: &str) {
        tracing::info!("{msg}");
        if self.level >= LogLevel::Info {
            Self::write(&self.main, "INFO", msg);
        }
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
