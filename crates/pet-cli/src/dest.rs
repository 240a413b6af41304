//! The store `pet migrate` and `pet merge` write into, all or nothing: a
//! command that fails part-way leaves the destination as it found it.
//!
//! A file store that does not exist yet is written under a temporary name in
//! the same directory and renamed into place (never over a file that appeared
//! meanwhile) only by [`Destination::commit`]; otherwise the temporary file, its
//! sidecar files and the directories made for it are deleted. In a store that
//! already exists (or one that is not a file), the trajectories the command
//! created are removed again. Either way the clean-up runs when the
//! [`Destination`] is dropped uncommitted, so the caller just returns its error,
//! which is the one reported; a failing clean-up only adds a warning.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};

use pet_core::location::Location;
use pet_core::storage::file::with_suffix;
use pet_core::{Access, PetError, Store, TrajectoryInfo};

use crate::safe_text::clean;

/// A new file store being written under a temporary name.
struct Staged {
    /// The temporary file, a hidden sibling of `target`.
    temp: PathBuf,
    /// Where the store goes once complete.
    target: PathBuf,
    /// Directories made for it, deepest first.
    made_dirs: Vec<PathBuf>,
}

/// A destination store opened for writing, rolled back unless committed.
pub struct Destination {
    url: String,
    store: Option<Arc<dyn Store>>,
    staged: Option<Staged>,
    created: Vec<String>,
    committed: bool,
}

/// True when `store` holds trajectory `name`; errors other than "no such
/// trajectory" are reported, not taken for absence.
pub fn holds(store: &dyn Store, name: &str) -> Result<bool> {
    match store.info(name) {
        Ok(_) => Ok(true),
        Err(PetError::NoTrajectory(_)) => Ok(false),
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot tell whether {} holds trajectory '{name}'",
                store.location()
            )
        }),
    }
}

/// Why read-only `store` (a pypet file opened by `pypet://`, say) cannot be a
/// destination, in the store's own words: every write to a read-only store is
/// refused before it reaches the backend, so a probing `create` changes
/// nothing and returns the refusal (`PetError::Foreign` with the advice to
/// migrate for another program's file, `PetError::ReadOnly` otherwise).
fn refusal(store: &dyn Store) -> PetError {
    let read_only = || PetError::ReadOnly {
        location: store.location(),
    };
    let probe = match TrajectoryInfo::new("pet_write_probe", "") {
        Ok(p) => p,
        Err(_) => return read_only(),
    };
    match store.create(&probe) {
        Err(e) => e,
        Ok(()) => {
            let _ = store.remove_trajectory(&probe.name);
            read_only()
        }
    }
}

/// Missing ancestors of `path`, deepest first.
fn missing_dirs(path: &Path) -> Vec<PathBuf> {
    path.ancestors()
        .skip(1)
        .filter(|d| !d.as_os_str().is_empty())
        .take_while(|d| fs::symlink_metadata(d).is_err())
        .map(Path::to_path_buf)
        .collect()
}

/// A fresh, exclusively created temporary sibling of `target`.
fn make_temp(target: &Path) -> Result<PathBuf> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = target
        .file_name()
        .ok_or_else(|| anyhow!("{} does not name a file", target.display()))?
        .to_string_lossy();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    for attempt in 0..100u32 {
        let temp = dir.join(format!(
            ".{base}.pet-partial-{}-{nanos:x}-{attempt}",
            std::process::id()
        ));
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(_) => return Ok(temp),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot create a temporary file in {}", dir.display())
                })
            }
        }
    }
    bail!(
        "cannot find a free temporary file name in {}",
        dir.display()
    )
}

/// Files next to `temp` whose names extend its name (journals, WAL files),
/// with the extension.
fn sidecars(temp: &Path) -> Vec<(PathBuf, String)> {
    let (Some(dir), Some(base)) = (temp.parent(), temp.file_name()) else {
        return vec![];
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let base = base.to_string_lossy().into_owned();
    let Ok(entries) = fs::read_dir(dir) else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let suffix = name.strip_prefix(&base)?.to_string();
            (!suffix.is_empty()).then(|| (e.path(), suffix))
        })
        .collect()
}

/// Removes those of `dirs` (deepest first) that exist and are empty.
fn remove_empty_dirs(dirs: &[PathBuf]) {
    for dir in dirs {
        // Only while empty: nothing but this command's own files is removed.
        let _ = fs::remove_dir(dir);
    }
}

fn warn(what: &str, e: &dyn std::fmt::Display) {
    eprintln!("warning: {}: {}", clean(what), clean(&e.to_string()));
}

