//! MPI ranks (feature `mpi`): a program launched by `mpirun` or `srun` runs
//! its sweep on rank 0, which opens the store and coordinates; every other
//! rank enters [`crate::serve_if_worker`], says which host it runs on, and
//! executes the tasks rank 0 sends until rank 0 is done. Messages are the
//! worker protocol's frames ([`crate::protocol`]), postcard-encoded, one MPI
//! message each, between rank 0 and one rank; results travel to rank 0, which
//! stores them, so every backend works (HDF5 included).
//!
//! Rank 0's session ends (every rank told to stop, MPI finalised) when the
//! [`Environment`](crate::Environment) that ran in `Mode::Mpi` is dropped.
//!
//! With `PET_MPI_DIRECT=1` every rank instead runs the program's sweep as a
//! copy that shares it through claims and stores its own runs (stores for many
//! writers only: SQLite on a local disk, MongoDB).

use std::sync::{Mutex, MutexGuard};

use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Source};
use mpi::Threading;

use crate::error::EnvError;
use crate::protocol::{FromWorker, ToWorker};
use crate::worker::{Answer, TaskServer, WorkerFunctions};

/// Variables MPI launchers set for every rank (Open MPI's mpirun, PMI, PMIx as srun sets them).
const LAUNCHER_VARS: [&str; 4] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"];

/// Tag of a rank's first message: its host name.
const TAG_HELLO: i32 = 1;
/// Tag of the protocol's frames.
const TAG_WORK: i32 = 2;

/// Set to `1`, every rank runs the program's sweep itself and stores its own
/// runs, sharing the sweep through claims on a store for many writers
/// (SQLite on one machine's disk, MongoDB); rank 0 no longer funnels results.
pub const DIRECT_ENV: &str = "PET_MPI_DIRECT";

/// True when every rank stores its own runs ([`DIRECT_ENV`]).
pub fn direct() -> bool {
    std::env::var(DIRECT_ENV).is_ok_and(|v| v == "1")
}

/// Largest message MPI's `int` counts allow.
const MAX_MESSAGE: usize = i32::MAX as usize;

/// True when this process was started by an MPI launcher.
pub fn launched() -> bool {
    LAUNCHER_VARS.iter().any(|v| std::env::var_os(v).is_some())
}

/// Rank 0's MPI session.
struct Session {
    universe: Option<Universe>,
    hosts: Vec<String>,
    finished: bool,
    /// This process's rank.
    rank: usize,
}

static SESSION: Mutex<Option<Session>> = Mutex::new(None);

fn session() -> MutexGuard<'static, Option<Session>> {
    SESSION.lock().unwrap_or_else(|p| p.into_inner())
}

fn mpi_err(what: &str) -> EnvError {
    EnvError::Worker(format!("MPI: {what}"))
}

/// Starts MPI when launched by mpirun/srun: rank 0 learns the ranks' hosts
/// and returns; every other rank serves tasks until rank 0 is done, then
/// finalises MPI and exits the process.
pub fn enter(fns: &WorkerFunctions<'_>) -> Result<(), EnvError> {
    if !launched() {
        return Ok(());
    }
    let mut g = session();
    if g.is_some() {
        return Ok(());
    }
    let (universe, threading) = mpi::initialize_with_threading(Threading::Multiple)
        .ok_or_else(|| mpi_err("MPI was initialised already, by something other than pet"))?;
    let world = universe.world();
    let host = mpi::environment::processor_name().unwrap_or_else(|_| "unknown".into());
    if direct() {
        // Every rank is a copy of the program sharing the sweep through claims.
        let hosts = world.all_gather_hosts(&host);
        *g = Some(Session {
            universe: Some(universe),
            hosts,
            finished: false,
            rank: usize::try_from(world.rank()).unwrap_or(0),
        });
        return Ok(());
    }
    if world.rank() != 0 {
        world
            .process_at_rank(0)
            .send_with_tag(host.as_bytes(), TAG_HELLO);
        let code = serve(&world, fns);
        drop(universe);
        std::process::exit(code);
    }
    if threading < Threading::Multiple && world.size() > 2 {
        return Err(mpi_err(&format!(
            "the MPI library gives threading level {threading:?}, but rank 0 talks to the \
             other ranks from one thread each and needs Multiple; use an MPI built with \
             thread support (Open MPI is by default)"
        )));
    }
    let mut hosts = vec![host];
    for r in 1..world.size() {
        let (h, _) = world
            .process_at_rank(r)
            .receive_vec_with_tag::<u8>(TAG_HELLO);
        hosts.push(String::from_utf8_lossy(&h).into_owned());
    }
    *g = Some(Session {
        universe: Some(universe),
        hosts,
        finished: false,
        rank: 0,
    });
    Ok(())
}

/// Gathering every rank's host name on every rank (direct mode).
trait GatherHosts {
    fn all_gather_hosts(&self, host: &str) -> Vec<String>;
}

