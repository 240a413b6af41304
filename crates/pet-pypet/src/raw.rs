//! The stored bytes of a dataset, read from the file itself: the HDF5
//! library converts neither PyTables' bool bitfields nor fixed strings of any
//! width to a type safe Rust can name, and it cuts pickles at their first NUL
//! byte. A contiguous dataset is read at its offset; a chunked one chunk by
//! chunk, undoing the filters PyTables uses (deflate, shuffle, fletcher32).
//! Every offset and size is checked against the file before it is read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use hdf5::filters::Filter;
use hdf5::Dataset;
use pet_core::{bounds, Result};

use crate::error::{bad, h5, io};

/// Reads `len` bytes at `offset` of `file` (whose size is `file_len`).
fn read_at(file: &File, file_len: u64, offset: u64, len: usize, at: &str) -> Result<Vec<u8>> {
    let end = offset
        .checked_add(len as u64)
        .filter(|&e| e <= file_len)
        .ok_or_else(|| {
            bad(
                at,
                format!("data at byte {offset} (+{len}) lies beyond the end of the file; the file is damaged"),
            )
        })?;
    let _ = end;
    let mut f = file;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| io("cannot seek in the file", e))?;
    let mut buf = vec![0u8; len];
    f.read_exact(&mut buf)
        .map_err(|e| io("cannot read the file", e))?;
    Ok(buf)
}

/// Undoes HDF5's shuffle filter for elements of `width` bytes.
fn unshuffle(data: &[u8], width: usize) -> Vec<u8> {
    if width <= 1 {
        return data.to_vec();
    }
    let n = data.len() / width;
    let mut out = vec![0u8; data.len()];
    for b in 0..width {
        for i in 0..n {
            out[i * width + b] = data[b * n + i];
        }
    }
    let done = n * width;
    out[done..].copy_from_slice(&data[done..]);
    out
}

/// Inflates a zlib stream of at most `limit` bytes.
fn inflate(data: &[u8], limit: usize, at: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(limit.min(1 << 24));
    flate2::read::ZlibDecoder::new(data)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad(at, format!("a compressed chunk does not inflate: {e}")))?;
    if out.len() > limit {
        return Err(bad(
            at,
            "a compressed chunk inflates to more than a chunk holds",
        ));
    }
    Ok(out)
}

/// Undoes the filter pipeline of one chunk (`mask` bits mark skipped filters).
fn unfilter(
    mut data: Vec<u8>,
    filters: &[Filter],
    mask: u32,
    width: usize,
    chunk_bytes: usize,
    at: &str,
) -> Result<Vec<u8>> {
    for (i, f) in filters.iter().enumerate().rev() {
        if mask & (1 << i) != 0 {
            continue;
        }
        data = match f {
            Filter::Deflate(_) => inflate(&data, chunk_bytes, at)?,
            Filter::Shuffle => unshuffle(&data, width),
            Filter::Fletcher32 => {
                let keep = data
                    .len()
                    .checked_sub(4)
                    .ok_or_else(|| bad(at, "a chunk shorter than its checksum"))?;
                data.truncate(keep);
                data
            }
            other => {
                return Err(bad(
                    at,
                    format!(
                        "the data is compressed with {other:?}, which pet cannot undo; \
                         repack the file with zlib (ptrepack --complib zlib) and read it again"
                    ),
                ))
            }
        };
    }
    Ok(data)
}

