//! One open pet HDF5 file: opening and checking it, applying changes through
//! the journal, checkpoints, crash recovery by replay, and closing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use pet_core::storage::file::with_suffix;
use pet_core::storage::{LocalClaims, PointAppend, RunInfo, RunRecord, TrajectoryInfo};
use pet_core::{name, NodeRecord, PetError, Result};

use crate::attrs;
use crate::columns::{column_value, Columns, Slot};
use crate::commitlog;
use crate::driver::Control;
use crate::error::{h5, io};
use crate::format::{check_format, create_file, open_file, probe};
use crate::journal::{self, Journal};
use crate::layout::{self, A_CREATED, A_PET_VERSION, A_TRAJECTORY};
use crate::ops::{Op, OpRef, Owned};
use crate::options::Hdf5Options;
use crate::points::Explored;
use crate::runtable::{self, RunTable};
use crate::write::Tree;

/// The state behind the lock: the HDF5 file, its journal and cached run tables.
pub struct Inner {
    /// The open HDF5 file.
    pub file: hdf5::File,
    journal: Option<Journal>,
    runs: HashMap<String, RunTable>,
    known: crate::write::GroupCache,
    columns: Columns,
    /// Options the file was opened with.
    pub opts: Hdf5Options,
    path: PathBuf,
    /// Shared with the file driver: checkpoints, waiting bytes, errors.
    control: Arc<Control>,
    /// A change failed half-applied: the file must go back to its last
    /// checkpoint (plus the journal) before the next call.
    undo: bool,
}

/// Checkpoint once this many bytes of the checkpointed file wait in memory.
const MAX_WAITING: u64 = 64 << 20;

/// A file shared by every handle of this process.
pub struct Shared {
    /// The file path (absolute).
    pub path: PathBuf,
    /// True when opened without write access.
    pub read_only: bool,
    /// Leases on pending runs, shared by every handle of the file in this process.
    pub claims: LocalClaims,
    inner: Mutex<Option<Inner>>,
}

impl Shared {
    /// Opens `path` (absolute) as `opts` says.
    pub fn open(path: &Path, opts: Hdf5Options, read_only: bool) -> Result<Shared> {
        let exists = std::fs::metadata(path)
            .map(|m| m.len() > 0)
            .unwrap_or(false);
        // Another writer first: its file may look inconsistent while it writes.
        journal::check_unlocked(path)?;
        let inner = if read_only {
            journal::check_no_writer(path)?;
            let log = commitlog::path_for(path);
            if log.exists() {
                if let commitlog::Found::Complete { .. } = commitlog::inspect(&log)? {
                    return Err(PetError::Format {
                        location: path.display().to_string(),
                        reason: format!(
                            "a writer was stopped inside a checkpoint, which {} finishes; \
                             open the store once read-write (without mode=ro) to finish it",
                            log.display()
                        ),
                    });
                }
            }
            let control = Control::new(false);
            let file = open_file(path, false, &control, opts.driver)?;
            check_format(&file, path)?;
            Inner::new(file, control, None, opts, path)
        } else {
            let crashed = journal::has_records(path) || commitlog::path_for(path).exists();
            if exists && !crashed {
                // Refuse what is not a pet store before a journal appears next to it.
                probe(path)?;
            }
            let journal = Journal::open(path, opts.sync_full)?;
            // A checkpoint a crash cut short is finished (or, torn before it
            // began, dropped) before HDF5 reads the file.
            commitlog::recover(path, opts.sync_full)?;
            if !exists {
                create_file(path, opts.sync_full, opts.driver)?;
            }
            match Inner::open_writable(path, opts, journal) {
                Ok(inner) => inner,
                Err((e, journal)) => Inner::restore(path, opts, journal, e)?,
            }
        };
        Ok(Shared {
            path: path.to_path_buf(),
            read_only,
            claims: LocalClaims::new(),
            inner: Mutex::new(Some(inner)),
        })
    }

