//! The wire protocol between the Environment and its worker processes over a
//! loopback TCP connection: a fixed-size greeting, then bounded frames.
//!
//! # Handshake
//!
//! The parent listens on `127.0.0.1:0` and starts each worker with the address in
//! `PET_WORKER_ADDR` and a fresh secret in `PET_WORKER_TOKEN`: 32 bytes from
//! `/dev/urandom` (std's randomly keyed hasher only if that cannot be read), as 64
//! hex digits. Any local process can connect to the port, so the first bytes on
//! every connection must be the worker's greeting, [`GREETING_LEN`] = 41 bytes with
//! no length prefix:
//!
//! | bytes | content |
//! |---|---|
//! | 0..4 | magic `b"PETW"` ([`MAGIC`]) |
//! | 4 | protocol version ([`PROTOCOL_VERSION`]) |
//! | 5..37 | the token's 32 bytes |
//! | 37..41 | the worker's process id, `u32` little-endian |
//!
//! The parent reads at most these 41 bytes from a connection before it is
//! authenticated, and sends it nothing. It accepts a connection only if the magic,
//! version and token (compared in constant time) are right and the process id is
//! the one of the child it just started. A connection that sends anything else,
//! closes, or has not sent its whole greeting within [`HANDSHAKE_TIMEOUT`] is
//! dropped, and the parent keeps accepting until the real worker authenticates or
//! [`CONNECT_TIMEOUT`] passes. Up to [`MAX_PENDING`] unauthenticated connections
//! are read at once, so silent connections do not delay the real worker.
//!
//! # Frames
//!
//! After the greeting, each message is a frame: `u64` length (little-endian), then
//! that many bytes of postcard. A frame longer than [`MAX_FRAME`] is refused
//! before its body is read (and never sent), and the body is read incrementally,
//! so memory grows only with bytes that really arrive, never with what the length
//! prefix claims.
//!
//! Every read has a timeout: sockets are polled every [`POLL_INTERVAL`]. While no
//! frame has started (a worker may legitimately run one task for hours), each
//! poll checks that the other side is alive: the parent checks the worker
//! process, a worker checks that its parent process still exists. Once a frame
//! has started, the rest must keep arriving: [`STALL_TIMEOUT`] without a byte is
//! an error ("stopped sending mid-message"). Writes time out after
//! [`STALL_TIMEOUT`] without progress too.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use pet_core::{NodeRecord, PointValues, RunInfo, RunRecord, TrajectoryInfo};

use crate::token::TOKEN_LEN;

/// Environment variable carrying the parent's address to a worker process.
pub const WORKER_ADDR_ENV: &str = "PET_WORKER_ADDR";
/// Environment variable carrying the secret a worker must present (64 hex digits).
pub const WORKER_TOKEN_ENV: &str = "PET_WORKER_TOKEN";

/// First bytes of a worker's greeting.
pub const MAGIC: [u8; 4] = *b"PETW";
/// Version of this protocol, the greeting's fifth byte.
pub const PROTOCOL_VERSION: u8 = 2;
/// Length of the greeting: magic, version, token, process id.
pub const GREETING_LEN: usize = MAGIC.len() + 1 + TOKEN_LEN + 4;

/// How long a started worker may take to connect and authenticate.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one connection may take to send its whole greeting.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most unauthenticated connections the parent reads at once; more wait in the
/// listen backlog.
pub const MAX_PENDING: usize = 64;
/// Largest frame body accepted or sent: 4 GiB.
pub const MAX_FRAME: u64 = 1 << 32;
/// Read timeout of the sockets: how often a waiting reader checks its peer.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// Longest time without progress once a frame has started, and for a write.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Parent → worker.
#[derive(Serialize, Deserialize, Debug)]
pub enum ToWorker {
    /// The base the runs execute against (parameters without their explored
    /// lists): sent first, and again when post-processing changed it.
    Snapshot {
        /// The name of the sweep's run function, which a worker looks up among
        /// those it was given ([`crate::WorkerFunctions`]).
        function: String,
        /// Trajectory info.
        info: TrajectoryInfo,
        /// Parameter-like nodes with data.
        nodes: Vec<NodeRecord>,
        /// Run table.
        runs: Vec<RunInfo>,
    },
    /// Execute this run.
    Task {
        /// The run's index and explored values (the snapshot holds the rest).
        point: PointValues,
    },
    /// No more work: exit.
    Shutdown,
}

/// Worker → parent.
#[derive(Serialize, Deserialize, Debug)]
pub enum FromWorker {
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
    /// The worker cannot run this sweep at all (it was not given the sweep's
    /// run function): the parent stops the sweep with this message.
    Refused {
        /// Run index of the task refused.
        index: usize,
        /// What is missing and what to do.
        message: String,
    },
}

