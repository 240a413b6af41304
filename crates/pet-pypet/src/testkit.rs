//! Reference files written by real pypet, for the tests, benches and fuzz
//! seeds of every crate (feature `testkit`): `scripts/pypet-venv.sh VERSION`
//! makes a venv with that pypet, `tests/python/make_files.py` writes a case's
//! `CASE.hdf5` and the JSON dump of pypet's own values beside it, cached
//! under `target/pypet-files/VERSION-HASH/` by the script's content.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The pypet versions the tests write files with (both write the 0.6/0.7 layout).
pub const VERSIONS: [&str; 2] = ["0.7.0", "0.6.1"];

/// The workspace root (two levels above pet-pypet's manifest directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The script that writes the reference files.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/make_files.py")
}

/// The Python of the venv holding pypet `version`, made once by
/// `scripts/pypet-venv.sh` (it needs `python3 -m venv` and pip reaching PyPI).
pub fn python(version: &str) -> Result<PathBuf, String> {
    let out = Command::new("bash")
        .arg(workspace_root().join("scripts/pypet-venv.sh"))
        .arg(version)
        .output()
        .map_err(|e| format!("could not run scripts/pypet-venv.sh (needs bash): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "could not set up the venv of pypet {version} (python3 -m venv, and pip reaching \
             PyPI, are needed to write reference files with real pypet):\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(PathBuf::from(text.trim()))
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// A reference file and the dump of what pypet holds after loading it.
#[derive(Clone, Debug)]
pub struct Case {
    /// The pypet file (`CASE.hdf5`).
    pub file: PathBuf,
    /// The JSON dump (`CASE.json`; its `pypet` entry is the version that wrote it).
    pub json: PathBuf,
}

/// Case `case` of `make_files.py` (`basic`, `ca`, `types`, `sets`, `merged`,
/// `two`) written by pypet `version`, once per version of the script; a file
/// lock keeps parallel tests and processes from writing it twice.
pub fn case(version: &str, case: &str) -> Result<Case, String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let code = std::fs::read(script()).map_err(|e| io("read make_files.py", e))?;
    let dir = workspace_root().join(format!("target/pypet-files/{version}-{:016x}", fnv(&code)));
    std::fs::create_dir_all(&dir).map_err(|e| io("create the reference directory", e))?;
    let lock = std::fs::File::create(dir.join(".lock")).map_err(|e| io("create the lock", e))?;
    lock.lock().map_err(|e| io("take the lock", e))?;
    let found = Case {
        file: dir.join(format!("{case}.hdf5")),
        json: dir.join(format!("{case}.json")),
    };
    if !found.json.exists() {
        let py = python(version)?;
        let out = Command::new(&py)
            .arg(script())
            .arg(&dir)
            .arg(case)
            .output()
            .map_err(|e| io("run make_files.py", e))?;
        if !out.status.success() {
            return Err(format!(
                "pypet {version} could not write the '{case}' file:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    drop(lock);
    Ok(found)
}
