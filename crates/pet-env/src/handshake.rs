//! The parent's side of the worker handshake: accept connections on the worker
//! port until the worker just started authenticates with its greeting, and drop
//! every other connection unanswered (see [`crate::protocol`] for the rules).

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::error::EnvError;
use crate::protocol::{Greeting, GREETING_LEN, MAX_PENDING};
use crate::token::Token;

/// Who may connect, and how long to wait for it.
pub struct Expect<'a> {
    /// The token the worker was given.
    pub token: &'a Token,
    /// The worker's process id.
    pub pid: u32,
    /// How long to wait for the worker to authenticate.
    pub connect: Duration,
    /// How long one connection may take to send its greeting.
    pub handshake: Duration,
}

/// A connection whose greeting is still arriving.
struct Pending {
    stream: TcpStream,
    peer: SocketAddr,
    buf: [u8; GREETING_LEN],
    filled: usize,
    since: Instant,
}

/// Where a pending connection stands after a poll.
enum Step {
    Waiting,
    Accepted,
    Dropped(String),
}

impl Pending {
    /// Reads what has arrived of the greeting, never more than its length, and
    /// judges it once complete. Writes nothing.
    fn poll(&mut self, expect: &Expect<'_>) -> Step {
        while self.filled < GREETING_LEN {
            match self.stream.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    return Step::Dropped(format!(
                        "it closed the connection after {} of {GREETING_LEN} greeting bytes",
                        self.filled
                    ))
                }
                Ok(n) => {
                    self.filled += n;
                    if let Err(reason) = Greeting::check_prefix(&self.buf[..self.filled]) {
                        return Step::Dropped(reason);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if self.since.elapsed() >= expect.handshake {
                        return Step::Dropped(format!(
                            "it sent no complete greeting within {:?}",
                            expect.handshake
                        ));
                    }
                    return Step::Waiting;
                }
                Err(e) => return Step::Dropped(format!("reading its greeting failed: {e}")),
            }
        }
        let greeting = match Greeting::decode(&self.buf) {
            Ok(g) => g,
            Err(reason) => return Step::Dropped(reason),
        };
        if !expect.token.matches(&greeting.token) {
            return Step::Dropped("it presented a wrong token".into());
        }
        if greeting.pid != expect.pid {
            return Step::Dropped(format!(
                "it claims process id {}, the worker started is {}",
                greeting.pid, expect.pid
            ));
        }
        Step::Accepted
    }
}

/// Connections that were dropped, for the report.
#[derive(Default)]
struct Refused {
    count: usize,
    last: Option<String>,
}

impl Refused {
    fn add(&mut self, peer: SocketAddr, reason: String) {
        self.count += 1;
        self.last = Some(format!("{peer}: {reason}"));
    }

    fn summary(&self) -> String {
        match &self.last {
            None => String::new(),
            Some(last) => format!(
                "; {} other connection(s) to the worker port were dropped without a valid greeting (last from {last})",
                self.count
            ),
        }
    }
}

