//! pet's HDF5 file driver ("pet-checkpoint"): POSIX I/O like HDF5's `sec2`,
//! except that the file only changes inside a checkpoint. Between
//! checkpoints, writes into the part of the file the last checkpoint holds
//! wait in an [`Overlay`] (HDF5's metadata cache may write dirty metadata
//! back at any moment, in no order); writes past it go to the file, where no
//! checkpointed object points. At `H5Fflush` (the checkpoint) the waiting
//! pages go to the commit log first, then into the file. A crash at any
//! moment leaves the last checkpoint plus a commit log that the next open
//! finishes or drops ([`crate::commitlog::recover`]).
//!
//! HDF5's driver interface is a table of C callbacks, so this module is the
//! one place in pet-hdf5 with `unsafe` code: the class table, the callbacks
//! (each wraps its body so a panic becomes an HDF5 failure), and the raw
//! `H5Fopen`/`H5Fcreate` calls that use the driver.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void, CStr, CString};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::commitlog;
use crate::overlay::Overlay;

type Hid = i64;
type Haddr = u64;
type Herr = c_int;
type MemType = c_int;

/// `haddr_t` that means "undefined".
const HADDR_UNDEF: Haddr = u64::MAX;
const ACC_RDWR: c_uint = 0x0001;
const ACC_TRUNC: c_uint = 0x0002;
const ACC_EXCL: c_uint = 0x0004;
const ACC_CREAT: c_uint = 0x0010;
const FEAT_AGGREGATE_METADATA: c_ulong = 0x0001;
const FEAT_ACCUMULATE_METADATA: c_ulong = 0x0002 | 0x0004;
const FEAT_DATA_SIEVE: c_ulong = 0x0008;
const FEAT_AGGREGATE_SMALLDATA: c_ulong = 0x0010;
const MEM_SUPER: MemType = 1;
const MEM_DRAW: MemType = 3;
const CLOSE_WEAK: c_int = 1;

/// `H5FD_t` of HDF5 1.10 (filled in by the library after `open`).
#[repr(C)]
struct PublicFile {
    driver_id: Hid,
    cls: *const Class,
    fileno: c_ulong,
    access_flags: c_uint,
    feature_flags: c_ulong,
    maxaddr: Haddr,
    base_addr: Haddr,
    threshold: u64,
    alignment: u64,
    paged_aggr: bool,
}

type Cb<T> = Option<T>;

/// `H5FD_class_t` of HDF5 1.10.
#[repr(C)]
struct Class {
    name: *const c_char,
    maxaddr: Haddr,
    fc_degree: c_int,
    terminate: Cb<unsafe extern "C" fn() -> Herr>,
    sb_size: Cb<unsafe extern "C" fn(*mut PublicFile) -> u64>,
    sb_encode: Cb<unsafe extern "C" fn(*mut PublicFile, *mut c_char, *mut u8) -> Herr>,
    sb_decode: Cb<unsafe extern "C" fn(*mut PublicFile, *const c_char, *const u8) -> Herr>,
    fapl_size: usize,
    fapl_get: Cb<unsafe extern "C" fn(*mut PublicFile) -> *mut c_void>,
    fapl_copy: Cb<unsafe extern "C" fn(*const c_void) -> *mut c_void>,
    fapl_free: Cb<unsafe extern "C" fn(*mut c_void) -> Herr>,
    dxpl_size: usize,
    dxpl_copy: Cb<unsafe extern "C" fn(*const c_void) -> *mut c_void>,
    dxpl_free: Cb<unsafe extern "C" fn(*mut c_void) -> Herr>,
    open: Cb<unsafe extern "C" fn(*const c_char, c_uint, Hid, Haddr) -> *mut PublicFile>,
    close: Cb<unsafe extern "C" fn(*mut PublicFile) -> Herr>,
    cmp: Cb<unsafe extern "C" fn(*const PublicFile, *const PublicFile) -> c_int>,
    query: Cb<unsafe extern "C" fn(*const PublicFile, *mut c_ulong) -> Herr>,
    get_type_map: Cb<unsafe extern "C" fn(*const PublicFile, *mut MemType) -> Herr>,
    alloc: Cb<unsafe extern "C" fn(*mut PublicFile, MemType, Hid, u64) -> Haddr>,
    free: Cb<unsafe extern "C" fn(*mut PublicFile, MemType, Hid, Haddr, u64) -> Herr>,
    get_eoa: Cb<unsafe extern "C" fn(*const PublicFile, MemType) -> Haddr>,
    set_eoa: Cb<unsafe extern "C" fn(*mut PublicFile, MemType, Haddr) -> Herr>,
    get_eof: Cb<unsafe extern "C" fn(*const PublicFile, MemType) -> Haddr>,
    get_handle: Cb<unsafe extern "C" fn(*mut PublicFile, Hid, *mut *mut c_void) -> Herr>,
    read:
        Cb<unsafe extern "C" fn(*mut PublicFile, MemType, Hid, Haddr, usize, *mut c_void) -> Herr>,
    write: Cb<
        unsafe extern "C" fn(*mut PublicFile, MemType, Hid, Haddr, usize, *const c_void) -> Herr,
    >,
    flush: Cb<unsafe extern "C" fn(*mut PublicFile, Hid, bool) -> Herr>,
    truncate: Cb<unsafe extern "C" fn(*mut PublicFile, Hid, bool) -> Herr>,
    lock: Cb<unsafe extern "C" fn(*mut PublicFile, bool) -> Herr>,
    unlock: Cb<unsafe extern "C" fn(*mut PublicFile) -> Herr>,
    fl_map: [MemType; 7],
}