    /// Runs `f` with the open file.
    pub fn with<T>(&self, f: impl FnOnce(&mut Inner) -> Result<T>) -> Result<T> {
        let mut g: MutexGuard<'_, Option<Inner>> =
            self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match g.as_mut() {
            Some(inner) => f(inner),
            None => Err(PetError::backend_msg(
                "hdf5",
                format!(
                    "{} is closed: a failed change could not be undone; open the store again",
                    self.path.display()
                ),
            )),
        }
        .inspect_err(|_| {
            if g.as_ref().is_some_and(|i| i.undo) {
                // Back to the last checkpoint plus the journal: a change that
                // failed half-way leaves nothing behind.
                if let Some(inner) = g.take() {
                    *g = inner.reopen().ok();
                }
            }
        })
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut inner) = g.take() {
            // A failed final checkpoint loses nothing: the journal keeps the
            // changes and the next open replays them.
            if inner.checkpoint().is_ok() && inner.opts.backup {
                let _ = std::fs::remove_file(journal::backup_for(&inner.path));
            }
            drop(inner);
        }
        drop(g);
        crate::registry::forget(&self.path, self as *const Shared);
    }
}

impl Inner {
    fn new(
        file: hdf5::File,
        control: Arc<Control>,
        journal: Option<Journal>,
        opts: Hdf5Options,
        path: &Path,
    ) -> Inner {
        Inner {
            file,
            journal,
            runs: HashMap::new(),
            known: HashMap::new(),
            columns: Columns::default(),
            opts,
            path: path.to_path_buf(),
            control,
            undo: false,
        }
    }

    /// Opens the file for writing through the checkpointing driver, checks
    /// it, and replays the journal. On failure the file is unchanged and the
    /// journal is handed back.
    fn open_writable(
        path: &Path,
        opts: Hdf5Options,
        journal: Journal,
    ) -> std::result::Result<Inner, (PetError, Option<Journal>)> {
        let control = Control::new(opts.sync_full);
        let file = match open_file(path, true, &control, opts.driver).and_then(|f| {
            check_format(&f, path)?;
            Ok(f)
        }) {
            Ok(f) => f,
            Err(e) => return Err((e, Some(journal))),
        };
        control.armed.store(true, Ordering::Release);
        let mut inner = Inner::new(file, control, Some(journal), opts, path);
        let replayed = if inner.journal.as_ref().is_some_and(|j| j.records() > 0) {
            inner.replay()
        } else {
            Ok(())
        };
        let ready = replayed.and_then(|()| {
            if opts.backup {
                inner.checkpoint()
            } else {
                Ok(())
            }
        });
        match ready {
            Ok(()) => Ok(inner),
            Err(e) => {
                // Nothing of a refused replay reaches the file.
                inner.control.armed.store(false, Ordering::Release);
                let journal = inner.journal.take();
                drop(inner);
                Err((e, journal))
            }
        }
    }

    /// With `recovery=backup`, replaces a file that cannot be opened (kept as
    /// `<file>.damaged`) by its known-good copy and replays the journal on
    /// top; otherwise returns `e`, the file untouched.
    fn restore(
        path: &Path,
        opts: Hdf5Options,
        journal: Option<Journal>,
        e: PetError,
    ) -> Result<Inner> {
        let backup = journal::backup_for(path);
        let Some(journal) = journal.filter(|_| opts.backup && backup.exists()) else {
            return Err(e);
        };
        let aside = with_suffix(path, ".damaged");
        let fresh = with_suffix(path, ".restoring");
        std::fs::copy(&backup, &fresh)
            .and_then(|_| std::fs::rename(path, &aside))
            .and_then(|_| std::fs::rename(&fresh, path))
            .map_err(|e| io("cannot restore the known-good copy", e))?;
        Inner::open_writable(path, opts, journal).map_err(|(e, _)| e)
    }

    /// Throws away everything since the last checkpoint and opens the file
    /// again, replaying the journal: undoes a change that failed half-way.
    fn reopen(self) -> Result<Inner> {
        self.control.armed.store(false, Ordering::Release);
        let Inner {
            file,
            journal,
            runs,
            known,
            columns,
            opts,
            path,
            control,
            ..
        } = self;
        drop((known, columns, runs));
        drop(file);
        if Arc::strong_count(&control) != 1 {
            return Err(PetError::backend_msg(
                "hdf5",
                format!(
                    "{} stayed open, so a failed change cannot be undone",
                    path.display()
                ),
            ));
        }
        let journal = journal.ok_or_else(|| PetError::ReadOnly {
            location: format!("hdf5://{}", path.display()),
        })?;
        Inner::open_writable(&path, opts, journal).map_err(|(e, _)| e)
    }

