//! Provenance: host, OS, CPUs, versions, command line, times and git state,
//! written into the trajectory's `config.provenance` branch once per session.

use std::path::Path;

use pet_core::{Trajectory, Value};

use crate::error::EnvError;
use crate::options::GitPolicy;

/// Git state of the working tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitInfo {
    /// Commit id (hex) of HEAD.
    pub commit: String,
    /// Current branch (empty when detached).
    pub branch: String,
    /// True when tracked files had uncommitted changes (before any auto-commit).
    pub dirty: bool,
    /// Id of the commit pet made, if it auto-committed.
    pub auto_commit: String,
}

fn dirty_files(repo: &git2::Repository) -> Result<Vec<String>, git2::Error> {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let statuses = repo.statuses(Some(&mut opts))?;
    Ok(statuses
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT)
        .filter_map(|s| s.path().map(str::to_string))
        .collect())
}

fn auto_commit(repo: &git2::Repository, message: &str) -> Result<String, git2::Error> {
    let mut index = repo.index()?;
    index.update_all(["*"].iter(), None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let sig = repo
        .signature()
        .or_else(|_| git2::Signature::now("pet", "pet@localhost"))?;
    let parent = repo.head()?.peel_to_commit()?;
    let id = repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &[&parent])?;
    Ok(id.to_string())
}

/// Applies the git policy in the repository containing `dir`; `None` outside a repository.
pub fn git_state(dir: &Path, policy: &GitPolicy, traj: &str) -> Result<Option<GitInfo>, EnvError> {
    if *policy == GitPolicy::Off {
        return Ok(None);
    }
    let repo = match git2::Repository::discover(dir) {
        Ok(r) => r,
        Err(_) if *policy == GitPolicy::Record => return Ok(None),
        Err(e) => {
            return Err(EnvError::Git(format!(
                "{} is not inside a git repository ({e}); use GitPolicy::Record or Off",
                dir.display()
            )))
        }
    };
    let g = |e: git2::Error| EnvError::Git(e.message().to_string());
    let dirty = dirty_files(&repo).map_err(g)?;
    let mut info = GitInfo {
        dirty: !dirty.is_empty(),
        ..GitInfo::default()
    };
    match policy {
        GitPolicy::RequireClean if info.dirty => {
            return Err(EnvError::Git(format!(
                "uncommitted changes in {}; commit them or use GitPolicy::AutoCommit",
                dirty.join(", ")
            )))
        }
        GitPolicy::AutoCommit if info.dirty => {
            let msg = format!("pet: auto-commit before running trajectory '{traj}'");
            info.auto_commit = auto_commit(&repo, &msg).map_err(g)?;
        }
        _ => {}
    }
    if let Ok(head) = repo.head() {
        info.branch = head.shorthand().unwrap_or("").to_string();
        if let Ok(c) = head.peel_to_commit() {
            info.commit = c.id().to_string();
        }
    }
    Ok(Some(info))
}

/// Facts about this machine and process.
pub fn machine() -> Vec<(&'static str, Value, &'static str)> {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as u64;
    vec![
        (
            "host",
            gethostname::gethostname()
                .to_string_lossy()
                .into_owned()
                .into(),
            "host name",
        ),
        ("os", std::env::consts::OS.into(), "operating system"),
        ("arch", std::env::consts::ARCH.into(), "CPU architecture"),
        ("cpus", cpus.into(), "logical CPUs available"),
        ("pet_version", pet_core::VERSION.into(), "version of pet"),
        (
            "command_line",
            Value::List(std::env::args().map(Value::from).collect()),
            "program and arguments",
        ),
        (
            "cwd",
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
                .into(),
            "working directory",
        ),
    ]
}

/// The name of a new session group: its start in milliseconds since the
/// Unix epoch (so names sort by start) and a random part, so that copies of
/// the program on many machines sharing one store never pick the same name.
pub fn session_name(started: f64) -> String {
    let millis = (started.max(0.0) * 1000.0) as u64;
    let random: String = crate::token::Token::generate()
        .to_hex()
        .chars()
        .take(8)
        .collect();
    format!("session_{millis:013}_{random}")
}

/// Adds a new `config.provenance.session_…` group (see [`session_name`]) and returns its path.
pub fn record_session(
    traj: &mut Trajectory,
    git: Option<&GitInfo>,
    mode: &str,
) -> Result<String, EnvError> {
    let started = pet_core::now();
    let base = format!("config.provenance.{}", session_name(started));
    traj.add_group(&base, "one call of Environment::run")?;
    traj.add_config(
        &format!("{base}.pid"),
        u64::from(std::process::id()),
        "process id",
    )?;
    for (k, v, c) in machine() {
        traj.add_config(&format!("{base}.{k}"), v, c)?;
    }
    traj.add_config(&format!("{base}.mode"), mode, "execution mode")?;
    #[cfg(feature = "mpi")]
    if let Some((size, hosts)) = crate::mpi::world() {
        traj.add_config(
            &format!("{base}.mpi_world_size"),
            size as u64,
            "ranks of the MPI world",
        )?;
        let hosts: Vec<Value> = hosts.into_iter().map(Value::from).collect();
        traj.add_config(
            &format!("{base}.mpi_hosts"),
            Value::List(hosts),
            "host of each rank, by rank",
        )?;
    }
    traj.add_config(&format!("{base}.started"), started, "start, Unix seconds")?;
    if let Some(g) = git {
        traj.add_config(
            &format!("{base}.git_commit"),
            g.commit.as_str(),
            "HEAD commit",
        )?;
        traj.add_config(&format!("{base}.git_branch"), g.branch.as_str(), "branch")?;
        traj.add_config(
            &format!("{base}.git_dirty"),
            g.dirty,
            "tracked files had uncommitted changes",
        )?;
        if !g.auto_commit.is_empty() {
            traj.add_config(
                &format!("{base}.git_auto_commit"),
                g.auto_commit.as_str(),
                "commit pet made",
            )?;
        }
    }
    Ok(base)
}

/// Records the end of a session: finish time and run counts.
pub fn finish_session(
    traj: &mut Trajectory,
    base: &str,
    completed: u64,
    failed: u64,
) -> Result<(), EnvError> {
    traj.add_config(
        &format!("{base}.finished"),
        pet_core::now(),
        "end, Unix seconds",
    )?;
    traj.add_config(
        &format!("{base}.runs_completed"),
        completed,
        "runs completed in this session",
    )?;
    traj.add_config(
        &format!("{base}.runs_failed"),
        failed,
        "runs failed in this session",
    )?;
    Ok(())
}
