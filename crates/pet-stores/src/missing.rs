//! The list entries of backends a build leaves out: their schemes and file
//! extensions (so their URLs are recognised) and the feature that brings them
//! in. A test compares each with the backend's own descriptor when both are built.

use pet_core::storage::descriptor::UrlOptions;
use pet_core::Descriptor;

/// SQLite, when the `sqlite` feature is off.
pub const SQLITE: Descriptor = Descriptor {
    name: "SQLite",
    feature: "sqlite",
    schemes: &["sqlite"],
    extensions: &["db", "sqlite", "sqlite3"],
    file: true,
    options: UrlOptions::Any,
    example: "sqlite://FILE",
    open: None,
};

/// HDF5, when the `hdf5` feature is off.
pub const HDF5: Descriptor = Descriptor {
    name: "HDF5",
    feature: "hdf5",
    schemes: &["hdf5"],
    extensions: &["h5", "hdf5"],
    file: true,
    options: UrlOptions::Any,
    example: "hdf5://FILE",
    open: None,
};

/// MongoDB, when the `mongo` feature is off.
pub const MONGO: Descriptor = Descriptor {
    name: "MongoDB",
    feature: "mongo",
    schemes: &["mongodb", "mongodb+srv"],
    extensions: &[],
    file: false,
    options: UrlOptions::Any,
    example: "mongodb://HOST/DB",
    open: None,
};

/// pypet's files, when the `pypet` feature is off.
pub const PYPET: Descriptor = Descriptor {
    name: "pypet",
    feature: "pypet",
    schemes: &["pypet"],
    extensions: &[],
    file: true,
    options: UrlOptions::Any,
    example: "pypet://FILE",
    open: None,
};

#[cfg(test)]
mod tests {
    #[allow(unused_imports)]
    use pet_core::Descriptor;

    #[allow(dead_code)]
    fn same(missing: &Descriptor, real: &Descriptor) {
        assert_eq!(missing.name, real.name);
        assert_eq!(missing.feature, real.feature);
        assert_eq!(missing.schemes, real.schemes);
        assert_eq!(missing.extensions, real.extensions);
        assert_eq!(missing.file, real.file);
        assert_eq!(missing.example, real.example);
        assert!(missing.open.is_none() && real.open.is_some());
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_entry_matches_the_backend() {
        same(&super::SQLITE, &pet_sqlite::DESCRIPTOR);
    }

    #[cfg(feature = "hdf5")]
    #[test]
    fn hdf5_entry_matches_the_backend() {
        same(&super::HDF5, &pet_hdf5::DESCRIPTOR);
    }

    #[cfg(feature = "mongo")]
    #[test]
    fn mongo_entry_matches_the_backend() {
        same(&super::MONGO, &pet_mongo::DESCRIPTOR);
    }

    #[cfg(feature = "pypet")]
    #[test]
    fn pypet_entry_matches_the_backend() {
        same(&super::PYPET, &pet_pypet::DESCRIPTOR);
    }
}