// SAFETY: the class is immutable data and function pointers.
unsafe impl Sync for Class {}

extern "C" {
    fn H5FDregister(cls: *const Class) -> Hid;
    fn H5Pset_driver(plist: Hid, driver: Hid, info: *const c_void) -> Herr;
    fn H5Pget_driver_info(plist: Hid) -> *const c_void;
}

static NAME: &CStr = c"pet-checkpoint";

static CLASS: Class = Class {
    name: NAME.as_ptr(),
    maxaddr: (1u64 << 63) - 1,
    fc_degree: CLOSE_WEAK,
    terminate: None,
    sb_size: None,
    sb_encode: None,
    sb_decode: None,
    fapl_size: std::mem::size_of::<Info>(),
    fapl_get: None,
    fapl_copy: None,
    fapl_free: None,
    dxpl_size: 0,
    dxpl_copy: None,
    dxpl_free: None,
    open: Some(cb_open),
    close: Some(cb_close),
    cmp: Some(cb_cmp),
    query: Some(cb_query),
    get_type_map: None,
    alloc: None,
    free: None,
    get_eoa: Some(cb_get_eoa),
    set_eoa: Some(cb_set_eoa),
    get_eof: Some(cb_get_eof),
    get_handle: None,
    read: Some(cb_read),
    write: Some(cb_write),
    flush: Some(cb_flush),
    truncate: Some(cb_truncate),
    lock: None,
    unlock: None,
    fl_map: [
        MEM_SUPER, MEM_SUPER, MEM_SUPER, MEM_DRAW, MEM_DRAW, MEM_SUPER, MEM_SUPER,
    ],
};

/// What the store and the driver share about one open file.
#[derive(Default)]
pub struct Control {
    /// Checkpoints may be taken (set once the file opened and checked out;
    /// cleared to throw away everything since the last checkpoint).
    pub armed: AtomicBool,
    /// fsync around every checkpoint (`sync=full`).
    pub sync: AtomicBool,
    /// Bytes waiting in the overlay.
    pub waiting: AtomicU64,
    /// Set when a checkpoint failed after its log was complete: the next
    /// open must finish it, and no later checkpoint may replace the log.
    pub wedged: AtomicBool,
    /// The last I/O error the driver met, for error messages.
    pub error: Mutex<Option<String>>,
}

impl Control {
    /// A new control block for one open.
    pub fn new(sync: bool) -> Arc<Control> {
        let c = Control::default();
        c.sync.store(sync, Ordering::Relaxed);
        Arc::new(c)
    }

    /// The last I/O error, if any, as " (...)" for messages.
    pub fn last_error(&self) -> String {
        match self.error.lock().map(|e| e.clone()) {
            Ok(Some(e)) => format!(" ({e})"),
            _ => String::new(),
        }
    }

    fn note(&self, e: String) {
        if let Ok(mut g) = self.error.lock() {
            *g = Some(e);
        }
    }
}

/// The driver's file-access information (copied by HDF5 with the plist).
#[repr(C)]
#[derive(Clone, Copy)]
struct Info {
    control: *const Control,
}

