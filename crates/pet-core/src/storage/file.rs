//! What every file store shares: the `sync=` option and the steps before a
//! file is opened (directory checks, read-only detection, parent creation),
//! and the names of side files.

use std::path::{Path, PathBuf};

use crate::location::Location;
use crate::{PetError, Result};

use super::descriptor::Access;

/// URL options every file store takes besides `mode`.
pub const FILE_OPTIONS: [&str; 1] = ["sync"];

/// Options shared by file stores.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// Open read-only: create nothing, refuse every write.
    pub read_only: bool,
    /// Make every stored run survive power loss, not only a crash of the
    /// process (`sync=full`; slower).
    pub sync_full: bool,
}

impl FileOptions {
    /// Reads `mode=` (else `default`) and `sync=` from a location.
    pub fn from_location(loc: &Location, default: Access) -> Result<FileOptions> {
        let read_only = Access::from_location(loc, default)?.is_read_only();
        let sync_full = match loc.option("sync") {
            None | Some("normal") => false,
            Some("full") => true,
            Some(s) => {
                return Err(PetError::BadLocation {
                    url: loc.to_string(),
                    reason: format!("sync must be normal or full, not '{s}'"),
                })
            }
        };
        Ok(FileOptions {
            read_only,
            sync_full,
        })
    }
}

/// Checks `path` before a file store opens it, and returns whether it must be
/// opened read-only: a directory is refused; an existing file without write
/// permission is opened read-only; a missing file is refused when `read_only`
/// (nothing is created) and otherwise gets its parent directories created.
pub fn prepare(path: &Path, read_only: bool, example: &str) -> Result<bool> {
    let bad = |reason: String| PetError::BadLocation {
        url: path.display().to_string(),
        reason,
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(bad(format!(
            "this is a directory; give a file name such as {example}"
        ))),
        Ok(m) => Ok(read_only || m.permissions().readonly()),
        Err(_) if read_only => Err(bad(
            "the file does not exist (opened read-only, so it is not created); check the path"
                .into(),
        )),
        Err(_) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| bad(format!("cannot create directory {}: {e}", dir.display())))?;
            }
            Ok(false)
        }
    }
}

/// `path` with `suffix` appended to its file name (`a.h5` + `.journal` is
/// `a.h5.journal`): where a file store keeps its side files.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mode_and_sync() {
        let loc = Location::parse("x://a?mode=ro&sync=full").unwrap();
        let o = FileOptions::from_location(&loc, Access::ReadWrite).unwrap();
        assert!(o.read_only && o.sync_full);
        let loc = Location::parse("x://a?sync=often").unwrap();
        let e = FileOptions::from_location(&loc, Access::ReadWrite).unwrap_err();
        assert!(e.to_string().contains("sync must be normal or full"), "{e}");
        let loc = Location::parse("x://a").unwrap();
        assert!(
            FileOptions::from_location(&loc, Access::ReadOnly)
                .unwrap()
                .read_only
        );
    }

    #[test]
    fn prepare_refuses_directories_and_missing_read_only_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(prepare(dir.path(), false, "a.db").is_err());
        let missing = dir.path().join("sub/new.db");
        assert!(prepare(&missing, true, "a.db").is_err());
        assert!(!prepare(&missing, false, "a.db").unwrap());
        assert!(missing.parent().unwrap().is_dir());
    }
}