impl FromWorker {
    /// The outcome this reply reports, the return value decoded.
    pub(crate) fn into_outcome<T: DeserializeOwned>(self) -> crate::execute::Outcome<T> {
        use crate::execute::Outcome;
        match self {
            FromWorker::Done {
                index,
                record,
                value,
            } => match postcard::from_bytes(&value) {
                Ok(value) => Outcome::Done {
                    index,
                    record,
                    value,
                },
                Err(e) => Outcome::Failed {
                    index,
                    message: format!("cannot decode the run's return value: {e}"),
                },
            },
            FromWorker::Failed { index, message } => Outcome::Failed { index, message },
            FromWorker::Refused { index, message } => Outcome::Refused { index, message },
        }
    }
}

/// The worker's first bytes on the connection, proving that the parent started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// The token's bytes from `PET_WORKER_TOKEN`.
    pub token: [u8; TOKEN_LEN],
    /// The worker's process id.
    pub pid: u32,
}

impl Greeting {
    /// The greeting's bytes on the wire.
    pub fn encode(&self) -> [u8; GREETING_LEN] {
        let mut out = [0u8; GREETING_LEN];
        out[..4].copy_from_slice(&MAGIC);
        out[4] = PROTOCOL_VERSION;
        out[5..5 + TOKEN_LEN].copy_from_slice(&self.token);
        out[5 + TOKEN_LEN..].copy_from_slice(&self.pid.to_le_bytes());
        out
    }

    /// Checks the magic and version of the first bytes received, so that a
    /// connection sending something else can be dropped before it sends more.
    pub fn check_prefix(prefix: &[u8]) -> Result<(), String> {
        let n = prefix.len().min(MAGIC.len());
        if prefix[..n] != MAGIC[..n] {
            return Err("it is not a pet worker (wrong magic)".into());
        }
        match prefix.get(MAGIC.len()) {
            Some(&v) if v != PROTOCOL_VERSION => Err(format!(
                "it speaks protocol version {v}, this program version {PROTOCOL_VERSION}"
            )),
            _ => Ok(()),
        }
    }

    /// Parses a whole greeting (token and process id are checked by the caller).
    pub fn decode(buf: &[u8; GREETING_LEN]) -> Result<Self, String> {
        Self::check_prefix(buf)?;
        let mut token = [0u8; TOKEN_LEN];
        token.copy_from_slice(&buf[5..5 + TOKEN_LEN]);
        let mut pid = [0u8; 4];
        pid.copy_from_slice(&buf[5 + TOKEN_LEN..]);
        Ok(Greeting {
            token,
            pid: u32::from_le_bytes(pid),
        })
    }
}

/// Writes one framed message; refuses one longer than [`MAX_FRAME`].
pub fn send<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let bytes =
        postcard::to_stdvec(msg).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let len = bytes.len() as u64;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("message of {len} bytes exceeds the frame limit of {MAX_FRAME} bytes"),
        ));
    }
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&bytes)?;
    w.flush()
}

/// Reads one framed message; `Ok(None)` on a clean end of stream between
/// frames. `idle` runs whenever a read times out (the stream's read timeout
/// is the polling interval); an error from it ends the wait with that error.
pub fn recv<T: DeserializeOwned>(
    r: &mut impl Read,
    idle: impl FnMut() -> io::Result<()>,
) -> io::Result<Option<T>> {
    recv_within(r, idle, STALL_TIMEOUT)
}

/// True for the errors a read timeout produces (`WouldBlock` on Unix,
/// `TimedOut` elsewhere).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Follows one frame's progress: an error once `stall` passes without a byte.
struct Progress {
    last: Instant,
    stall: Duration,
}

impl Progress {
    fn check(&self) -> io::Result<()> {
        if self.last.elapsed() >= self.stall {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "stopped sending mid-message (no data for {} s)",
                    self.stall.as_secs()
                ),
            ));
        }
        Ok(())
    }
}

fn eof_mid_message() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the connection closed mid-message",
    )
}