impl GatherHosts for SimpleCommunicator {
    fn all_gather_hosts(&self, host: &str) -> Vec<String> {
        const LEN: usize = 256;
        let mut mine = [0u8; LEN];
        let bytes = host.as_bytes();
        let n = bytes.len().min(LEN);
        mine[..n].copy_from_slice(&bytes[..n]);
        let size = usize::try_from(self.size()).unwrap_or(1);
        let mut all = vec![0u8; LEN * size];
        self.all_gather_into(&mine[..], &mut all[..]);
        all.chunks(LEN)
            .map(|c| {
                let end = c.iter().position(|&b| b == 0).unwrap_or(c.len());
                String::from_utf8_lossy(&c[..end]).into_owned()
            })
            .collect()
    }
}

/// This process's rank (0 without MPI).
pub fn rank() -> usize {
    session().as_ref().map_or(0, |s| s.rank)
}

/// A rank's work: answer rank 0's frames until it says stop; the exit code.
fn serve(world: &SimpleCommunicator, fns: &WorkerFunctions<'_>) -> i32 {
    let mut server = TaskServer::new(fns);
    let zero = world.process_at_rank(0);
    loop {
        let (bytes, _) = zero.receive_vec_with_tag::<u8>(TAG_WORK);
        let Ok(msg) = postcard::from_bytes::<ToWorker>(&bytes) else {
            eprintln!(
                "pet: rank {} got a message it cannot read from rank 0",
                world.rank()
            );
            return 2;
        };
        let reply = match server.answer(msg) {
            Answer::Reply(r) => r,
            Answer::Nothing => continue,
            Answer::Stop => return 0,
            Answer::Broken => return 2,
        };
        let index = match &reply {
            FromWorker::Done { index, .. }
            | FromWorker::Failed { index, .. }
            | FromWorker::Refused { index, .. } => *index,
        };
        let bytes = postcard::to_stdvec(&reply)
            .ok()
            .filter(|b| b.len() <= MAX_MESSAGE)
            .or_else(|| {
                postcard::to_stdvec(&FromWorker::Failed {
                    index,
                    message: format!(
                        "the run's results do not fit in one MPI message ({MAX_MESSAGE} bytes); \
                         store large arrays in fewer runs, or use a store every rank writes to"
                    ),
                })
                .ok()
            });
        match bytes {
            Some(b) => zero.send_with_tag(&b[..], TAG_WORK),
            None => return 2,
        }
    }
}

/// Rank 0: the world size and every rank's host, by rank; `None` unless
/// launched by MPI with the session still open.
pub fn world() -> Option<(usize, Vec<String>)> {
    session()
        .as_ref()
        .filter(|s| !s.finished)
        .map(|s| (s.hosts.len(), s.hosts.clone()))
}

/// Rank 0: sends one frame to rank `rank`.
pub fn send(rank: usize, msg: &ToWorker) -> Result<(), String> {
    let bytes = postcard::to_stdvec(msg).map_err(|e| format!("cannot encode a task: {e}"))?;
    if bytes.len() > MAX_MESSAGE {
        return Err(format!(
            "a message to rank {rank} needs {} bytes, more than one MPI message holds",
            bytes.len()
        ));
    }
    let r = i32::try_from(rank).map_err(|_| format!("no rank {rank}"))?;
    SimpleCommunicator::world()
        .process_at_rank(r)
        .send_with_tag(&bytes[..], TAG_WORK);
    Ok(())
}

/// Rank 0: waits for rank `rank`'s next reply.
pub fn recv(rank: usize) -> Result<FromWorker, String> {
    let r = i32::try_from(rank).map_err(|_| format!("no rank {rank}"))?;
    let (bytes, _) = SimpleCommunicator::world()
        .process_at_rank(r)
        .receive_vec_with_tag::<u8>(TAG_WORK);
    postcard::from_bytes(&bytes)
        .map_err(|e| format!("rank {rank} sent a reply pet cannot read: {e}"))
}

/// Rank 0: tells every rank to stop and finalises MPI; the session cannot be
/// started again in this process. Does nothing when MPI was not started.
pub fn finish() {
    let mut g = session();
    let Some(s) = g.as_mut() else {
        return;
    };
    if s.finished {
        return;
    }
    if !direct() {
        for rank in 1..s.hosts.len() {
            let _ = send(rank, &ToWorker::Shutdown);
        }
    }
    s.finished = true;
    drop(s.universe.take());
}

/// Refuses `Mode::Mpi` where it cannot run, before a sweep records anything.
pub fn check() -> Result<(), EnvError> {
    if !launched() {
        return Err(EnvError::Worker(
            "Mode::Mpi runs under an MPI launcher: start the program with \
             `mpirun -n N prog ...` or `srun prog ...`"
                .into(),
        ));
    }
    let g = session();
    match g.as_ref() {
        None => Err(EnvError::Worker(
            "Mode::Mpi needs every rank to enter the workers: call \
             pet::serve_if_worker(your_run_function) at the top of main"
                .into(),
        )),
        Some(s) if s.finished => Err(EnvError::Worker(
            "MPI was finalised when the Environment that ran in Mode::Mpi was dropped; \
             run every MPI sweep of the program through one Environment"
                .into(),
        )),
        Some(_) => Ok(()),
    }
}
