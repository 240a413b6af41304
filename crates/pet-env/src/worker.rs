//! Worker processes, worker side: the explicit entries [`serve_if_worker`] and
//! [`serve_workers`], which connect to the parent, receive the trajectory and
//! the name of the sweep's run function, execute tasks until told to stop, then
//! exit.

use std::io::{BufReader, BufWriter, Write};
use std::net::{SocketAddr, TcpStream};

use serde::Serialize;

use pet_core::{PointValues, Run, Trajectory};

use crate::error::{EnvError, RunResult};
use crate::execute::{execute, Outcome};
use crate::protocol::{
    self, FromWorker, Greeting, ToWorker, CONNECT_TIMEOUT, POLL_INTERVAL, STALL_TIMEOUT,
    WORKER_ADDR_ENV, WORKER_TOKEN_ENV,
};
use crate::token::Token;

/// The connection of a worker process to its parent.
struct WorkerLink {
    reader: BufReader<TcpStream>,
    writer: BufWriter<TcpStream>,
    /// The parent's process id when the worker started (where it can be known).
    parent: Option<u32>,
}

fn lost(e: impl std::fmt::Display) -> EnvError {
    EnvError::Worker(format!("lost the connection to the parent process: {e}"))
}

/// This process's parent, where the platform tells.
#[cfg(unix)]
fn parent_pid() -> Option<u32> {
    Some(std::os::unix::process::parent_id())
}

/// This process's parent, where the platform tells.
#[cfg(not(unix))]
fn parent_pid() -> Option<u32> {
    None
}

impl WorkerLink {
    /// Connects and greets the parent when this process was started as a
    /// worker; `None` otherwise.
    fn from_env() -> Result<Option<Self>, EnvError> {
        let Ok(addr) = std::env::var(WORKER_ADDR_ENV) else {
            return Ok(None);
        };
        let parent = parent_pid();
        let token = std::env::var(WORKER_TOKEN_ENV)
            .ok()
            .and_then(|t| Token::from_hex(&t))
            .ok_or_else(|| {
                EnvError::Worker(format!(
                    "{WORKER_TOKEN_ENV} is missing or not 64 hex digits; worker processes are started by Mode::Processes"
                ))
            })?;
        let addr: SocketAddr = addr.parse().map_err(|e| {
            EnvError::Worker(format!(
                "{WORKER_ADDR_ENV}={addr} is not a socket address: {e}"
            ))
        })?;
        let stream = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(lost)?;
        stream.set_nodelay(true).map_err(lost)?;
        stream.set_read_timeout(Some(POLL_INTERVAL)).map_err(lost)?;
        stream
            .set_write_timeout(Some(STALL_TIMEOUT))
            .map_err(lost)?;
        let greeting = Greeting {
            token: *token.as_bytes(),
            pid: std::process::id(),
        };
        (&stream).write_all(&greeting.encode()).map_err(lost)?;
        Ok(Some(WorkerLink {
            reader: BufReader::new(stream.try_clone().map_err(lost)?),
            writer: BufWriter::new(stream),
            parent,
        }))
    }

    /// Executes tasks until the parent says stop, then exits the process. The
    /// parent sends the trajectory (and every expansion of it), naming the
    /// sweep's run function, before the tasks that need it.
    fn serve(&mut self, fns: &WorkerFunctions<'_>) -> ! {
        let mut server = TaskServer::new(fns);
        loop {
            // Between tasks the parent may be busy for long; exit once it is gone.
            let parent = self.parent;
            let msg = match protocol::recv::<ToWorker>(&mut self.reader, || {
                if parent_pid() != parent {
                    std::process::exit(0);
                }
                Ok(())
            }) {
                Ok(Some(m)) => m,
                Ok(None) => std::process::exit(0),
                Err(_) => std::process::exit(2),
            };
            let reply = match server.answer(msg) {
                Answer::Reply(r) => r,
                Answer::Nothing => continue,
                Answer::Stop => std::process::exit(0),
                Answer::Broken => std::process::exit(2),
            };
            if protocol::send(&mut self.writer, &reply).is_err() {
                std::process::exit(0);
            }
        }
    }
}

/// What a worker does with one message of its parent.
pub(crate) enum Answer {
    /// Send this reply.
    Reply(FromWorker),
    /// Nothing to send (a new trajectory was taken in).
    Nothing,
    /// The parent is done: stop.
    Stop,
    /// The parent sent something this worker cannot take: stop with an error.
    Broken,
}

/// The worker side of the protocol, whatever carries the messages (a
/// connection to the parent process, MPI messages to rank 0): holds the
/// trajectory the runs execute against and runs the tasks.
pub(crate) struct TaskServer<'a, 'f> {
    fns: &'a WorkerFunctions<'f>,
    traj: Option<(Trajectory, Result<usize, String>)>,
}

impl<'a, 'f> TaskServer<'a, 'f> {
    /// A server of the functions `fns`, with no trajectory yet.
    pub(crate) fn new(fns: &'a WorkerFunctions<'f>) -> Self {
        TaskServer { fns, traj: None }
    }

    /// Handles one message.
    pub(crate) fn answer(&mut self, msg: ToWorker) -> Answer {
        match msg {
            ToWorker::Shutdown => Answer::Stop,
            ToWorker::Snapshot {
                function,
                info,
                nodes,
                runs,
            } => match Trajectory::from_parts(info, nodes, runs) {
                Ok(t) => {
                    self.traj = Some((t, self.fns.find(&function)));
                    Answer::Nothing
                }
                Err(_) => Answer::Broken,
            },
            ToWorker::Task { point } => Answer::Reply(match &self.traj {
                None => FromWorker::Failed {
                    index: point.index,
                    message: "the parent sent a task before the trajectory".into(),
                },
                Some((_, Err(message))) => FromWorker::Refused {
                    index: point.index,
                    message: message.clone(),
                },
                Some((t, Ok(k))) => (self.fns.fns[*k].call)(t, &point),
            }),
        }
    }
}

