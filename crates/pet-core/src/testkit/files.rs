//! Bad files: stores that must refuse foreign, damaged or read-only files with a
//! clear error, and leave them as they were.

use std::path::Path;
use std::sync::Arc;

use crate::{LoadSpec, PetError, Result, Store, Trajectory};

/// Stores trajectory `t` with one parameter `x` = 1.5 into `store`.
pub fn small_store(store: Arc<dyn Store>) {
    let mut t = Trajectory::create(store, "t", "").unwrap();
    t.add_parameter("x", 1.5, "").unwrap();
    t.store().unwrap();
}

/// The error of opening `path`, which must fail.
pub fn open_err<S>(opened: Result<S>, path: &Path) -> PetError {
    match opened {
        Ok(_) => panic!("{} opened", path.display()),
        Err(e) => e,
    }
}

/// The error message of `r`, which must fail with a message holding every one of `needles`.
pub fn err_containing<S>(r: Result<S>, needles: &[&str]) -> String {
    let e = r.err().unwrap().to_string();
    assert!(needles.iter().all(|n| e.contains(n)), "{e}");
    e
}

/// 5000 bytes of noise that no store takes for its own.
pub fn noise_bytes() -> Vec<u8> {
    (0..5000u32).map(|i| (i * 31 % 256) as u8).collect()
}

/// Takes write permission away from the file at `path`.
pub fn make_read_only(path: &Path) {
    let mut perm = std::fs::metadata(path).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(path, perm).unwrap();
}

/// Checks a read-only store holding [`small_store`]: it reads, and refuses to
/// store or create with a read-only error that says nothing was changed.
pub fn check_read_only(store: Arc<dyn Store>) {
    let mut t = Trajectory::load(store.clone(), "t", LoadSpec::all()).unwrap();
    assert_eq!(t.get_as::<f64>("x").unwrap(), 1.5);
    t.add_parameter("y", 2.0, "").unwrap();
    let e = t.store().unwrap_err().to_string();
    assert!(
        e.contains("read-only") && e.contains("nothing was changed"),
        "{e}"
    );
    let e = Trajectory::create(store, "u", "").unwrap_err().to_string();
    assert!(e.contains("read-only"), "{e}");
}

/// Checks a `mode=ro` store holding [`small_store`]: removing fails as read-only, the trajectory stays.
pub fn check_mode_ro(store: &dyn Store) {
    assert!(store
        .remove_trajectory("t")
        .unwrap_err()
        .to_string()
        .contains("read-only"));
    assert_eq!(store.list().unwrap().len(), 1);
}

/// Stores `results` arrays into a new file at `path` (through `open`), overwrites
/// 20000 bytes a third into the file, and checks that opening and reading every
/// result gives an error, not a panic.
pub fn check_corrupted_file(
    path: &Path,
    results: usize,
    open: impl Fn(&Path) -> Result<Arc<dyn Store>>,
) {
    {
        let store = open(path).unwrap();
        let mut t = Trajectory::create(store, "t", "").unwrap();
        for i in 0..results {
            t.add_result(
                &format!("r{i}"),
                ndarray::Array1::from_elem(500, i as f64),
                "",
            )
            .unwrap();
        }
        t.store().unwrap();
    }
    let mut bytes = std::fs::read(path).unwrap();
    let len = bytes.len();
    for b in &mut bytes[len / 3..(len / 3 + 20000).min(len)] {
        *b = 0x5a;
    }
    std::fs::write(path, bytes).unwrap();
    let outcome = open(path).and_then(|store| {
        let mut t = Trajectory::load(store, "t", LoadSpec::all())?;
        for i in 0..results {
            t.get(&format!("results.r{i}"))?;
        }
        Ok(())
    });
    let e = outcome.unwrap_err().to_string();
    assert!(!e.is_empty());
}
