//! Reading and writing the small attributes pet puts on groups and datasets.

use hdf5::types::VarLenUnicode;
use hdf5::Location;
use pet_core::{PetError, Result};

use crate::error::h5;

/// Writes a UTF-8 string attribute (the attribute must not exist yet).
pub fn put_str(loc: &Location, name: &str, value: &str) -> Result<()> {
    let v: VarLenUnicode = value
        .parse()
        .map_err(|e| PetError::invalid(format!("text cannot be stored in HDF5: {e}")))?;
    loc.new_attr::<VarLenUnicode>()
        .create(name)
        .and_then(|a| a.write_scalar(&v))
        .map_err(h5("cannot write an attribute"))
}

/// Writes an f64 attribute.
pub fn put_f64(loc: &Location, name: &str, value: f64) -> Result<()> {
    loc.new_attr::<f64>()
        .create(name)
        .and_then(|a| a.write_scalar(&value))
        .map_err(h5("cannot write an attribute"))
}

/// Writes a u32 attribute.
pub fn put_u32(loc: &Location, name: &str, value: u32) -> Result<()> {
    loc.new_attr::<u32>()
        .create(name)
        .and_then(|a| a.write_scalar(&value))
        .map_err(h5("cannot write an attribute"))
}

/// Writes a byte-array attribute (CBOR payloads).
pub fn put_bytes(loc: &Location, name: &str, value: &[u8]) -> Result<()> {
    loc.new_attr_builder()
        .with_data(value)
        .create(name)
        .map(|_| ())
        .map_err(h5("cannot write an attribute"))
}

/// True when `loc` has attribute `name` (asking first avoids a failing HDF5 call).
pub fn has(loc: &Location, name: &str) -> Result<bool> {
    Ok(loc
        .attr_names()
        .map_err(h5("cannot list attributes"))?
        .iter()
        .any(|n| n == name))
}

/// Removes an attribute if present.
pub fn remove(loc: &Location, name: &str) -> Result<()> {
    if has(loc, name)? {
        loc.delete_attr(name)
            .map_err(h5("cannot delete an attribute"))?;
    }
    Ok(())
}

/// Reads a string attribute, `None` when absent.
pub fn get_str(loc: &Location, name: &str) -> Result<Option<String>> {
    if !has(loc, name)? {
        return Ok(None);
    }
    match loc.attr(name) {
        Ok(a) => a
            .read_scalar::<VarLenUnicode>()
            .map(|v| Some(v.as_str().to_string()))
            .map_err(h5("cannot read an attribute")),
        Err(_) => Ok(None),
    }
}

/// Reads an f64 attribute, `None` when absent.
pub fn get_f64(loc: &Location, name: &str) -> Result<Option<f64>> {
    if !has(loc, name)? {
        return Ok(None);
    }
    match loc.attr(name) {
        Ok(a) => a
            .read_scalar::<f64>()
            .map(Some)
            .map_err(h5("cannot read an attribute")),
        Err(_) => Ok(None),
    }
}

/// Reads a u32 attribute, `None` when absent.
pub fn get_u32(loc: &Location, name: &str) -> Result<Option<u32>> {
    if !has(loc, name)? {
        return Ok(None);
    }
    match loc.attr(name) {
        Ok(a) => a
            .read_scalar::<u32>()
            .map(Some)
            .map_err(h5("cannot read an attribute")),
        Err(_) => Ok(None),
    }
}

/// Reads a byte-array attribute, `None` when absent.
pub fn get_bytes(loc: &Location, name: &str) -> Result<Option<Vec<u8>>> {
    if !has(loc, name)? {
        return Ok(None);
    }
    match loc.attr(name) {
        Ok(a) => crate::sizes::read_attr_raw::<u8>(&a, name).map(Some),
        Err(_) => Ok(None),
    }
}
