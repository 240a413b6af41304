//! Limits on what pet accepts from a store, a peer or a user, and the checked
//! size arithmetic every decoder uses before it allocates.
//!
//! A decoder never trusts a size it reads: it computes the byte length a
//! declared shape needs with [`byte_len`] (checked multiplication) and compares
//! it with the bytes really present before building anything.

use crate::{PetError, Result};

/// Largest run index pet accepts (about 4.3 billion runs): bounds every run
/// table a store allocates from an index.
pub const MAX_RUN_INDEX: usize = u32::MAX as usize - 1;

/// Deepest nesting of groups, values or expressions pet follows when decoding.
pub const MAX_DEPTH: usize = 256;

/// Most dimensions an array may have (numpy's limit is 64).
pub const MAX_DIMS: usize = 64;

fn too_big(what: &str, shape: &[usize]) -> PetError {
    PetError::corrupt(format!(
        "{what} of shape {shape:?} is larger than this machine can address"
    ))
}

/// Number of elements of `shape`, or an error when the product overflows or
/// the shape has more than [`MAX_DIMS`] dimensions.
pub fn element_count(shape: &[usize]) -> Result<usize> {
    if shape.len() > MAX_DIMS {
        return Err(PetError::corrupt(format!(
            "an array has {} dimensions, at most {MAX_DIMS} are allowed",
            shape.len()
        )));
    }
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| too_big("an array", shape))
}

/// Bytes an array of `shape` with elements of `width` bytes occupies.
pub fn byte_len(shape: &[usize], width: usize) -> Result<usize> {
    element_count(shape)?
        .checked_mul(width)
        .ok_or_else(|| too_big("an array", shape))
}

/// Checks a run index read from a store or received from a caller.
pub fn run_index(index: usize) -> Result<()> {
    if index > MAX_RUN_INDEX {
        return Err(PetError::invalid(format!(
            "run index {index} is larger than the largest pet accepts ({MAX_RUN_INDEX})"
        )));
    }
    Ok(())
}

/// Converts a run index stored as a signed integer (SQLite, BSON), refusing
/// negative and oversized ones with an error naming `location`.
pub fn stored_run_index(value: i64, location: &str) -> Result<usize> {
    usize::try_from(value)
        .ok()
        .filter(|&i| i <= MAX_RUN_INDEX)
        .ok_or_else(|| PetError::Format {
            location: location.to_string(),
            reason: format!("run index {value} is out of range 0..={MAX_RUN_INDEX}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        assert_eq!(byte_len(&[2, 3], 8).unwrap(), 48);
        assert_eq!(element_count(&[]).unwrap(), 1);
        assert!(byte_len(&[2_305_843_009_213_693_952], 8).is_err());
        assert!(element_count(&[usize::MAX, 2]).is_err());
        assert!(element_count(&[1; 65]).is_err());
        assert!(stored_run_index(-1, "f").is_err());
        assert!(stored_run_index(i64::MAX, "f").is_err());
        assert_eq!(stored_run_index(7, "f").unwrap(), 7);
        assert!(run_index(usize::MAX).is_err());
    }
}
