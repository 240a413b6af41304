//! `pet rm`: deleting one trajectory from a store, by its exact name (never
//! guessed), for example one whose creation was interrupted.

use anyhow::{Context, Result};

use crate::safe_text::clean;

/// Removes trajectory `traj` and everything in it from the store at `url`.
pub fn rm(url: &str, traj: &str) -> Result<()> {
    let store = pet_stores::open(url).with_context(|| format!("cannot open store {url}"))?;
    store
        .remove_trajectory(traj)
        .with_context(|| format!("cannot remove trajectory '{}' from {url}", clean(traj)))?;
    println!("removed trajectory '{}' from {}", clean(traj), clean(url));
    Ok(())
}