/// Puts `temp` at `target` unless something is there already.
fn put_in_place(temp: &Path, target: &Path) -> std::io::Result<()> {
    match fs::hard_link(temp, target) {
        Ok(()) => {
            if let Err(e) = fs::remove_file(temp) {
                warn(&format!("cannot remove {}", temp.display()), &e);
            }
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(e),
        // A file system without hard links: check, then rename.
        Err(_) if fs::symlink_metadata(target).is_ok() => {
            Err(std::io::Error::from(ErrorKind::AlreadyExists))
        }
        Err(_) => fs::rename(temp, target),
    }
}

impl Destination {
    /// Opens the store `url` names for writing: a missing file store is staged
    /// under a temporary name, anything else is opened in place.
    pub fn open(url: &str) -> Result<Destination> {
        let cannot = || format!("cannot open store {url}");
        let (desc, loc) = pet_stores::resolve(url).with_context(cannot)?;
        if Access::from_location(&loc, Access::ReadWrite)
            .with_context(cannot)?
            .is_read_only()
        {
            bail!("{url} says mode=ro, but the destination is written; drop mode=ro");
        }
        let target = PathBuf::from(&loc.rest);
        let mut dest = Destination {
            url: url.to_string(),
            store: None,
            staged: None,
            created: Vec::new(),
            committed: false,
        };
        if !desc.file || fs::symlink_metadata(&target).is_ok() {
            let store = desc.open(&loc, Access::ReadWrite).with_context(cannot)?;
            if store.is_read_only() {
                return Err(anyhow::Error::new(refusal(store.as_ref())).context(cannot()));
            }
            dest.store = Some(store);
            return Ok(dest);
        }
        let made_dirs = missing_dirs(&target);
        let temp = made_dirs
            .first()
            .map_or(Ok(()), |deepest| {
                fs::create_dir_all(deepest)
                    .with_context(|| format!("cannot create directory {}", deepest.display()))
            })
            .and_then(|()| make_temp(&target));
        let temp = match temp {
            Ok(t) => t,
            Err(e) => {
                remove_empty_dirs(&made_dirs);
                return Err(e);
            }
        };
        dest.staged = Some(Staged {
            temp: temp.clone(),
            target,
            made_dirs,
        });
        let staged_loc = Location {
            rest: temp.display().to_string(),
            ..loc
        };
        dest.store = Some(
            desc.open(&staged_loc, Access::ReadWrite)
                .with_context(cannot)?,
        );
        Ok(dest)
    }

    /// The open store.
    pub fn store(&self) -> Result<&Arc<dyn Store>> {
        self.store
            .as_ref()
            .ok_or_else(|| anyhow!("{} is closed", self.url))
    }

    /// Runs `f`, which creates trajectory `name` in the store, and remembers
    /// `name` for the clean-up, unless `f` failed because the trajectory was
    /// there already (then it is not this command's to remove).
    pub fn create<T>(
        &mut self,
        name: &str,
        f: impl FnOnce(&Arc<dyn Store>) -> Result<T>,
    ) -> Result<T> {
        let out = f(self.store()?);
        let existed = out.as_ref().err().is_some_and(|e| {
            e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<PetError>(),
                    Some(PetError::TrajectoryExists(_))
                )
            })
        });
        if !existed {
            self.created.push(name.to_string());
        }
        out
    }

    /// Keeps what was written: closes the store and, for a staged file, puts
    /// it (and its sidecar files) in place. Every handle to the store must be
    /// gone; on failure the destination is rolled back.
    pub fn commit(mut self) -> Result<()> {
        let Some(staged) = self.staged.as_ref() else {
            self.store = None;
            self.committed = true;
            return Ok(());
        };
        let (temp, target) = (staged.temp.clone(), staged.target.clone());
        if let Some(store) = self.store.take() {
            if Arc::strong_count(&store) != 1 {
                self.store = Some(store);
                bail!(
                    "internal error: the destination {} is still in use",
                    self.url
                );
            }
            // Closing checkpoints journals into the file.
            drop(store);
        }
        put_in_place(&temp, &target).map_err(|e| {
            if e.kind() == ErrorKind::AlreadyExists {
                anyhow!(
                    "{} appeared while this command was writing it; it was left as it is",
                    target.display()
                )
            } else {
                anyhow!(
                    "cannot move the new store into place at {}: {e}",
                    target.display()
                )
            }
        })?;
        self.committed = true;
        for (path, suffix) in sidecars(&temp) {
            let to = with_suffix(&target, &suffix);
            if let Err(e) = fs::rename(&path, &to) {
                warn(
                    &format!("cannot rename {} to {}", path.display(), to.display()),
                    &e,
                );
            }
        }
        Ok(())
    }

    fn roll_back(&mut self) {
        if let Some(staged) = self.staged.take() {
            // Closed first: a store may write its file as it closes.
            self.store = None;
            for (path, _) in sidecars(&staged.temp) {
                if let Err(e) = fs::remove_file(&path) {
                    warn(&format!("cannot remove {}", path.display()), &e);
                }
            }
            match fs::remove_file(&staged.temp) {
                Err(e) if e.kind() != ErrorKind::NotFound => warn(
                    &format!("cannot remove the partial store {}", staged.temp.display()),
                    &e,
                ),
                _ => {}
            }
            remove_empty_dirs(&staged.made_dirs);
            return;
        }
        let Some(store) = self.store.take() else {
            return;
        };
        for name in self.created.iter().rev() {
            let gone = match holds(store.as_ref(), name) {
                Ok(true) => store.remove_trajectory(name).map_err(anyhow::Error::from),
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = gone {
                warn(
                    &format!(
                        "cannot remove the partly written trajectory '{name}' from {}; remove it by hand",
                        self.url
                    ),
                    &crate::advice::render(&e),
                );
            }
        }
    }
}

impl Drop for Destination {
    fn drop(&mut self) {
        if !self.committed {
            self.roll_back();
        }
    }
}
