//! Opening the store a command reads (read-only) and picking the trajectory.
//! Stores a command writes are opened through [`crate::dest::Destination`].

use std::sync::Arc;

use anyhow::{bail, Context, Result};

use pet_core::{LoadSpec, Store, Trajectory};

/// Opens `url` (a URL or a path with a backend's file extension) read-only
/// (unless the URL says `mode=rw`), so reading never creates or changes anything.
pub fn open(url: &str) -> Result<Arc<dyn Store>> {
    pet_stores::open_read_only(url).with_context(|| format!("cannot open store {url}"))
}

/// The trajectory to work on: `--traj` if given, else the only one in the store.
pub fn pick(store: &dyn Store, url: &str, traj: Option<&str>) -> Result<String> {
    if let Some(t) = traj {
        return Ok(t.to_string());
    }
    let names: Vec<String> = store.list()?.into_iter().map(|i| i.name).collect();
    match names.as_slice() {
        [] => bail!("{url} holds no trajectory"),
        [one] => Ok(one.clone()),
        many => bail!(
            "{url} holds several trajectories ({}); pick one with --traj NAME",
            many.join(", ")
        ),
    }
}

/// Opens the store read-only and loads the chosen trajectory with `spec`.
pub fn load(url: &str, traj: Option<&str>, spec: LoadSpec) -> Result<Trajectory> {
    let store = open(url)?;
    let name = pick(store.as_ref(), url, traj)?;
    Trajectory::load(store, &name, spec)
        .with_context(|| format!("cannot load trajectory '{name}' from {url}"))
}
