//! Worker processes, worker side: connect to the parent, receive the
//! trajectory, execute tasks until told to stop, then exit.

use std::io::{BufReader, BufWriter};
use std::net::TcpStream;

use serde::Serialize;

use pet_core::{Run, Trajectory};

use crate::error::{EnvError, RunResult};
use crate::execute::{execute, Outcome};
use crate::protocol::{self, FromWorker, ToWorker, WORKER_ADDR_ENV, WORKER_TOKEN_ENV};

/// The connection of a worker process to its parent.
pub struct WorkerLink {
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
}

fn lost(e: impl std::fmt::Display) -> EnvError {
    EnvError::Worker(format!("lost the connection to the parent process: {e}"))
}

impl WorkerLink {
    /// Connects when this process was started as a worker; `None` otherwise.
    pub fn from_env() -> Result<Option<Self>, EnvError> {
        let Ok(addr) = std::env::var(WORKER_ADDR_ENV) else {
            return Ok(None);
        };
        let token = std::env::var(WORKER_TOKEN_ENV).unwrap_or_default();
        let stream = TcpStream::connect(&addr).map_err(lost)?;
        stream.set_nodelay(true).map_err(lost)?;
        let mut link = WorkerLink {
            reader: BufReader::new(stream.try_clone().map_err(lost)?),
            writer: BufWriter::new(stream),
        };
        let hello = FromWorker::Hello {
            token,
            pid: std::process::id(),
        };
        protocol::send(&mut link.writer, &hello).map_err(lost)?;
        Ok(Some(link))
    }

    fn read_snapshot(msg: ToWorker) -> Result<Trajectory, EnvError> {
        match msg {
            ToWorker::Snapshot { info, nodes, runs } => {
                Ok(Trajectory::from_parts(info, nodes, runs)?)
            }
            _ => Err(EnvError::Worker("expected the trajectory first".into())),
        }
    }

    /// Receives the trajectory the parent runs.
    pub fn receive_trajectory(&mut self) -> Result<Trajectory, EnvError> {
        match protocol::recv::<ToWorker>(&mut self.reader).map_err(lost)? {
            Some(msg) => Self::read_snapshot(msg),
            None => std::process::exit(0),
        }
    }

    /// Executes tasks until the parent says stop, then exits the process.
    pub fn serve<T, F>(&mut self, mut traj: Trajectory, f: &F) -> !
    where
        T: Serialize,
        F: Fn(&mut Run) -> RunResult<T> + Sync,
    {
        loop {
            let msg = match protocol::recv::<ToWorker>(&mut self.reader) {
                Ok(Some(m)) => m,
                _ => std::process::exit(0),
            };
            let reply = match msg {
                ToWorker::Shutdown => std::process::exit(0),
                snap @ ToWorker::Snapshot { .. } => match Self::read_snapshot(snap) {
                    Ok(t) => {
                        traj = t;
                        continue;
                    }
                    Err(_) => std::process::exit(2),
                },
                ToWorker::Task { index } => match execute(&traj, index, f) {
                    Outcome::Done {
                        index,
                        record,
                        value,
                    } => match postcard::to_stdvec(&value) {
                        Ok(value) => FromWorker::Done {
                            index,
                            record,
                            value,
                        },
                        Err(e) => FromWorker::Failed {
                            index,
                            message: format!("cannot encode the return value: {e}"),
                        },
                    },
                    Outcome::Failed { index, message } => FromWorker::Failed { index, message },
                },
            };
            if protocol::send(&mut self.writer, &reply).is_err() {
                std::process::exit(0);
            }
        }
    }
}
