//! One open file per process: every `Hdf5Store` opened on the same path in a
//! process shares one writer (HDF5 allows a single writer per file).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use pet_core::{PetError, Result};

use crate::file::Shared;

type Map = HashMap<PathBuf, Weak<Shared>>;

fn map() -> MutexGuard<'static, Map> {
    static MAP: OnceLock<Mutex<Map>> = OnceLock::new();
    MAP.get_or_init(|| Mutex::new(Map::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The shared handle of `key`, opening it with `open` when no handle is alive.
/// Waits while another handle of the same file is still closing.
pub fn get_or_open(key: &Path, open: impl Fn() -> Result<Shared>) -> Result<Arc<Shared>> {
    let start = Instant::now();
    loop {
        {
            let mut m = map();
            match m.get(key) {
                Some(w) => {
                    if let Some(s) = w.upgrade() {
                        return Ok(s);
                    }
                }
                None => {
                    let s = Arc::new(open()?);
                    m.insert(key.to_path_buf(), Arc::downgrade(&s));
                    return Ok(s);
                }
            }
        }
        if start.elapsed() > Duration::from_secs(60) {
            return Err(PetError::backend_msg(
                "hdf5",
                format!(
                    "{} is still being closed by this process after 60 s; try again",
                    key.display()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Forgets `key` once its handle has closed (called at the end of `Shared::drop`).
pub fn forget(key: &Path, closed: *const Shared) {
    let mut m = map();
    if m.get(key).is_some_and(|w| std::ptr::eq(w.as_ptr(), closed)) {
        m.remove(key);
    }
}
