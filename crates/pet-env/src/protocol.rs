//! Messages between the Environment and its worker processes, framed as
//! `u64 length (LE) + postcard bytes` over a loopback TCP connection.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use pet_core::{NodeRecord, RunInfo, RunRecord, TrajectoryInfo};

/// Environment variable carrying the parent's address to a worker process.
pub const WORKER_ADDR_ENV: &str = "PET_WORKER_ADDR";
/// Environment variable carrying the shared secret a worker must present.
pub const WORKER_TOKEN_ENV: &str = "PET_WORKER_TOKEN";

/// Largest frame accepted (guards against garbage on the socket).
const MAX_FRAME: u64 = 1 << 34;

/// Parent → worker.
#[derive(Serialize, Deserialize, Debug)]
pub enum ToWorker {
    /// The trajectory's parameters and runs (sent first, and again after an expand).
    Snapshot {
        /// Trajectory info.
        info: TrajectoryInfo,
        /// Parameter-like nodes with data.
        nodes: Vec<NodeRecord>,
        /// Run table.
        runs: Vec<RunInfo>,
    },
    /// Execute this run.
    Task {
        /// Run index.
        index: usize,
    },
    /// No more work: exit.
    Shutdown,
}

/// Worker → parent.
#[derive(Serialize, Deserialize, Debug)]
pub enum FromWorker {
    /// First message: proves the worker was started by this parent.
    Hello {
        /// The token from `PET_WORKER_TOKEN`.
        token: String,
        /// The worker's process id.
        pid: u32,
    },
    /// A run finished.
    Done {
        /// Run index.
        index: usize,
        /// Its results.
        record: RunRecord,
        /// The run function's return value, postcard-encoded.
        value: Vec<u8>,
    },
    /// A run returned an error or panicked.
    Failed {
        /// Run index.
        index: usize,
        /// The message.
        message: String,
    },
}

/// Writes one framed message.
pub fn send<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let bytes =
        postcard::to_stdvec(msg).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(&bytes)?;
    w.flush()
}

/// Reads one framed message; `Ok(None)` on a clean end of stream.
pub fn recv<T: DeserializeOwned>(r: &mut impl Read) -> io::Result<Option<T>> {
    let mut len = [0u8; 8];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u64::from_le_bytes(len);
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf)?;
    postcard::from_bytes(&buf)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
