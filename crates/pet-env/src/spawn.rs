//! Worker processes, parent side: start this program again as a worker, accept
//! its connection, send it snapshots and tasks, and notice when it dies.

use std::io::{self, BufReader, BufWriter};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use pet_core::PointValues;

use crate::error::EnvError;
use crate::execute::Outcome;
use crate::handshake::{accept_worker, Expect};
use crate::protocol::{
    self, FromWorker, ToWorker, CONNECT_TIMEOUT, HANDSHAKE_TIMEOUT, POLL_INTERVAL, STALL_TIMEOUT,
    WORKER_ADDR_ENV, WORKER_TOKEN_ENV,
};
use crate::queue::Snapshot;
use crate::token::Token;

/// How long a worker whose connection failed may take to exit before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// Starts worker processes and accepts their connections.
pub struct Spawner {
    listener: Mutex<TcpListener>,
    args: Vec<String>,
}

/// A connected worker process.
pub struct WorkerProcess {
    child: Child,
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
    version: u64,
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
            args: args.unwrap_or_else(|| std::env::args().skip(1).collect()),
        })
    }

    /// Starts one worker with a fresh token and waits until it authenticates.
    pub fn spawn(&self) -> Result<WorkerProcess, EnvError> {
        let listener = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        let addr = listener
            .local_addr()
            .map_err(|e| EnvError::io("worker socket has no address", e))?;
        let exe =
            std::env::current_exe().map_err(|e| EnvError::io("cannot find this program", e))?;
        let token = Token::generate();
        let mut child = Command::new(exe)
            .args(&self.args)
            .env(WORKER_ADDR_ENV, addr.to_string())
            .env(WORKER_TOKEN_ENV, token.to_hex())
            .spawn()
            .map_err(|e| EnvError::io("cannot start a worker process", e))?;
        let expect = Expect {
            token: &token,
            pid: child.id(),
            connect: CONNECT_TIMEOUT,
            handshake: HANDSHAKE_TIMEOUT,
        };
        let connected = accept_worker(&listener, &expect, || match child.try_wait() {
            Ok(Some(status)) => Err(EnvError::Worker(format!(
                "a worker process exited ({status}) before connecting; the program must call pet_env::serve_if_worker(your_run_function) at the top of main"
            ))),
            Ok(None) => Ok(()),
            Err(e) => Err(EnvError::io("cannot check on a worker process", e)),
        })
        .and_then(|stream| {
            let io = |e| EnvError::io("cannot configure a worker's connection", e);
            stream.set_nodelay(true).map_err(io)?;
            stream.set_read_timeout(Some(POLL_INTERVAL)).map_err(io)?;
            stream.set_write_timeout(Some(STALL_TIMEOUT)).map_err(io)?;
            let reader = BufReader::new(stream.try_clone().map_err(io)?);
            Ok((reader, BufWriter::new(stream)))
        });
        match connected {
            Ok((reader, writer)) => Ok(WorkerProcess {
                child,
                reader,
                writer,
                version: 0,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }
}

/// Why the connection to a worker ended.
enum Lost {
    /// The connection closed between messages.
    Closed,
    /// Reading, writing or decoding failed.
    Failed(io::Error),
}

impl WorkerProcess {
    /// Runs one task in the worker; a dead worker gives a `Failed` outcome and `false`.
    pub fn run<T: DeserializeOwned>(
        &mut self,
        point: PointValues,
        snap: &Snapshot,
    ) -> (Outcome<T>, bool) {
        let index = point.index;
        if self.version != snap.version {
            let msg = ToWorker::Snapshot {
                function: snap.function.clone(),
                info: snap.traj.info().clone(),
                nodes: snap.traj.param_records(),
                runs: snap.traj.run_infos().to_vec(),
            };
            if let Err(e) = protocol::send(&mut self.writer, &msg) {
                return self.lost(index, "before the run started", Lost::Failed(e));
            }
            self.version = snap.version;
        }
        if let Err(e) = protocol::send(&mut self.writer, &ToWorker::Task { point }) {
            return self.lost(index, "before the run started", Lost::Failed(e));
        }
        // A run may take hours: between polls, notice a worker that died.
        let child = &mut self.child;
        let reply = protocol::recv::<FromWorker>(&mut self.reader, || match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(io::Error::other(format!("it exited ({status})"))),
            Err(e) => Err(e),
        });
        match reply {
            Ok(Some(reply)) => (reply.into_outcome(), true),
            Ok(None) => self.lost(index, "while running", Lost::Closed),
            Err(e) => self.lost(index, "while running", Lost::Failed(e)),
        }
    }

    /// The outcome of a run whose worker connection ended: reaps the worker,
    /// killing it when it does not exit within [`EXIT_GRACE`].
    fn lost<T>(&mut self, index: usize, when: &str, why: Lost) -> (Outcome<T>, bool) {
        let message = match self.exit_within(EXIT_GRACE) {
            Some(status) => format!("worker process died ({status}) {when}"),
            None => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                match why {
                    Lost::Closed => {
                        format!("worker process closed its connection {when}; it was stopped")
                    }
                    Lost::Failed(e) => {
                        format!("lost the worker process {when}: {e}; it was stopped")
                    }
                }
            }
        };
        (Outcome::Failed { index, message }, false)
    }

    /// The worker's exit status if it exits within `grace`.
    fn exit_within(&mut self, grace: Duration) -> Option<String> {
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status.to_string()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// Asks the worker to exit and waits for it.
    pub fn shutdown(mut self) {
        let _ = protocol::send(&mut self.writer, &ToWorker::Shutdown);
        if self.exit_within(Duration::from_secs(10)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::io::Write;

    /// A worker process `child` whose connection's other end the test holds.
    fn connected(child: Child) -> (WorkerProcess, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let w = WorkerProcess {
            child,
            reader: BufReader::new(s.try_clone().unwrap()),
            writer: BufWriter::new(s),
            version: 0,
        };
        (w, peer)
    }

    fn point0() -> PointValues {
        PointValues {
            index: 0,
            values: vec![],
            summary: String::new(),
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            version: 0,
            function: String::new(),
            traj: pet_core::Trajectory::new("t").unwrap(),
        }
    }

    fn failure(outcome: Outcome<i64>) -> String {
        match outcome {
            Outcome::Failed { message, .. } | Outcome::Refused { message, .. } => message,
            Outcome::Done { .. } => panic!("the run succeeded"),
        }
    }

    #[test]
    fn a_worker_that_dies_while_its_connection_stays_open_is_noticed() {
        // Only polling the process can tell: the connection never closes.
        let child = Command::new("sleep").arg("0.2").spawn().unwrap();
        let (mut w, peer) = connected(child);
        let (outcome, alive) = w.run::<i64>(point0(), &snapshot());
        assert!(!alive);
        let message = failure(outcome);
        assert!(
            message.contains("worker process died (exit status: 0) while running"),
            "{message}"
        );
        drop(peer);
    }

    #[test]
    fn a_worker_that_sends_an_oversized_frame_is_stopped() {
        let child = Command::new("sleep").arg("30").spawn().unwrap();
        let (mut w, mut peer) = connected(child);
        peer.write_all(&(1u64 << 40).to_le_bytes()).unwrap();
        let (outcome, alive) = w.run::<i64>(point0(), &snapshot());
        assert!(!alive);
        let message = failure(outcome);
        assert!(message.contains("more than the limit"), "{message}");
        assert!(message.contains("it was stopped"), "{message}");
        assert!(
            w.child.try_wait().unwrap().is_some(),
            "the worker still runs"
        );
    }
}
