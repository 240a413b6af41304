//! scipy sparse matrices as pypet stores them (`*__spsp__`): the hex text of
//! a `scipy.sparse.save_npz` zip file. The zip is read in memory (stored or
//! deflated members), each member is a `.npy` array, and CSR, CSC and COO
//! matrices become pet's [`Sparse`]. Every size is checked before use.

use std::collections::BTreeMap;
use std::io::Read;

use pet_core::value::{Array, DType, Sparse, SparseFormat};
use pet_core::{bounds, Result, Value};

use crate::error::bad;

/// Largest member pet inflates (a sparse matrix of 1 GiB).
const MAX_MEMBER: usize = 1 << 30;

/// Decodes pypet's hex text into bytes.
pub fn unhex(text: &[u8], at: &str) -> Result<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return Err(bad(at, "hex text of odd length"));
    }
    let nib = |c: u8| -> Result<u8> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(bad(at, "hex text with a character that is not a hex digit")),
        }
    };
    text.chunks_exact(2)
        .map(|p| Ok(nib(p[0])? << 4 | nib(p[1])?))
        .collect()
}

fn u16_at(b: &[u8], i: usize, at: &str) -> Result<usize> {
    b.get(i..i + 2)
        .map(|s| usize::from(u16::from_le_bytes([s[0], s[1]])))
        .ok_or_else(|| bad(at, "a zip file cut short"))
}

fn u32_at(b: &[u8], i: usize, at: &str) -> Result<usize> {
    b.get(i..i + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or_else(|| bad(at, "a zip file cut short"))
}

/// The members of a zip file, by name.
pub fn unzip(z: &[u8], at: &str) -> Result<BTreeMap<String, Vec<u8>>> {
    let eocd = (0..z.len().saturating_sub(21))
        .rev()
        .find(|&i| z[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or_else(|| bad(at, "the sparse matrix is not a zip file"))?;
    let count = u16_at(z, eocd + 10, at)?;
    let mut p = u32_at(z, eocd + 16, at)?;
    let mut out = BTreeMap::new();
    for _ in 0..count {
        if z.get(p..p + 4) != Some(&[0x50, 0x4b, 0x01, 0x02]) {
            return Err(bad(at, "a damaged zip directory"));
        }
        let method = u16_at(z, p + 10, at)?;
        let csize = u32_at(z, p + 20, at)?;
        let usize_ = u32_at(z, p + 24, at)?;
        let nlen = u16_at(z, p + 28, at)?;
        let elen = u16_at(z, p + 30, at)?;
        let clen = u16_at(z, p + 32, at)?;
        let local = u32_at(z, p + 42, at)?;
        let name = z
            .get(p + 46..p + 46 + nlen)
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .ok_or_else(|| bad(at, "a zip file cut short"))?;
        p += 46 + nlen + elen + clen;
        if z.get(local..local + 4) != Some(&[0x50, 0x4b, 0x03, 0x04]) {
            return Err(bad(at, "a damaged zip member"));
        }
        let start = local + 30 + u16_at(z, local + 26, at)? + u16_at(z, local + 28, at)?;
        let data = z
            .get(start..start.saturating_add(csize))
            .ok_or_else(|| bad(at, "a zip member beyond the end of the file"))?;
        if usize_ > MAX_MEMBER {
            return Err(bad(at, "a zip member larger than 1 GiB"));
        }
        let bytes = match method {
            0 => data.to_vec(),
            8 => {
                let mut v = Vec::with_capacity(usize_);
                flate2::read::DeflateDecoder::new(data)
                    .take(usize_ as u64 + 1)
                    .read_to_end(&mut v)
                    .map_err(|e| bad(at, format!("a zip member does not inflate: {e}")))?;
                v
            }
            m => return Err(bad(at, format!("a zip member compressed with method {m}"))),
        };
        if bytes.len() != usize_ {
            return Err(bad(at, "a zip member of the wrong size"));
        }
        out.insert(name, bytes);
    }
    Ok(out)
}

/// A `.npy` array: its descr (`<f8`, `|S3`), shape and data bytes.
pub struct Npy {
    /// numpy's type string.
    pub descr: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Row-major element bytes.
    pub data: Vec<u8>,
}

fn field<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let i = header.find(&format!("'{key}'"))?;
    let rest = header[i + key.len() + 2..].trim_start().strip_prefix(':')?;
    Some(rest.trim_start())
}

/// Parses a `.npy` file (C order only).
pub fn npy(b: &[u8], at: &str) -> Result<Npy> {
    if !b.starts_with(b"\x93NUMPY") || b.len() < 10 {
        return Err(bad(at, "a sparse matrix member that is not a .npy array"));
    }
    let (hlen, hstart) = match b[6] {
        1 => (u16_at(b, 8, at)?, 10),
        _ => (u32_at(b, 8, at)?, 12),
    };
    let header = b
        .get(hstart..hstart + hlen)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad(at, "a .npy header cut short"))?;
    let descr = field(header, "descr")
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad(at, "a .npy header without descr"))?
        .to_string();
    if field(header, "fortran_order").is_some_and(|r| r.starts_with("True")) {
        return Err(bad(at, "a .npy array in Fortran order"));
    }
    let shape_text = field(header, "shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad(at, "a .npy header without shape"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| bad(at, "a .npy shape that is not a number"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Npy {
        descr,
        shape,
        data: b[hstart + hlen..].to_vec(),
    })
}

