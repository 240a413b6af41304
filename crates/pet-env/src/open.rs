//! Picking a store at run time: URL → backend, with a clear error for backends
//! that are not compiled in; the default URL from `PET_STORE` or `pet.toml`.

use std::path::Path;
use std::sync::Arc;

use pet_core::location::Location;
use pet_core::{MemoryStore, PetError, Result, Store};

/// Environment variable that names the store when the program does not.
pub const STORE_ENV: &str = "PET_STORE";

/// Config file (in the working directory) whose `store = "..."` names the store.
pub const CONFIG_FILE: &str = "pet.toml";

#[allow(dead_code)]
fn not_compiled(url: &str, backend: &str, feature: &str) -> PetError {
    PetError::BadLocation {
        url: url.to_string(),
        reason: format!(
            "this build of pet has no {backend} support; enable the `{feature}` feature \
             (pet = {{ version = \"{}\", features = [\"{feature}\"] }}) and rebuild",
            pet_core::VERSION
        ),
    }
}

/// Opens the store a URL names: `sqlite://…` (feature `sqlite`), `hdf5://…`
/// (feature `hdf5`), `mongodb://…` (feature `mongo`), `memory://`, or a path
/// ending in `.db`/`.sqlite`/`.h5`/`.hdf5`.
pub fn open_store(url: &str) -> Result<Arc<dyn Store>> {
    let loc = Location::parse(url)?;
    match loc.scheme.as_str() {
        "memory" => Ok(Arc::new(MemoryStore::new())),
        "sqlite" => {
            #[cfg(feature = "sqlite")]
            return Ok(Arc::new(pet_sqlite::SqliteStore::from_url(&loc.to_string())?));
            #[cfg(not(feature = "sqlite"))]
            return Err(not_compiled(url, "SQLite", "sqlite"));
        }
        "hdf5" => {
            #[cfg(feature = "hdf5")]
            return Ok(Arc::new(pet_hdf5::Hdf5Store::from_url(&loc.to_string())?));
            #[cfg(not(feature = "hdf5"))]
            return Err(not_compiled(url, "HDF5", "hdf5"));
        }
        "mongodb" | "mongodb+srv" => {
            #[cfg(feature = "mongo")]
            return Ok(Arc::new(pet_mongo::MongoStore::from_url(url)?));
            #[cfg(not(feature = "mongo"))]
            return Err(not_compiled(url, "MongoDB", "mongo"));
        }
        other => Err(PetError::BadLocation {
            url: url.to_string(),
            reason: format!(
                "unknown store type '{other}'; use sqlite://FILE, hdf5://FILE, mongodb://HOST/DB or memory://"
            ),
        }),
    }
}

/// The store URL to use: `explicit` if given, else `$PET_STORE`, else `store` in
/// `./pet.toml`, else `fallback`.
pub fn store_url(explicit: Option<&str>, fallback: &str) -> Result<String> {
    if let Some(u) = explicit {
        return Ok(u.to_string());
    }
    if let Ok(u) = std::env::var(STORE_ENV) {
        if !u.is_empty() {
            return Ok(u);
        }
    }
    if let Some(u) = url_from_config(Path::new(CONFIG_FILE))? {
        return Ok(u);
    }
    Ok(fallback.to_string())
}

/// Reads `store = "..."` from a TOML file; `None` when the file does not exist.
pub fn url_from_config(path: &Path) -> Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(PetError::BadLocation {
                url: path.display().to_string(),
                reason: format!("cannot read the config file: {e}"),
            })
        }
    };
    let bad = |reason: String| PetError::BadLocation {
        url: path.display().to_string(),
        reason,
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| bad(format!("not valid TOML: {e}")))?;
    match table.get("store") {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(
            "`store` must be a string such as \"sqlite://results/sweep.db\"".into(),
        )),
    }
}