/// The name worker processes know a run function by: its type and its
/// return type (`prog::simulate -> f64`).
pub(crate) fn function_key<F, T>() -> String {
    format!(
        "{} -> {}",
        std::any::type_name::<F>(),
        std::any::type_name::<T>()
    )
}

/// Executes run `index` of a trajectory and encodes the reply.
type Call<'a> = Box<dyn Fn(&Trajectory, &PointValues) -> FromWorker + Sync + 'a>;

/// One run function a worker can execute, with its return value encoded.
struct Registered<'a> {
    key: String,
    call: Call<'a>,
}

/// The run functions of every sweep a program runs in
/// [`Mode::Processes`](crate::Mode::Processes), for [`serve_workers`]: a worker
/// process runs the one the parent names, and refuses a sweep whose function
/// it was not given.
#[derive(Default)]
pub struct WorkerFunctions<'a> {
    fns: Vec<Registered<'a>>,
}

impl<'a> WorkerFunctions<'a> {
    /// No function yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the run function of one sweep.
    pub fn with<T, F>(mut self, f: F) -> Self
    where
        T: Serialize,
        F: Fn(&mut Run) -> RunResult<T> + Sync + 'a,
    {
        let call = move |t: &Trajectory, point: &PointValues| match execute(t, point, &f) {
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
            Outcome::Failed { index, message } | Outcome::Refused { index, message } => {
                FromWorker::Failed { index, message }
            }
        };
        self.fns.push(Registered {
            key: function_key::<F, T>(),
            call: Box::new(call),
        });
        self
    }

    /// Two functions with one name cannot be told apart (closures defined in
    /// the same function share their name).
    fn check(&self) -> Result<(), EnvError> {
        for (i, a) in self.fns.iter().enumerate() {
            if self.fns[..i].iter().any(|b| b.key == a.key) {
                return Err(EnvError::Worker(format!(
                    "two run functions passed to serve_workers have the same name `{}`; \
                     closures defined in one function share a name: make each sweep's run \
                     function a named fn",
                    a.key
                )));
            }
        }
        Ok(())
    }

    /// The function registered under `key`, or the message saying it is missing.
    fn find(&self, key: &str) -> Result<usize, String> {
        self.fns.iter().position(|r| r.key == key).ok_or_else(|| {
            let known: Vec<&str> = self.fns.iter().map(|r| r.key.as_str()).collect();
            format!(
                "the worker processes were not given this sweep's run function `{key}` \
                 (they have: {}); pass every sweep's function to \
                 pet_env::serve_workers(WorkerFunctions::new().with(f1).with(f2)) at the top of main",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )
        })
    }
}

/// True when this process was started as a worker by [`Mode::Processes`](crate::Mode::Processes).
pub fn is_worker_process() -> bool {
    std::env::var_os(WORKER_ADDR_ENV).is_some()
}

/// The worker entry of a program that uses [`Mode::Processes`](crate::Mode::Processes):
/// call it at the top of `main`, before anything else, with the function the
/// sweep runs.
///
/// In the program the user started it returns `Ok(())` at once. In a worker
/// process (this program started again by the parent, with `PET_WORKER_ADDR`
/// set) it connects to the parent, receives the trajectory, runs `f` for every
/// task it is given, and exits the process when the parent is done; it never
/// returns. A worker runs none of `main`'s own setup, and never opens the store.
///
/// ```no_run
/// fn simulate(run: &mut pet_core::Run) -> pet_env::RunResult<f64> {
///     let x: f64 = run.param("x")?;
///     run.add_result("y", x * x)?;
///     Ok(x * x)
/// }
///
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     pet_env::serve_if_worker(simulate)?;
///     let mut env = pet_env::Environment::open("sqlite://sweep.db")?
///         .mode(pet_env::Mode::Processes(4));
///     let mut traj = env.trajectory("squares", "", |t| {
///         t.add_parameter("x", 0.0, "")?;
///         t.explore([("x", pet_core::vals([1.0, 2.0, 3.0]))])
///     })?;
///     env.run(&mut traj, simulate)?;
///     Ok(())
/// }
/// ```
pub fn serve_if_worker<T, F>(f: F) -> Result<(), EnvError>
where
    T: Serialize,
    F: Fn(&mut Run) -> RunResult<T> + Sync,
{
    serve_workers(WorkerFunctions::new().with(f))
}

/// [`serve_if_worker`] for a program with several sweeps in
/// [`Mode::Processes`](crate::Mode::Processes): give it every sweep's run
/// function; each worker runs the one its sweep names.
///
/// ```no_run
/// # fn square(run: &mut pet_core::Run) -> pet_env::RunResult<f64> { Ok(1.0) }
/// # fn cube(run: &mut pet_core::Run) -> pet_env::RunResult<f64> { Ok(1.0) }
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     pet_env::serve_workers(pet_env::WorkerFunctions::new().with(square).with(cube))?;
///     // ... env.run(&mut first, square)?; env.run(&mut second, cube)?;
///     Ok(())
/// }
/// ```
pub fn serve_workers(fns: WorkerFunctions<'_>) -> Result<(), EnvError> {
    fns.check()?;
    #[cfg(feature = "mpi")]
    crate::mpi::enter(&fns)?;
    match WorkerLink::from_env()? {
        None => Ok(()),
        Some(mut link) => link.serve(&fns),
    }
}