/// The driver's state of one open file; starts with HDF5's public part.
#[repr(C)]
struct DriverFile {
    public: PublicFile,
    file: File,
    path: PathBuf,
    control: Arc<Control>,
    overlay: Overlay,
    eoa: Haddr,
    eof: Haddr,
    writable: bool,
    dirty: bool,
    dev: u64,
    ino: u64,
    /// The commit log, open from the first checkpoint to the close.
    log: Option<File>,
}

/// The driver's id, registered with HDF5 on first use.
fn driver_id() -> Result<Hid, String> {
    static ID: OnceLock<Result<Hid, String>> = OnceLock::new();
    ID.get_or_init(|| {
        let (major, minor, patch) = hdf5::library_version();
        if (major, minor) != (1, 10) {
            return Err(format!(
                "pet's crash-safe HDF5 driver is built for HDF5 1.10 (Debian 12, Ubuntu 22.04/24.04); \
                 this program loaded HDF5 {major}.{minor}.{patch}. Build pet against HDF5 1.10, \
                 or use an SQLite store"
            ));
        }
        // SAFETY: CLASS is a complete 1.10 class that lives for the program.
        let id = hdf5::sync::sync(|| unsafe { H5FDregister(&CLASS) });
        if id < 0 {
            Err("HDF5 refused to register pet's file driver".into())
        } else {
            Ok(id)
        }
    })
    .clone()
}

/// Sets pet's driver, sharing `control`, on the file-access plist `fapl`.
fn use_on(fapl: Hid, control: &Arc<Control>) -> Result<(), String> {
    let id = driver_id()?;
    let info = Info {
        control: Arc::as_ptr(control),
    };
    // SAFETY: `info` is copied by HDF5 (fapl_size bytes); the pointer it holds
    // stays valid while the caller keeps `control`, which outlives the open.
    let r = hdf5::sync::sync(|| unsafe {
        H5Pset_driver(fapl, id, &info as *const Info as *const c_void)
    });
    if r < 0 {
        return Err("HDF5 refused pet's file driver on a file-access list".into());
    }
    Ok(())
}

/// Opens `path` with HDF5 through this driver, sharing `control`.
pub fn open(path: &Path, writable: bool, control: &Arc<Control>) -> hdf5::Result<hdf5::File> {
    let flags = if writable { ACC_RDWR } else { 0 };
    raw_open(path, control, |name, fapl| unsafe {
        hdf5_sys::h5f::H5Fopen(name, flags, fapl)
    })
}

/// Creates (or empties) the HDF5 file `path` through this driver.
pub fn create(path: &Path, control: &Arc<Control>) -> hdf5::Result<hdf5::File> {
    raw_open(path, control, |name, fapl| unsafe {
        hdf5_sys::h5f::H5Fcreate(name, ACC_TRUNC, hdf5_sys::h5p::H5P_DEFAULT, fapl)
    })
}

fn raw_open(
    path: &Path,
    control: &Arc<Control>,
    call: impl FnOnce(*const c_char, Hid) -> Hid,
) -> hdf5::Result<hdf5::File> {
    let name = path
        .to_str()
        .and_then(|s| CString::new(s).ok())
        .ok_or_else(|| {
            hdf5::Error::from(format!(
                "{} is not a UTF-8 path without NUL bytes",
                path.display()
            ))
        })?;
    let fapl = hdf5::plist::FileAccess::build()
        .libver_v18()
        .file_locking(false)
        .finish()?;
    use_on(fapl.id(), control).map_err(hdf5::Error::from)?;
    hdf5::sync::sync(|| {
        let id = hdf5::h5check(call(name.as_ptr(), fapl.id()))?;
        // SAFETY: a file id just returned by H5Fopen/H5Fcreate, owned by no one else.
        unsafe { hdf5::from_id::<hdf5::File>(id) }
    })
    .map_err(|e| {
        let why = control.last_error();
        if why.is_empty() {
            e
        } else {
            hdf5::Error::from(format!("{e}{why}"))
        }
    })
}

/// The commit log of the file at `path` (as HDF5 names it).
fn log_of(path: &Path) -> PathBuf {
    commitlog::path_for(path)
}

/// Runs a callback body, turning a panic into an HDF5 failure.
fn guard<T>(fail: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fail)
}

