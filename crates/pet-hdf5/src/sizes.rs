//! Checks the size a dataset or attribute declares against the bytes the file
//! really holds, before anything is read: a forged dataspace (a chunked
//! dataset with no chunks that claims terabytes) is an error, not an allocation.

use hdf5::{Attribute, Container, Dataset, H5Type};
use pet_core::{bounds, Result};

use crate::error::{corrupt, h5};

/// The most a filtered (compressed) chunk can expand: deflate's limit is about
/// 1032:1, lzf's far less; pet writes no other filter.
const MAX_EXPANSION: u64 = 1100;

/// Bytes `c` declares: its element count times its element size, checked.
fn declared(c: &Container, at: &str) -> Result<u64> {
    let shape = c.get_shape().map_err(h5("cannot read a dataspace"))?;
    let width = c.dtype().map_err(h5("cannot read a datatype"))?.size();
    let n = bounds::byte_len(&shape, width.max(1)).map_err(|e| corrupt(at, e.to_string()))?;
    u64::try_from(n).map_err(|_| corrupt(at, "a dataset larger than this machine can address"))
}

fn refuse(at: &str, what: &str, declared: u64, held: u64) -> pet_core::PetError {
    corrupt(
        at,
        format!(
            "the {what} declares {declared} bytes but the file holds {held} bytes for it; \
             the file is damaged or forged"
        ),
    )
}

/// The bytes a read of `c` could need at most, given what the file holds for it.
fn held(c: &Container, stored: u64) -> Result<u64> {
    let file = c.file().map_err(h5("cannot find the file of a dataset"))?;
    Ok(stored.min(file.size()))
}

/// Checks a dataset before reading it whole.
pub fn check_dataset(ds: &Dataset, at: &str) -> Result<()> {
    let want = declared(ds, at)?;
    if want == 0 {
        return Ok(());
    }
    let held = held(ds, ds.storage_size())?;
    let limit = if ds.is_chunked() {
        held.saturating_mul(MAX_EXPANSION)
    } else {
        held
    };
    if want > limit {
        return Err(refuse(at, "dataset", want, held));
    }
    Ok(())
}

/// Checks an attribute before reading it (attributes are never compressed).
pub fn check_attribute(a: &Attribute, at: &str) -> Result<()> {
    let want = declared(a, at)?;
    let held = held(a, a.storage_size())?;
    if want > held {
        return Err(refuse(at, "attribute", want, held));
    }
    Ok(())
}

/// Reads a whole dataset as raw elements after [`check_dataset`].
pub fn read_raw<T: H5Type>(ds: &Dataset, at: &str) -> Result<Vec<T>> {
    check_dataset(ds, at)?;
    ds.read_raw::<T>().map_err(h5("cannot read a dataset"))
}

/// Reads a whole attribute as raw elements after [`check_attribute`].
pub fn read_attr_raw<T: H5Type>(a: &Attribute, at: &str) -> Result<Vec<T>> {
    check_attribute(a, at)?;
    a.read_raw::<T>().map_err(h5("cannot read an attribute"))
}
