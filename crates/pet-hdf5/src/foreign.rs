//! Recognising HDF5 files other programs wrote that pet can read through
//! another backend: pypet's trajectory files (the one place that knows what
//! makes a file a pypet file; pet-pypet asks it too).

use hdf5::{File, LocationType};

/// Root attribute PyTables puts on every file it writes (pypet writes through PyTables).
const PYTABLES_ROOT: &str = "PYTABLES_FORMAT_VERSION";

/// True when the root group carries an attribute named `name`.
fn root_has_attr(file: &File, name: &str) -> bool {
    file.group("/")
        .and_then(|g| g.attr_names())
        .is_ok_and(|names| names.iter().any(|n| n == name))
}

/// True when `/<traj>/overview/info` is a dataset: pypet's table of a
/// trajectory's name, length and version.
fn has_overview_info(file: &File, traj: &str) -> bool {
    let Ok(g) = file.group(&format!("/{traj}")) else {
        return false;
    };
    if !g.link_exists("overview") {
        return false;
    }
    let Ok(ov) = g.group("overview") else {
        return false;
    };
    ov.link_exists("info") && matches!(ov.loc_type_by_name("info"), Ok(LocationType::Dataset))
}

/// The top-level groups of `file` that are pypet trajectories: the file was
/// written through PyTables and each of them holds `overview/info`.
/// Empty for any other file (a pet store, a plain HDF5 file).
pub fn pypet_trajectories(file: &File) -> Vec<String> {
    if !root_has_attr(file, PYTABLES_ROOT) {
        return Vec::new();
    }
    let Ok(root) = file.group("/") else {
        return Vec::new();
    };
    root.member_names()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| has_overview_info(file, n))
        .collect()
}

/// True when `file` is a pypet file: written by PyTables, with at least one
/// trajectory group holding pypet's overview tables.
pub fn is_pypet(file: &File) -> bool {
    !pypet_trajectories(file).is_empty()
}