/// # Safety
/// `f` must be a pointer this driver's `open` returned.
unsafe fn state<'a>(f: *const PublicFile) -> &'a mut DriverFile {
    &mut *(f as *mut DriverFile)
}

unsafe extern "C" fn cb_open(
    name: *const c_char,
    flags: c_uint,
    fapl: Hid,
    maxaddr: Haddr,
) -> *mut PublicFile {
    guard(std::ptr::null_mut(), || {
        if name.is_null() || maxaddr == 0 || maxaddr == HADDR_UNDEF {
            return std::ptr::null_mut();
        }
        let info = H5Pget_driver_info(fapl) as *const Info;
        if info.is_null() || (*info).control.is_null() {
            return std::ptr::null_mut();
        }
        let raw = (*info).control;
        Arc::increment_strong_count(raw);
        let control = Arc::from_raw(raw);
        let path = PathBuf::from(std::ffi::OsStr::from_encoded_bytes_unchecked(
            CStr::from_ptr(name).to_bytes(),
        ));
        let writable = flags & ACC_RDWR != 0;
        let mut o = OpenOptions::new();
        o.read(true).write(writable);
        if flags & ACC_CREAT != 0 {
            if flags & ACC_EXCL != 0 {
                o.create_new(true);
            } else {
                o.create(true);
            }
        }
        if flags & ACC_TRUNC != 0 {
            o.truncate(true);
        }
        let file = match o.open(&path) {
            Ok(f) => f,
            Err(e) => {
                control.note(format!("cannot open {}: {e}", path.display()));
                return std::ptr::null_mut();
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                control.note(format!("cannot read {}: {e}", path.display()));
                return std::ptr::null_mut();
            }
        };
        let df = Box::new(DriverFile {
            // SAFETY: plain integers and a null pointer; HDF5 fills them in.
            public: std::mem::zeroed(),
            file,
            path,
            control,
            overlay: Overlay::new(meta.len()),
            eoa: 0,
            eof: meta.len(),
            writable,
            dirty: false,
            dev: meta.dev(),
            ino: meta.ino(),
            log: None,
        });
        Box::into_raw(df) as *mut PublicFile
    })
}

unsafe extern "C" fn cb_close(f: *mut PublicFile) -> Herr {
    guard(-1, || {
        let mut df = Box::from_raw(f as *mut DriverFile);
        let mut r = 0;
        if df.control.armed.load(Ordering::Acquire) && df.dirty {
            if let Err(e) = commit(&mut df) {
                df.control.note(e);
                r = -1;
            }
        }
        if df.log.take().is_some() && !df.control.wedged.load(Ordering::Acquire) {
            // Every checkpoint of this open is in the file: the log is done.
            let _ = std::fs::remove_file(log_of(&df.path));
        }
        r
    })
}

unsafe extern "C" fn cb_cmp(a: *const PublicFile, b: *const PublicFile) -> c_int {
    let (a, b) = (state(a), state(b));
    (a.dev, a.ino).cmp(&(b.dev, b.ino)) as c_int
}

unsafe extern "C" fn cb_query(_f: *const PublicFile, flags: *mut c_ulong) -> Herr {
    if !flags.is_null() {
        *flags = FEAT_AGGREGATE_METADATA
            | FEAT_ACCUMULATE_METADATA
            | FEAT_DATA_SIEVE
            | FEAT_AGGREGATE_SMALLDATA;
    }
    0
}

unsafe extern "C" fn cb_get_eoa(f: *const PublicFile, _t: MemType) -> Haddr {
    state(f).eoa
}

unsafe extern "C" fn cb_set_eoa(f: *mut PublicFile, _t: MemType, addr: Haddr) -> Herr {
    state(f).eoa = addr;
    0
}

unsafe extern "C" fn cb_get_eof(f: *const PublicFile, _t: MemType) -> Haddr {
    state(f).eof
}

unsafe extern "C" fn cb_read(
    f: *mut PublicFile,
    _t: MemType,
    _dxpl: Hid,
    addr: Haddr,
    size: usize,
    buf: *mut c_void,
) -> Herr {
    guard(-1, || {
        let df = state(f);
        if buf.is_null() || addr == HADDR_UNDEF || addr.checked_add(size as u64).is_none() {
            return -1;
        }
        let out = std::slice::from_raw_parts_mut(buf as *mut u8, size);
        match df.overlay.read(&df.file, addr, out) {
            Ok(()) => 0,
            Err(e) => {
                df.control
                    .note(format!("cannot read {}: {e}", df.path.display()));
                -1
            }
        }
    })
}