/// Every stored byte of `ds` (elements of `width` bytes, row-major), read
/// from `file` (of `file_len` bytes).
pub fn dataset_bytes(ds: &Dataset, file: &File, file_len: u64, at: &str) -> Result<Vec<u8>> {
    pet_hdf5::sizes::check_dataset(ds, at)?;
    let shape = ds.shape();
    let width = ds.dtype().map_err(h5("cannot read a datatype"))?.size();
    let total = bounds::byte_len(&shape, width).map_err(|e| bad(at, e.to_string()))?;
    if total == 0 {
        return Ok(Vec::new());
    }
    if !ds.is_chunked() {
        return match ds.offset() {
            Some(off) => read_at(file, file_len, off, total, at),
            None if ds.storage_size() == 0 => Ok(vec![0u8; total]),
            None => Err(bad(
                at,
                "a dataset in compact layout, which PyTables does not write",
            )),
        };
    }
    let chunk = ds
        .chunk()
        .ok_or_else(|| bad(at, "a chunked dataset without chunk shape"))?;
    if chunk.len() != shape.len() || chunk.contains(&0) {
        return Err(bad(at, "a chunk shape that does not fit the dataset"));
    }
    let chunk_bytes = bounds::byte_len(&chunk, width).map_err(|e| bad(at, e.to_string()))?;
    let filters = ds.filters();
    let mut out = vec![0u8; total];
    let n = ds.num_chunks().unwrap_or(0);
    for i in 0..n {
        let info = ds
            .chunk_info(i)
            .ok_or_else(|| bad(at, format!("chunk {i} cannot be located")))?;
        let size = usize::try_from(info.size).map_err(|_| bad(at, "a chunk too large"))?;
        if size > chunk_bytes.saturating_mul(2).saturating_add(1024) {
            return Err(bad(at, format!("chunk {i} is larger than a chunk can be")));
        }
        let stored = read_at(file, file_len, info.addr, size, at)?;
        let data = unfilter(stored, &filters, info.filter_mask, width, chunk_bytes, at)?;
        if data.len() != chunk_bytes {
            return Err(bad(
                at,
                format!("chunk {i} holds {} bytes, not {chunk_bytes}", data.len()),
            ));
        }
        place(&mut out, &data, &shape, &chunk, &info.offset, width);
    }
    Ok(out)
}

/// Copies a chunk starting at element `origin` into the row-major `out`.
fn place(
    out: &mut [u8],
    data: &[u8],
    shape: &[usize],
    chunk: &[usize],
    origin: &[u64],
    width: usize,
) {
    let nd = shape.len();
    let inner = chunk[nd - 1];
    let rows: usize = chunk[..nd - 1].iter().product();
    let mut idx = vec![0usize; nd.saturating_sub(1)];
    for r in 0..rows {
        // idx: position of this chunk row in the chunk's leading dimensions.
        let mut rem = r;
        for d in (0..nd - 1).rev() {
            idx[d] = rem % chunk[d];
            rem /= chunk[d];
        }
        let mut flat = 0usize;
        let mut inside = true;
        for d in 0..nd - 1 {
            let g = origin[d] as usize + idx[d];
            if g >= shape[d] {
                inside = false;
                break;
            }
            flat = flat * shape[d] + g;
        }
        if !inside {
            continue;
        }
        let start = origin[nd - 1] as usize;
        if start >= shape[nd - 1] {
            continue;
        }
        let len = inner.min(shape[nd - 1] - start);
        let dst = (flat * shape[nd - 1] + start) * width;
        let src = r * inner * width;
        out[dst..dst + len * width].copy_from_slice(&data[src..src + len * width]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_undone() {
        // Elements 0x0102, 0x0304 of width 2, shuffled: low bytes, then high bytes.
        assert_eq!(unshuffle(&[2, 4, 1, 3], 2), vec![2, 1, 4, 3]);
    }

    #[test]
    fn edge_chunks_are_cut_to_the_shape() {
        // A 3x3 array of bytes from 2x2 chunks; the chunk at (2, 2) holds one element.
        let mut out = vec![0u8; 9];
        place(&mut out, &[9, 0, 0, 0], &[3, 3], &[2, 2], &[2, 2], 1);
        place(&mut out, &[1, 2, 4, 5], &[3, 3], &[2, 2], &[0, 0], 1);
        assert_eq!(out, vec![1, 2, 0, 4, 5, 0, 0, 0, 9]);
    }
}
