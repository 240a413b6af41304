//! The pypet backend's descriptor: `pypet://FILE` (a bare `.hdf5`/`.h5` path
//! holding a pypet file reaches it too: pet-hdf5 recognises the layout and
//! [`pet_core::storage::descriptor::open`] hands the file over). Always read-only.

use std::sync::Arc;

use pet_core::location::Location;
use pet_core::storage::descriptor::UrlOptions;
use pet_core::{Access, Descriptor, Result, Store};

use crate::PypetStore;

/// The pypet backend: reads pypet's HDF5 files, never writes them.
pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "pypet",
    feature: "pypet",
    schemes: &["pypet"],
    extensions: &[],
    file: true,
    options: UrlOptions::Only(&[]),
    example: "pypet://FILE",
    open: Some(open),
};

fn open(loc: &Location, _access: Access) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(PypetStore::from_location(loc)?))
}