impl Npy {
    /// The array as pet's, for little-endian numeric descrs.
    pub fn array(&self, at: &str) -> Result<Array> {
        let dtype = match self.descr.as_str() {
            "|b1" => DType::Bool,
            "|i1" => DType::I8,
            "<i2" => DType::I16,
            "<i4" => DType::I32,
            "<i8" => DType::I64,
            "|u1" => DType::U8,
            "<u2" => DType::U16,
            "<u4" => DType::U32,
            "<u8" => DType::U64,
            "<f4" => DType::F32,
            "<f8" => DType::F64,
            "<c8" => DType::C64,
            "<c16" => DType::C128,
            d => return Err(bad(at, format!("a .npy array of type {d}"))),
        };
        let need = bounds::byte_len(&self.shape, dtype.width().unwrap_or(1))
            .map_err(|e| bad(at, e.to_string()))?;
        let data = self
            .data
            .get(..need)
            .ok_or_else(|| bad(at, "a .npy array shorter than its shape"))?;
        Array::from_le_bytes(dtype, &self.shape, data).map_err(|e| bad(at, e.to_string()))
    }

    /// Integer elements as u64 (indices; negative ones are refused).
    pub fn indices(&self, at: &str) -> Result<Vec<u64>> {
        let a = self.array(at)?;
        (0..a.len())
            .map(|i| {
                let s = a
                    .get_flat(i)
                    .ok_or_else(|| bad(at, "an index array cut short"))?;
                let v = s
                    .as_f64()
                    .filter(|v| *v >= 0.0 && v.fract() == 0.0)
                    .ok_or_else(|| bad(at, "an index that is negative or not an integer"))?;
                Ok(v as u64)
            })
            .collect()
    }
}

/// What pypet's sparse text decodes to: a sparse matrix pet has the layout
/// of, or the npz bytes of one it has not (bsr, dia) with its format.
pub enum Decoded {
    /// CSR, CSC or COO.
    Sparse(Value),
    /// Another scipy format, carried as opaque npz bytes.
    Other(String, Vec<u8>),
}

/// Decodes pypet's `__spsp__` text.
pub fn sparse(text: &[u8], at: &str) -> Result<Decoded> {
    let zip = unhex(text, at)?;
    let members = unzip(&zip, at)?;
    let get = |n: &str| -> Result<Npy> {
        let b = members
            .get(&format!("{n}.npy"))
            .ok_or_else(|| bad(at, format!("a sparse matrix without '{n}'")))?;
        npy(b, at)
    };
    let fmt = get("format")?;
    let format = String::from_utf8_lossy(&fmt.data)
        .trim_end_matches('\0')
        .to_string();
    let shape = get("shape")?.indices(at)?;
    let (&[rows, cols], true) = (shape.as_slice(), shape.len() == 2) else {
        return Err(bad(at, "a sparse matrix whose shape is not 2-d"));
    };
    let shape = (rows as usize, cols as usize);
    let data = get("data")?.array(at)?;
    let (f, major, minor) = match format.as_str() {
        "csr" => (
            SparseFormat::Csr,
            get("indptr")?.indices(at)?,
            get("indices")?.indices(at)?,
        ),
        "csc" => (
            SparseFormat::Csc,
            get("indptr")?.indices(at)?,
            get("indices")?.indices(at)?,
        ),
        "coo" => (
            SparseFormat::Coo,
            get("row")?.indices(at)?,
            get("col")?.indices(at)?,
        ),
        other => return Ok(Decoded::Other(other.to_string(), zip)),
    };
    let s = Sparse::new(f, shape, major, minor, data).map_err(|e| bad(at, e.to_string()))?;
    Ok(Decoded::Sparse(Value::from(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_npy_headers_decode() {
        assert_eq!(unhex(b"00ff10", "t").unwrap(), vec![0, 255, 16]);
        assert!(unhex(b"0g", "t").is_err());
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        let h = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
        b.extend((h.len() as u16).to_le_bytes());
        b.extend(h.as_bytes());
        b.extend(3i64.to_le_bytes());
        b.extend(4i64.to_le_bytes());
        let n = npy(&b, "t").unwrap();
        assert_eq!(n.shape, vec![2]);
        assert_eq!(n.indices("t").unwrap(), vec![3, 4]);
    }
}