/// Accepts connections on the non-blocking `listener` until one presents the
/// expected greeting, and returns it in blocking mode. Every other connection
/// is dropped without being sent anything. `alive` runs between polls (it
/// checks that the worker has not exited); its error ends the wait.
pub fn accept_worker(
    listener: &TcpListener,
    expect: &Expect<'_>,
    mut alive: impl FnMut() -> Result<(), EnvError>,
) -> Result<TcpStream, EnvError> {
    let start = Instant::now();
    let mut pending: Vec<Pending> = Vec::new();
    let mut refused = Refused::default();
    loop {
        while pending.len() < MAX_PENDING {
            match listener.accept() {
                Ok((stream, peer)) => match stream.set_nonblocking(true) {
                    Ok(()) => pending.push(Pending {
                        stream,
                        peer,
                        buf: [0; GREETING_LEN],
                        filled: 0,
                        since: Instant::now(),
                    }),
                    Err(e) => refused.add(peer, format!("cannot configure its socket: {e}")),
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Interrupted | ErrorKind::ConnectionAborted
                    ) => {}
                Err(e) => return Err(EnvError::io("accepting a worker failed", e)),
            }
        }
        let mut i = 0;
        while i < pending.len() {
            match pending[i].poll(expect) {
                Step::Waiting => i += 1,
                Step::Dropped(reason) => {
                    let p = pending.swap_remove(i);
                    refused.add(p.peer, reason);
                }
                Step::Accepted => {
                    let p = pending.swap_remove(i);
                    if refused.count > 0 {
                        tracing::warn!("worker processes{}", refused.summary());
                    }
                    p.stream
                        .set_nonblocking(false)
                        .map_err(|e| EnvError::io("cannot configure a worker's socket", e))?;
                    return Ok(p.stream);
                }
            }
        }
        alive()?;
        if start.elapsed() >= expect.connect {
            for p in pending {
                refused.add(p.peer, "it sent no complete greeting".into());
            }
            return Err(EnvError::Worker(format!(
                "a worker process did not connect and authenticate within {:?}{}",
                expect.connect,
                refused.summary()
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::io::Write;
    use std::sync::mpsc;

    fn listener() -> TcpListener {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        l
    }

    fn greeting(token: &Token, pid: u32) -> [u8; GREETING_LEN] {
        Greeting {
            token: *token.as_bytes(),
            pid,
        }
        .encode()
    }

    fn expect(token: &Token, connect: Duration, handshake: Duration) -> Expect<'_> {
        Expect {
            token,
            pid: std::process::id(),
            connect,
            handshake,
        }
    }

    /// Reads what the parent sent a rogue client until the parent closes it.
    fn received_by(mut rogue: TcpStream) -> Vec<u8> {
        rogue
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut got = Vec::new();
        match rogue.read_to_end(&mut got) {
            Ok(_) => {}
            // The parent closed the connection with unread bytes in it.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("the parent did not close the rogue connection: {e}"),
        }
        got
    }

    /// A connection that comes first and misbehaves in `rogue_sends` does not
    /// keep the real worker out, and receives nothing.
    fn rogue_first(rogue_sends: impl FnOnce(&mut TcpStream, &Token)) {
        let l = listener();
        let addr = l.local_addr().unwrap();
        let token = Token::generate();
        let mut rogue = TcpStream::connect(addr).unwrap();
        rogue_sends(&mut rogue, &token);
        // Let the parent see the rogue connection before the worker's.
        std::thread::sleep(Duration::from_millis(50));
        let (tx, rx) = mpsc::channel();
        let worker_token = token.clone();
        let worker = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(&greeting(&worker_token, std::process::id()))
                .unwrap();
            let mut first = [0u8; 5];
            s.read_exact(&mut first).unwrap();
            tx.send(first).unwrap();
        });
        let e = expect(&token, Duration::from_secs(30), Duration::from_secs(20));
        let mut accepted = accept_worker(&l, &e, || Ok(())).unwrap();
        accepted.write_all(b"hello").unwrap();
        assert_eq!(&rx.recv().unwrap(), b"hello");
        worker.join().unwrap();
        drop(l);
        assert!(received_by(rogue).is_empty());
    }

    #[test]
    fn a_rogue_connection_sending_garbage_first_does_not_keep_the_worker_out() {
        rogue_first(|rogue, _| {
            // A frame header claiming 8 GiB, as the old protocol read it.
            rogue.write_all(&(1u64 << 33).to_le_bytes()).unwrap();
            rogue.write_all(&[0xAB; 64]).unwrap();
        });
    }

    #[test]
    fn a_rogue_connection_with_a_wrong_token_does_not_keep_the_worker_out() {
        rogue_first(|rogue, _| {
            let wrong = Token::generate();
            rogue
                .write_all(&greeting(&wrong, std::process::id()))
                .unwrap();
        });
    }

    #[test]
    fn a_rogue_connection_with_the_token_but_another_pid_is_dropped() {
        rogue_first(|rogue, token| {
            rogue
                .write_all(&greeting(token, std::process::id().wrapping_add(1)))
                .unwrap();
        });
    }

    #[test]
    fn a_silent_rogue_connection_does_not_keep_the_worker_out() {
        // Silent for longer than the worker takes; the handshake bound (20 s
        // here) is not waited for.
        rogue_first(|_, _| {});
    }

    #[test]
    fn a_partial_greeting_does_not_keep_the_worker_out() {
        rogue_first(|rogue, token| {
            rogue
                .write_all(&greeting(token, std::process::id())[..40])
                .unwrap();
        });
    }

    #[test]
    fn a_greeting_that_never_arrives_times_out_clearly() {
        let l = listener();
        let token = Token::generate();
        let silent = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let e = expect(
            &token,
            Duration::from_millis(400),
            Duration::from_millis(100),
        );
        let err = accept_worker(&l, &e, || Ok(())).unwrap_err().to_string();
        assert!(err.contains("did not connect and authenticate"), "{err}");
        assert!(err.contains("no complete greeting within 100ms"), "{err}");
        assert!(received_by(silent).is_empty());
    }

    #[test]
    fn no_connection_at_all_times_out_and_a_dead_worker_ends_the_wait() {
        let l = listener();
        let token = Token::generate();
        let e = expect(
            &token,
            Duration::from_millis(100),
            Duration::from_millis(100),
        );
        let err = accept_worker(&l, &e, || Ok(())).unwrap_err().to_string();
        assert!(err.contains("did not connect"), "{err}");
        let e = expect(&token, Duration::from_secs(30), Duration::from_secs(10));
        let err = accept_worker(&l, &e, || Err(EnvError::Worker("exited".into())))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exited"), "{err}");
    }

    #[test]
    fn many_silent_connections_do_not_keep_the_worker_out() {
        let l = listener();
        let addr = l.local_addr().unwrap();
        let token = Token::generate();
        let silent: Vec<TcpStream> = (0..MAX_PENDING + 8)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        let worker_token = token.clone();
        let worker = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(&greeting(&worker_token, std::process::id()))
                .unwrap();
            s
        });
        // The worker waits behind MAX_PENDING silent ones until they time out.
        let e = expect(&token, Duration::from_secs(30), Duration::from_millis(200));
        accept_worker(&l, &e, || Ok(())).unwrap();
        worker.join().unwrap();
        drop(silent);
    }
}