    fn tree(&mut self) -> Tree<'_> {
        Tree {
            file: &self.file,
            comp: self.opts.compression,
            known: &mut self.known,
        }
    }

    /// The trajectory group, or `NoTrajectory`.
    pub fn traj_group(&self, traj: &str) -> Result<hdf5::Group> {
        let nf = || PetError::NoTrajectory(traj.to_string());
        if name::validate_part(traj).is_err() {
            return Err(nf());
        }
        let root = self
            .file
            .group("/")
            .map_err(h5("cannot open the root group"))?;
        if !root.link_exists(traj) {
            return Err(nf());
        }
        let g = root.group(traj).map_err(|_| nf())?;
        if attrs::get_str(&g, A_TRAJECTORY)?.is_none() {
            return Err(nf());
        }
        Ok(g)
    }

    /// Information about one trajectory.
    pub fn info(&self, traj: &str) -> Result<TrajectoryInfo> {
        let g = self.traj_group(traj)?;
        Ok(TrajectoryInfo {
            name: traj.to_string(),
            comment: attrs::get_str(&g, layout::A_COMMENT)?.unwrap_or_default(),
            created: attrs::get_f64(&g, A_CREATED)?.unwrap_or(0.0),
            pet_version: attrs::get_str(&g, A_PET_VERSION)?.unwrap_or_default(),
        })
    }

    /// Every trajectory in the file.
    pub fn list(&self) -> Result<Vec<TrajectoryInfo>> {
        let root = self
            .file
            .group("/")
            .map_err(h5("cannot open the root group"))?;
        let mut out = Vec::new();
        for n in root
            .member_names()
            .map_err(h5("cannot list the root group"))?
        {
            if let Ok(i) = self.info(&n) {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// The run table of `traj`, loaded on first use.
    pub fn runs(&mut self, traj: &str) -> Result<&mut RunTable> {
        if !self.runs.contains_key(traj) {
            let g = self.traj_group(traj)?;
            self.runs.insert(traj.to_string(), RunTable::load(&g)?);
        }
        self.runs
            .get_mut(traj)
            .ok_or_else(|| PetError::NoTrajectory(traj.to_string()))
    }

    /// Journals `op`, applies it, and checkpoints when the journal is large.
    pub fn change(&mut self, op: OpRef<'_>) -> Result<()> {
        self.change_all(&[op])
    }

    /// Journals `ops` as one frame and applies them: all of them reach the
    /// file at the same checkpoint, or (after a crash or a failure) none.
    pub fn change_all(&mut self, ops: &[OpRef<'_>]) -> Result<()> {
        if self.journal.is_none() {
            return Err(PetError::ReadOnly {
                location: format!("hdf5://{}", self.path.display()),
            });
        }
        // Calls after the creation of a trajectory check against an empty one.
        let new = match ops.first() {
            Some(OpRef::Create(info)) => Some(info.name.as_str()),
            _ => None,
        };
        ops.iter().try_for_each(|op| self.precheck(op, new))?;
        let frame = match ops {
            [one] => Op::of(one),
            _ => Op::All(ops.iter().map(Op::of).collect()),
        };
        let Some(j) = self.journal.as_mut() else {
            return Err(PetError::ReadOnly {
                location: format!("hdf5://{}", self.path.display()),
            });
        };
        let mark = j.append(&frame)?;
        if let Err(e) = ops.iter().try_for_each(|op| self.apply(op)) {
            if let Some(j) = self.journal.as_mut() {
                j.undo(mark)?;
            }
            self.undo = true;
            return Err(e);
        }
        let due = self.journal.as_ref().is_some_and(|j| {
            j.records() >= self.opts.checkpoint_records || j.len() >= self.opts.checkpoint_bytes
        }) || self.control.waiting.load(Ordering::Relaxed) >= MAX_WAITING;
        if due {
            self.checkpoint()?;
        }
        Ok(())
    }

    /// Checks what the run table can only check against its contents, before
    /// the operation is journalled: a refused call leaves no frame behind.
    fn precheck(&mut self, op: &OpRef<'_>, new: Option<&str>) -> Result<()> {
        match *op {
            OpRef::Runs(traj, runs) if new == Some(traj) => RunTable::default().check(runs),
            OpRef::Nodes(traj, _) if new == Some(traj) => Ok(()),
            OpRef::Runs(traj, runs) => self.runs(traj)?.check(runs),
            OpRef::StoreRuns(traj, recs) => self.runs(traj)?.check(recs.iter().map(|r| &r.info)),
            OpRef::Points(traj, appends) => {
                self.traj_group(traj)?;
                appends
                    .iter()
                    .try_for_each(|a| Explored::open(&self.file, traj, a.path)?.check(a))
            }
            _ => Ok(()),
        }
    }

    fn apply(&mut self, op: &OpRef<'_>) -> Result<()> {
        match *op {
            OpRef::Create(info) => {
                let root = self
                    .file
                    .group("/")
                    .map_err(h5("cannot open the root group"))?;
                if root.link_exists(&info.name) {
                    return Err(PetError::TrajectoryExists(info.name.clone()));
                }
                let g = root
                    .create_group(&info.name)
                    .map_err(h5("cannot create a trajectory"))?;
                attrs::put_str(&g, A_TRAJECTORY, "1")?;
                if !info.comment.is_empty() {
                    attrs::put_str(&g, layout::A_COMMENT, &info.comment)?;
                }
                attrs::put_f64(&g, A_CREATED, info.created)?;
                attrs::put_str(&g, A_PET_VERSION, &info.pet_version)?;
                self.runs.insert(info.name.clone(), RunTable::default());
                Ok(())
            }
            OpRef::Remove(traj) => {
                self.traj_group(traj)?;
                let root = self
                    .file
                    .group("/")
                    .map_err(h5("cannot open the root group"))?;
                root.unlink(traj)
                    .map_err(h5("cannot remove a trajectory"))?;
                self.runs.remove(traj);
                let top = layout::traj_path(traj);
                self.columns.forget_below(&top);
                let prefix = format!("{top}/");
                self.known
                    .retain(|k, _| *k != top && !k.starts_with(&prefix));
                Ok(())
            }
            OpRef::Nodes(traj, nodes) => {
                self.traj_group(traj)?;
                nodes.iter().try_for_each(|n| self.put_physical(traj, n))
            }
            OpRef::Runs(traj, runs) => self.runs(traj)?.put(runs),
            OpRef::StoreRuns(traj, recs) => {
                self.traj_group(traj)?;
                for r in recs {
                    for n in &r.nodes {
                        self.put_run_node(traj, n)?;
                    }
                }
                self.runs(traj)?.put(recs.iter().map(|r| &r.info))
            }
            OpRef::Points(traj, appends) => {
                self.traj_group(traj)?;
                let comp = self.opts.compression;
                appends
                    .iter()
                    .try_for_each(|a| Explored::open(&self.file, traj, a.path)?.put(a, comp))
            }
            OpRef::Delete(traj, path) => {
                self.traj_group(traj)?;
                self.flush_columns()?;
                let hp = layout::h5_path(traj, path);
                if let Some(slot) = Slot::parse(traj, path) {
                    self.columns.clear(&self.file, &slot)?;
                }
                if self.tree().exists(&hp)? {
                    self.tree().unlink(&hp)?;
                    self.columns.forget_below(&hp);
                }
                // Removing what is not there changes nothing: `delete`
                // reports it before the call is journalled.
                Ok(())
            }
        }
    }

    /// The data of run leaf `path` when it is a column entry, through the
    /// column buffers (a bucket's column is read once for all its runs).
    pub fn column_data(&mut self, traj: &str, path: &str) -> Result<Option<pet_core::LeafData>> {
        let Some(slot) = Slot::parse(traj, path).filter(|s| s.leaf.is_some()) else {
            return Ok(None);
        };
        let value = self.columns.get(&self.file, &slot)?;
        self.columns.trim();
        let role = pet_core::LeafRole::for_path(path)?;
        Ok(value.map(|s| crate::columns::leaf_data(path, role, s)))
    }

    /// Writes buffered run-set columns into the file (before reads and at checkpoints).
    pub fn flush_columns(&mut self) -> Result<()> {
        if !self.columns.is_dirty() {
            return Ok(());
        }
        let mut t = Tree {
            file: &self.file,
            comp: self.opts.compression,
            known: &mut self.known,
        };
        self.columns.flush(&mut t)?;
        self.columns.trim();
        Ok(())
    }

    /// Writes a node of a run: into a run-set column when it qualifies.
    fn put_run_node(&mut self, traj: &str, n: &NodeRecord) -> Result<()> {
        if let (Some(slot), Some(s)) = (Slot::parse(traj, &n.path), column_value(&n.path, &n.node))
        {
            if slot.leaf.is_some() {
                let hp = layout::h5_path(traj, &n.path);
                let mut t = self.tree();
                let sg = t.ensure_group(&slot.set_path())?;
                if sg.link_exists(&name::run_name(slot.run)) && t.exists(&hp)? {
                    t.unlink(&hp)?;
                }
                if self.columns.set(&self.file, &slot, &s)? {
                    return Ok(());
                }
            }
        }
        self.put_physical(traj, n)
    }

    /// Writes a node as groups and datasets, moving a column value it replaces.
    fn put_physical(&mut self, traj: &str, n: &NodeRecord) -> Result<()> {
        if let Some(slot) = Slot::parse(traj, &n.path).filter(|s| s.leaf.is_some()) {
            let old = self.columns.get(&self.file, &slot)?;
            if let Some(old) = old {
                self.columns.clear(&self.file, &slot)?;
                if n.node.is_leaf() && n.node.data.is_none() {
                    // A metadata update of a column leaf: keep its value.
                    let role = pet_core::LeafRole::for_path(&n.path)?;
                    let mut full = n.clone();
                    full.node.data = Some(crate::columns::leaf_data(&n.path, role, old));
                    return self.tree().put(traj, &full);
                }
            }
        }
        self.tree().put(traj, n)
    }

    /// How many nodes are at `path` and below.
    fn count_below(&mut self, traj: &str, path: &str) -> Result<usize> {
        self.traj_group(traj)?;
        self.flush_columns()?;
        Ok(crate::read::Reader {
            file: &self.file,
            traj,
        }
        .read(path, pet_core::storage::ReadSpec::SKELETON)?
        .len())
    }

    /// Deletes a node (journalled) and returns how many nodes went.
    pub fn delete(&mut self, traj: &str, path: &str) -> Result<usize> {
        let n = self.count_below(traj, path)?;
        if n == 0 {
            return Err(PetError::NotFound(path.to_string()));
        }
        self.change(OpRef::Delete(traj, path))?;
        Ok(n)
    }

    /// A checkpoint: writes cached run tables and columns, has the driver
    /// write everything into the file at once ([`crate::driver`]), refreshes
    /// the known-good copy (`recovery=backup`), and empties the journal.
    pub fn checkpoint(&mut self) -> Result<()> {
        let Some(_) = self.journal.as_ref() else {
            return Ok(());
        };
        self.flush_columns()?;
        let dirty: Vec<String> = self
            .runs
            .iter()
            .filter(|(_, t)| t.is_dirty())
            .map(|(k, _)| k.clone())
            .collect();
        for traj in dirty {
            if let Ok(g) = self.traj_group(&traj) {
                if let Some(t) = self.runs.get_mut(&traj) {
                    t.save(&g)?;
                }
            }
        }
        if let Err(e) = self.file.flush() {
            let why = self.control.last_error();
            return Err(PetError::backend(
                "hdf5",
                format!(
                    "cannot checkpoint {}: {e}{why}; nothing stored was lost: the journal {} keeps \
                     every change since the last checkpoint",
                    self.path.display(),
                    journal::path_for(&self.path).display()
                ),
                e,
            ));
        }
        if self.opts.backup {
            self.refresh_backup()?;
        }
        if let Some(j) = self.journal.as_mut() {
            j.reset()?;
        }
        Ok(())
    }

    /// Replaces `<file>.bak` by a copy of the file as the checkpoint left it.
    fn refresh_backup(&self) -> Result<()> {
        let backup = journal::backup_for(&self.path);
        let fresh = with_suffix(&backup, ".new");
        std::fs::copy(&self.path, &fresh)
            .and_then(|_| {
                if self.opts.sync_full {
                    std::fs::File::open(&fresh)?.sync_all()?;
                }
                std::fs::rename(&fresh, &backup)
            })
            .map_err(|e| io("cannot keep a known-good copy", e))
    }

    /// Re-applies the journal of a writer that stopped before its checkpoint,
    /// one frame at a time. Every frame is decoded and checked before it is
    /// applied, and nothing reaches the file before the checkpoint at the
    /// end, so a journal with a frame pet would never have written is refused
    /// with the file unchanged.
    fn replay(&mut self) -> Result<()> {
        let Some(frames) = self.journal.as_ref().map(|j| j.frames()).transpose()? else {
            return Ok(());
        };
        let journal = journal::path_for(&self.path).display().to_string();
        let file = self.path.display().to_string();
        let refuse = |i: usize, e: PetError| PetError::Format {
            location: journal.clone(),
            reason: format!(
                "frame {i} of the journal cannot be replayed ({e}); {} was not changed. \
                 Move the journal away to open the file without the changes it holds",
                file
            ),
        };
        let mut ends: HashMap<String, usize> = HashMap::new();
        for (i, op) in frames.enumerate() {
            let op = op.map_err(|e| refuse(i, e))?;
            self.replay_op(op, &mut ends).map_err(|e| refuse(i, e))?;
        }
        // A checkpoint that fails here (a full disk) loses nothing: the
        // journal stays, the store works from what it replayed, and the next
        // checkpoint tries again.
        let _ = self.checkpoint();
        Ok(())
    }

    /// Checks and applies one journalled call.
    fn replay_op(&mut self, mut op: Op, ends: &mut HashMap<String, usize>) -> Result<()> {
        if let Op::All(ops) = op {
            return ops.into_iter().try_for_each(|op| self.replay_op(op, ends));
        }
        let owned = op.take_records()?;
        check_frame(&op, &owned)?;
        let infos: Option<(&String, Vec<&RunInfo>)> = match (&op, &owned) {
            (Op::Runs(t, r), _) => Some((t, r.iter().collect())),
            (Op::StoreRuns(t, _), Owned::Runs(r)) => Some((t, r.iter().map(|r| &r.info).collect())),
            _ => None,
        };
        if let Some((t, infos)) = infos {
            let end = match ends.get(t) {
                Some(&e) => e,
                None => self.runs(t).map(|r| r.len()).unwrap_or(0),
            };
            let end = runtable::check_from(end, infos)?;
            ends.insert(t.clone(), end);
        }
        let r = match (&op, &owned) {
            (Op::Create(i), _) => self.apply(&OpRef::Create(i)),
            (Op::Remove(t), _) => self.apply(&OpRef::Remove(t)),
            (Op::Nodes(t, _), Owned::Nodes(n)) => self.apply(&OpRef::Nodes(t, n)),
            (Op::Runs(t, r), _) => self.apply(&OpRef::Runs(t, r)),
            (Op::StoreRuns(t, _), Owned::Runs(r)) => self.apply(&OpRef::StoreRuns(t, r)),
            (Op::Delete(t, p), _) => self.apply(&OpRef::Delete(t, p)),
            (Op::Points(t, _), Owned::Points(p)) => {
                let appends: Vec<PointAppend<'_>> = p.iter().map(|p| p.as_append()).collect();
                match self.apply(&OpRef::Points(t, &appends)) {
                    // A later frame rewrote the parameter (its replay restores it).
                    Err(
                        PetError::AppendConflict { .. }
                        | PetError::Explore(_)
                        | PetError::TypeMismatch { .. },
                    ) => Ok(()),
                    other => other,
                }
            }
            _ => Ok(()),
        };
        match r {
            // Already applied before the crash (or undone by a later op).
            Ok(())
            | Err(
                PetError::AlreadyExists(_)
                | PetError::TrajectoryExists(_)
                | PetError::NotFound(_)
                | PetError::NoTrajectory(_),
            ) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The checks [`pet_core::Store`] made before the call was journalled, made
/// again on a frame read back from the journal.
fn check_frame(op: &Op, owned: &Owned) -> Result<()> {
    use pet_core::storage::validate_records;
    match (op, owned) {
        (Op::Create(info), _) => name::validate_part(&info.name),
        (Op::Remove(t), _) => name::validate_part(t),
        (Op::Nodes(t, _), Owned::Nodes(n)) => {
            name::validate_part(t)?;
            validate_records(n)
        }
        (Op::Runs(t, r), _) => {
            name::validate_part(t)?;
            r.iter().try_for_each(RunInfo::validate)
        }
        (Op::StoreRuns(t, _), Owned::Runs(r)) => {
            name::validate_part(t)?;
            r.iter().try_for_each(RunRecord::validate)
        }
        (Op::Delete(t, p), _) => {
            name::validate_part(t)?;
            name::validate_path(p)
        }
        (Op::Points(t, _), Owned::Points(p)) => {
            name::validate_part(t)?;
            let appends: Vec<PointAppend<'_>> = p.iter().map(|p| p.as_append()).collect();
            pet_core::storage::append::validate_appends(&appends)
        }
        _ => Err(PetError::invalid(
            "a frame whose records do not match its call",
        )),
    }
}
