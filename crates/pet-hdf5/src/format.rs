//! Opening HDF5 files: access settings, creating a store file, and checking
//! the format marker and layout version of an existing one.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use pet_core::storage::file::with_suffix;
use pet_core::{PetError, Result};

use crate::attrs;
use crate::driver::{self, Control};
use crate::error::{corrupt, h5, io};
use crate::layout::{A_CREATED_BY, A_FORMAT, A_VERSION, FORMAT, LAYOUT_VERSION};
use crate::options::FileDriver;

/// Maps a failure to open a file onto a clear error.
pub fn not_hdf5(path: &Path, e: hdf5::Error) -> PetError {
    let msg = e.to_string();
    if msg.contains("signature") || msg.contains("not an HDF5") {
        let journal = crate::journal::path_for(path);
        let kept = if crate::journal::has_records(path) {
            format!(
                ". Its journal {} holds a writer's last changes: keep both together, \
                 restore a copy of the file if you have one, and open it again",
                journal.display()
            )
        } else {
            String::new()
        };
        corrupt(
            &path.display().to_string(),
            format!(
                "the file is not an HDF5 file (no HDF5 signature); check the path — pet opens \
                 or creates .h5 files it wrote, and left this file untouched{kept}"
            ),
        )
    } else if is_lock_failure(&msg) {
        PetError::backend_msg(
            "hdf5",
            format!(
                "{} is locked by another process that has it open for writing: {msg}",
                path.display()
            ),
        )
    } else {
        corrupt(
            &path.display().to_string(),
            format!(
                "HDF5 cannot open it ({msg}); the file is damaged (truncated, or written \
                 over). pet left it untouched: keep it and its journal {} together, and \
                 restore a copy or run the sweep again into a new file",
                crate::journal::path_for(path).display()
            ),
        )
    }
}

/// True when HDF5 could not take its file lock (another process has the file
/// open), not for other messages that merely contain "lock" (a truncated
/// file's `sblock->base_addr`).
fn is_lock_failure(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("unable to lock")
        || m.contains("file locking")
        || m.contains("resource temporarily unavailable")
        || m.contains("already open for write")
}

/// Checks the root attributes that mark a pet store of a layout we can read.
pub fn check_format(file: &hdf5::File, path: &Path) -> Result<()> {
    let at = path.display().to_string();
    let root = file.group("/").map_err(h5("cannot open the root group"))?;
    match attrs::get_str(&root, A_FORMAT)? {
        Some(f) if f == FORMAT => {}
        _ if crate::foreign::is_pypet(file) => {
            return Err(PetError::Foreign {
                location: at,
                format: "pypet",
            });
        }
        _ => {
            let members = root.member_names().unwrap_or_default();
            return Err(corrupt(
                &at,
                format!(
                    "an HDF5 file, but not a pet store (no {A_FORMAT}='{FORMAT}' root attribute; it holds {:?}); \
                     pet reads only stores it wrote and pypet's files, and never writes into other programs' files \
                     (to create a new store, give a file name that does not exist yet)",
                    members.iter().take(5).collect::<Vec<_>>()
                ),
            ));
        }
    }
    match attrs::get_u32(&root, A_VERSION)? {
        Some(v) if v <= LAYOUT_VERSION => Ok(()),
        Some(v) => Err(corrupt(
            &at,
            format!("layout version {v} is newer than this pet understands ({LAYOUT_VERSION}); upgrade pet to read it"),
        )),
        None => Err(corrupt(&at, format!("the {A_VERSION} root attribute is missing"))),
    }
}

/// File access settings of every open: the 1.8 object format (compact and
/// dense link storage), and HDF5's own file locking off. pet locks the journal
/// instead (close-on-exec), because HDF5's lock descriptor is inherited by child
/// processes (worker processes, simulators) and would keep the file locked.
pub fn builder() -> hdf5::FileBuilder {
    let mut b = hdf5::File::with_options();
    b.with_fapl(|p| p.libver_v18().file_locking(false));
    b
}

/// Opens `path` through pet's checkpointing driver ([`crate::driver`]), which
/// shares `control` with the caller. The driver takes no checkpoint until the
/// caller arms it, so a file that fails to open or check is never changed.
pub fn open_file(
    path: &Path,
    writable: bool,
    control: &Arc<Control>,
    how: FileDriver,
) -> Result<hdf5::File> {
    match (how, writable) {
        (FileDriver::Checkpoint, _) => driver::open(path, writable, control),
        (FileDriver::Sec2, true) => builder().open_rw(path),
        (FileDriver::Sec2, false) => builder().open(path),
    }
    .map_err(|e| not_hdf5(path, e))
}

/// Creates a new, empty pet store file at `path`: written whole at
/// `<path>.creating`, checkpointed, then renamed into place, so a crash
/// while the file is created leaves no half-made store behind.
pub fn create_file(path: &Path, sync: bool, how: FileDriver) -> Result<()> {
    let tmp = with_suffix(path, ".creating");
    let _ = std::fs::remove_file(crate::commitlog::path_for(&tmp));
    let err = h5("cannot create the HDF5 file");
    let control = Control::new(sync);
    {
        let file = match how {
            FileDriver::Checkpoint => driver::create(&tmp, &control),
            FileDriver::Sec2 => builder().create(&tmp),
        }
        .map_err(&err)?;
        control.armed.store(true, Ordering::Release);
        let root = file.group("/").map_err(&err)?;
        attrs::put_str(&root, A_FORMAT, FORMAT)?;
        attrs::put_u32(&root, A_VERSION, LAYOUT_VERSION)?;
        attrs::put_str(&root, A_CREATED_BY, &format!("pet {}", pet_core::VERSION))?;
        drop(root);
        file.close().map_err(&err)?;
    }
    if Arc::strong_count(&control) != 1 {
        return Err(PetError::backend_msg(
            "hdf5",
            format!("{} stayed open after it was created", tmp.display()),
        ));
    }
    if sync {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io("cannot sync the new HDF5 file", e))?;
    }
    crate::faults::reach("created");
    std::fs::rename(&tmp, path).map_err(|e| io("cannot move the new HDF5 file into place", e))?;
    if sync {
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io("cannot sync the store's directory", e))?;
        }
    }
    Ok(())
}

/// Opens `path` read-only and checks that it is a pet store we can read.
pub fn probe(path: &Path) -> Result<()> {
    let control = Control::new(false);
    let f = open_file(path, false, &control, FileDriver::Checkpoint)?;
    check_format(&f, path)?;
    f.close().map_err(h5("cannot close the HDF5 file"))
}
