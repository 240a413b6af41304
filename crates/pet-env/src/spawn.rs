//! Worker processes, parent side: start this program again as a worker, accept
//! its connection, send it snapshots and tasks, and notice when it dies.

use std::io::{BufReader, BufWriter};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::error::EnvError;
use crate::execute::Outcome;
use crate::protocol::{self, FromWorker, ToWorker, WORKER_ADDR_ENV, WORKER_TOKEN_ENV};
use crate::queue::Snapshot;

/// How long a new worker may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts worker processes and accepts their connections.
pub struct Spawner {
    listener: Mutex<TcpListener>,
    token: String,
    args: Vec<String>,
}

/// A connected worker process.
pub struct WorkerProcess {
    child: Child,
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
    version: u64,
}

fn token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

impl Spawner {
    /// Listens on a free loopback port; workers get `args` (default: ours).
    pub fn new(args: Option<Vec<String>>) -> Result<Self, EnvError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| EnvError::io("cannot listen on 127.0.0.1 for worker processes", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| EnvError::io("cannot configure the worker socket", e))?;
        Ok(Spawner {
            listener: Mutex::new(listener),
            token: token(),
            args: args.unwrap_or_else(|| std::env::args().skip(1).collect()),
        })
    }

    /// Starts one worker and waits for it to connect.
    pub fn spawn(&self) -> Result<WorkerProcess, EnvError> {
        let listener = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        let addr = listener
            .local_addr()
            .map_err(|e| EnvError::io("worker socket has no address", e))?;
        let exe =
            std::env::current_exe().map_err(|e| EnvError::io("cannot find this program", e))?;
        let mut child = Command::new(exe)
            .args(&self.args)
            .env(WORKER_ADDR_ENV, addr.to_string())
            .env(WORKER_TOKEN_ENV, &self.token)
            .spawn()
            .map_err(|e| EnvError::io("cannot start a worker process", e))?;
        let start = Instant::now();
        let stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Err(EnvError::Worker(format!(
                            "a worker process exited ({status}) before connecting; the program must call pet_env::serve_if_worker(your_run_function) at the top of main"
                        )));
                    }
                    if start.elapsed() > CONNECT_TIMEOUT {
                        let _ = child.kill();
                        return Err(EnvError::Worker(
                            "a worker process did not connect within 60 s".into(),
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(EnvError::io("accepting a worker failed", e)),
            }
        };
        let io = |e| EnvError::io("talking to a worker failed", e);
        stream.set_nonblocking(false).map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        let mut reader = BufReader::new(stream.try_clone().map_err(io)?);
        match protocol::recv::<FromWorker>(&mut reader) {
            Ok(Some(FromWorker::Hello { token, .. })) if token == self.token => {}
            _ => {
                let _ = child.kill();
                return Err(EnvError::Worker(
                    "a worker presented no valid greeting".into(),
                ));
            }
        }
        Ok(WorkerProcess {
            child,
            reader,
            writer: BufWriter::new(stream),
            version: 0,
        })
    }
}

impl WorkerProcess {
    /// Runs one task in the worker; a dead worker gives a `Failed` outcome and `false`.
    pub fn run<T: DeserializeOwned>(
        &mut self,
        index: usize,
        snap: &Snapshot,
    ) -> (Outcome<T>, bool) {
        let died = |w: &mut WorkerProcess, what: &str| {
            let status = w
                .child
                .wait()
                .map(|s| s.to_string())
                .unwrap_or_else(|e| e.to_string());
            (
                Outcome::Failed {
                    index,
                    message: format!("worker process died ({status}) {what}"),
                },
                false,
            )
        };
        if self.version != snap.version {
            let msg = ToWorker::Snapshot {
                info: snap.traj.info().clone(),
                nodes: snap.traj.param_records(),
                runs: snap.traj.run_infos().to_vec(),
            };
            if protocol::send(&mut self.writer, &msg).is_err() {
                return died(self, "before the run started");
            }
            self.version = snap.version;
        }
        if protocol::send(&mut self.writer, &ToWorker::Task { index }).is_err() {
            return died(self, "before the run started");
        }
        match protocol::recv::<FromWorker>(&mut self.reader) {
            Ok(Some(FromWorker::Done {
                index,
                record,
                value,
            })) => match postcard::from_bytes(&value) {
                Ok(value) => (
                    Outcome::Done {
                        index,
                        record,
                        value,
                    },
                    true,
                ),
                Err(e) => (
                    Outcome::Failed {
                        index,
                        message: format!("cannot decode the run's return value: {e}"),
                    },
                    true,
                ),
            },
            Ok(Some(FromWorker::Failed { index, message })) => {
                (Outcome::Failed { index, message }, true)
            }
            _ => died(self, "while running"),
        }
    }

    /// Asks the worker to exit and waits for it.
    pub fn shutdown(mut self) {
        let _ = protocol::send(&mut self.writer, &ToWorker::Shutdown);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