unsafe extern "C" fn cb_write(
    f: *mut PublicFile,
    _t: MemType,
    _dxpl: Hid,
    addr: Haddr,
    size: usize,
    buf: *const c_void,
) -> Herr {
    guard(-1, || {
        let df = state(f);
        let Some(end) = addr.checked_add(size as u64) else {
            return -1;
        };
        if !df.writable || buf.is_null() || addr == HADDR_UNDEF || end > df.eoa {
            return -1;
        }
        let data = std::slice::from_raw_parts(buf as *const u8, size);
        // Before the store arms the driver (a file still being opened and
        // checked) nothing reaches the file at all.
        let hold_all = !df.control.armed.load(Ordering::Acquire);
        match df.overlay.write(&df.file, addr, data, hold_all) {
            Ok(()) => {
                df.eof = df.eof.max(end);
                df.dirty = true;
                df.control
                    .waiting
                    .store(df.overlay.bytes(), Ordering::Relaxed);
                0
            }
            Err(e) => {
                df.control
                    .note(format!("cannot write {}: {e}", df.path.display()));
                -1
            }
        }
    })
}

unsafe extern "C" fn cb_flush(f: *mut PublicFile, _dxpl: Hid, _closing: bool) -> Herr {
    guard(-1, || {
        let df = state(f);
        if !df.writable || !df.dirty || !df.control.armed.load(Ordering::Acquire) {
            return 0;
        }
        match commit(df) {
            Ok(()) => 0,
            Err(e) => {
                df.control.note(e);
                -1
            }
        }
    })
}

unsafe extern "C" fn cb_truncate(f: *mut PublicFile, _dxpl: Hid, _closing: bool) -> Herr {
    let df = state(f);
    if df.writable && df.eof != df.eoa {
        // The file gets this length at the next checkpoint.
        df.eof = df.eoa;
        df.dirty = true;
    }
    0
}

/// A checkpoint: the waiting pages go to the commit log, then into the file.
fn commit(df: &mut DriverFile) -> Result<(), String> {
    let c = df.control.clone();
    if c.wedged.load(Ordering::Acquire) {
        return Err(format!(
            "an earlier checkpoint of {} could not be finished; its commit log is kept for the next open",
            df.path.display()
        ));
    }
    let sync = c.sync.load(Ordering::Relaxed);
    let shown = df.path.display().to_string();
    let len = df.eof;
    if sync {
        // What the checkpoint points to must be on disk before it.
        df.file
            .sync_data()
            .map_err(|e| format!("cannot sync {shown}: {e}"))?;
    }
    if df.overlay.bytes() > 0 || len < df.overlay.committed() {
        let path = log_of(&df.path);
        let shown_log = path.display().to_string();
        if df.log.is_none() {
            df.log = Some(
                commitlog::open_log(&path)
                    .map_err(|e| format!("cannot open the commit log {shown_log}: {e}"))?,
            );
        }
        let Some(log) = df.log.as_ref() else {
            return Err(format!("the commit log {shown_log} is not open"));
        };
        commitlog::write(log, &df.overlay, len, sync)
            .map_err(|e| format!("cannot write the commit log {shown_log}: {e}"))?;
        crate::faults::reach("log-written");
        if let Err(e) = commitlog::apply_overlay(&df.file, &df.overlay, len) {
            c.wedged.store(true, Ordering::Release);
            return Err(format!("cannot write a checkpoint into {shown}: {e}"));
        }
        if sync {
            df.file
                .sync_data()
                .map_err(|e| format!("cannot sync {shown}: {e}"))?;
        }
        commitlog::mark_applied(log, sync)
            .map_err(|e| format!("cannot mark the commit log {shown_log} applied: {e}"))?;
    } else if df
        .file
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        .len()
        != len
    {
        // Only past the checkpointed part: no log needed.
        df.file
            .set_len(len)
            .map_err(|e| format!("cannot resize {shown}: {e}"))?;
    }
    df.overlay.clear(len);
    df.dirty = false;
    c.waiting.store(0, Ordering::Relaxed);
    Ok(())
}
