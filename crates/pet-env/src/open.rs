//! Picking a store at run time: the URL a program gives, else `PET_STORE`, else
//! `pet.toml`; opened through the one list of backends ([`pet_stores`]).

use std::path::Path;

use pet_core::{PetError, Result};

/// Environment variable that names the store when the program does not.
pub const STORE_ENV: &str = "PET_STORE";

/// Config file (in the working directory) whose `store = "..."` names the store.
pub const CONFIG_FILE: &str = "pet.toml";

/// Opens the store a URL names for reading and writing (the list of backends is
/// [`pet_stores::BACKENDS`]).
pub use pet_stores::open as open_store;

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