/// [`recv`] with the bound on a stalled frame as a parameter.
fn recv_within<T: DeserializeOwned>(
    r: &mut impl Read,
    mut idle: impl FnMut() -> io::Result<()>,
    stall: Duration,
) -> io::Result<Option<T>> {
    let mut header = [0u8; 8];
    let mut filled = 0;
    let mut progress: Option<Progress> = None;
    while filled < header.len() {
        match r.read(&mut header[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(eof_mid_message()),
            Ok(n) => {
                filled += n;
                progress = Some(Progress {
                    last: Instant::now(),
                    stall,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => {
                idle()?;
                if let Some(p) = &progress {
                    p.check()?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    let len = u64::from_le_bytes(header);
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame claims {len} bytes, more than the limit of {MAX_FRAME}"),
        ));
    }
    let mut progress = Progress {
        last: Instant::now(),
        stall,
    };
    // Grows only as bytes arrive: `read_to_end` reserves from what it has read,
    // never from `len`.
    let mut body = Vec::new();
    while (body.len() as u64) < len {
        let before = body.len();
        let result = r.by_ref().take(len - before as u64).read_to_end(&mut body);
        if body.len() > before {
            progress.last = Instant::now();
        }
        match result {
            Ok(_) if (body.len() as u64) < len => return Err(eof_mid_message()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => {
                idle()?;
                progress.check()?;
            }
            Err(e) => return Err(e),
        }
    }
    postcard::from_bytes(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::io::Cursor;

    /// Yields `data`, then either ends or times out forever, and records the
    /// largest buffer it was asked to fill.
    struct Recording {
        data: Cursor<Vec<u8>>,
        then_stall: bool,
        largest_request: usize,
        timeouts: usize,
    }

    impl Recording {
        fn new(data: Vec<u8>, then_stall: bool) -> Self {
            Recording {
                data: Cursor::new(data),
                then_stall,
                largest_request: 0,
                timeouts: 0,
            }
        }
    }

    impl Read for Recording {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.largest_request = self.largest_request.max(buf.len());
            let n = self.data.read(buf)?;
            if n == 0 && self.then_stall {
                self.timeouts += 1;
                std::thread::sleep(Duration::from_millis(5));
                return Err(io::ErrorKind::WouldBlock.into());
            }
            Ok(n)
        }
    }

    fn frame(len: u64, body: &[u8]) -> Vec<u8> {
        let mut v = len.to_le_bytes().to_vec();
        v.extend_from_slice(body);
        v
    }

    fn never_idle() -> io::Result<()> {
        Ok(())
    }

    #[test]
    fn messages_round_trip() {
        let mut buf = Vec::new();
        let point = PointValues {
            index: 7,
            values: vec![],
            summary: String::new(),
        };
        send(&mut buf, &ToWorker::Task { point }).unwrap();
        send(&mut buf, &ToWorker::Shutdown).unwrap();
        let mut r = Cursor::new(buf);
        let a: Option<ToWorker> = recv(&mut r, never_idle).unwrap();
        assert!(matches!(a, Some(ToWorker::Task { point }) if point.index == 7));
        let b: Option<ToWorker> = recv(&mut r, never_idle).unwrap();
        assert!(matches!(b, Some(ToWorker::Shutdown)));
        let end: Option<ToWorker> = recv(&mut r, never_idle).unwrap();
        assert!(end.is_none());
    }

    #[test]
    fn a_frame_over_the_limit_is_refused_before_its_body_is_read() {
        let mut r = Recording::new(frame(1 << 33, &[0u8; 10]), false);
        let e = recv::<ToWorker>(&mut r, never_idle).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        assert_eq!(r.data.position(), 8, "the body was read");
        assert!(r.largest_request <= 8, "asked for {}", r.largest_request);
    }

    #[test]
    fn a_lying_length_prefix_does_not_allocate_what_it_claims() {
        // Within the limit, but only 10 bytes follow before the end of stream.
        let mut r = Recording::new(frame(MAX_FRAME, &[0u8; 10]), false);
        let e = recv::<ToWorker>(&mut r, never_idle).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
        assert!(
            r.largest_request < 1 << 20,
            "a read asked for {} bytes",
            r.largest_request
        );
    }

    #[test]
    fn a_frame_that_stops_arriving_times_out() {
        let mut r = Recording::new(frame(1 << 31, &[0u8; 10]), true);
        let mut idles = 0;
        let e = recv_within::<ToWorker>(
            &mut r,
            || {
                idles += 1;
                Ok(())
            },
            Duration::from_millis(50),
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert!(e.to_string().contains("stopped sending mid-message"), "{e}");
        assert!(idles > 0);
        assert!(
            r.largest_request < 1 << 20,
            "asked for {}",
            r.largest_request
        );
    }

    #[test]
    fn a_partial_header_that_stops_arriving_times_out() {
        let mut r = Recording::new(vec![1, 2, 3], true);
        let e = recv_within::<ToWorker>(&mut r, never_idle, Duration::from_millis(50)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        let mut r = Recording::new(vec![1, 2, 3], false);
        let e = recv::<ToWorker>(&mut r, never_idle).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
    }

    #[test]
    fn waiting_between_frames_has_no_bound_but_idle_can_end_it() {
        let mut r = Recording::new(Vec::new(), true);
        let mut polls = 0;
        let e = recv_within::<ToWorker>(
            &mut r,
            || {
                polls += 1;
                if polls < 20 {
                    Ok(())
                } else {
                    Err(io::Error::other("peer gone"))
                }
            },
            Duration::from_millis(1),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "peer gone");
        assert_eq!(r.timeouts, 20);
    }

    #[test]
    fn greetings_round_trip_and_wrong_ones_are_told_apart_early() {
        let g = Greeting {
            token: [7; TOKEN_LEN],
            pid: 4242,
        };
        let bytes = g.encode();
        assert_eq!(bytes.len(), 41);
        assert_eq!(Greeting::decode(&bytes).unwrap(), g);
        assert!(Greeting::check_prefix(b"PE").is_ok());
        assert!(Greeting::check_prefix(b"GET ").is_err());
        assert!(Greeting::check_prefix(&[0, 0, 0, 0, 0, 0, 0, 1]).is_err());
        let mut other_version = bytes;
        other_version[4] = PROTOCOL_VERSION + 1;
        assert!(Greeting::check_prefix(&other_version[..5]).is_err());
        assert!(Greeting::decode(&other_version).is_err());
    }
}
