//! The physical layout: names of attributes and groups, the format version, and
//! the mapping between pet's dotted paths and HDF5 paths (with run buckets).

use pet_core::name;

/// Version of the on-disk layout written by this crate (root attribute `pet_layout_version`).
pub const LAYOUT_VERSION: u32 = 1;
/// Value of the root attribute `pet_format` that marks a pet store.
pub const FORMAT: &str = "pet-hdf5";
/// Runs per bucket group (`run_set_00042` holds runs 42000..42999).
pub const RUNS_PER_SET: usize = 1000;

/// Root attribute naming the format.
pub const A_FORMAT: &str = "pet_format";
/// Root attribute holding [`LAYOUT_VERSION`].
pub const A_VERSION: &str = "pet_layout_version";
/// Root attribute: the pet version that created the file.
pub const A_CREATED_BY: &str = "pet_created_by";
/// Trajectory group attribute: creation time.
pub const A_CREATED: &str = "created";
/// Trajectory group attribute: pet version of the trajectory.
pub const A_PET_VERSION: &str = "pet_version";
/// Marks a trajectory group.
pub const A_TRAJECTORY: &str = "pet_trajectory";
/// Comment of a node or trajectory.
pub const A_COMMENT: &str = "comment";
/// Annotations of a node that are not plain scalars (CBOR map).
pub const A_ANNOTATIONS: &str = "pet_annotations";
/// Prefix of the typed attributes holding scalar annotations (`annotation.seed`).
pub const ANN_PREFIX: &str = "annotation.";
/// Marks a leaf and holds its type description.
pub const A_TYPE: &str = "pet_type";
/// Kind of a value dataset when the HDF5 type alone does not say it.
pub const A_KIND: &str = "pet_kind";
/// Unit of a quantity.
pub const A_UNIT: &str = "pet_unit";
/// Links of a group: CBOR map name -> (target, comment, annotations).
pub const A_LINKS: &str = "pet_links";

/// Dataset of a parameter's default value.
pub const D_DEFAULT: &str = "default";
/// Dataset (or group) of a parameter's explored values.
pub const D_EXPLORED: &str = "explored";
/// Group of the run table inside a trajectory group.
pub const G_RUN_TABLE: &str = "run_table";

/// The bucket group name of run `index`.
pub fn run_set(index: usize) -> String {
    format!("run_set_{:05}", index / RUNS_PER_SET)
}

/// True for a bucket group name.
pub fn is_run_set(part: &str) -> bool {
    part.strip_prefix("run_set_")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// HDF5 path of the trajectory group.
pub fn traj_path(traj: &str) -> String {
    format!("/{traj}")
}

/// HDF5 path of a pet path (`results.runs.run_00000042.z` ->
/// `/T/results/runs/run_set_00000/run_00000042/z`).
pub fn h5_path(traj: &str, path: &str) -> String {
    let mut out = traj_path(traj);
    let mut prev = "";
    for part in path.split('.').filter(|p| !p.is_empty()) {
        if prev == name::RUNS {
            if let Some(i) = name::run_index(part) {
                out.push('/');
                out.push_str(&run_set(i));
            }
        }
        out.push('/');
        out.push_str(part);
        prev = part;
    }
    out
}

/// Joins a pet path and a child name.
pub fn join(path: &str, child: &str) -> String {
    if path.is_empty() {
        child.to_string()
    } else {
        format!("{path}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_bucketed() {
        assert_eq!(
            h5_path("t", "results.runs.run_00042042.z"),
            "/t/results/runs/run_set_00042/run_00042042/z"
        );
        assert_eq!(h5_path("t", "parameters.x"), "/t/parameters/x");
        assert_eq!(h5_path("t", ""), "/t");
        assert!(is_run_set("run_set_00001") && !is_run_set("run_set_"));
    }
}
