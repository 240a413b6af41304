//! Sparse matrices in CSR, CSC and COO layout.

use serde::{Deserialize, Serialize};

use super::array::Array;
use crate::{PetError, Result};

/// The storage layout of a sparse matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SparseFormat {
    /// Compressed sparse rows: `major` is the row pointer, `minor` the column indices.
    Csr,
    /// Compressed sparse columns: `major` is the column pointer, `minor` the row indices.
    Csc,
    /// Coordinates: `major` holds row indices, `minor` column indices.
    Coo,
}

impl SparseFormat {
    /// Lower-case name (`csr`, `csc`, `coo`).
    pub fn name(self) -> &'static str {
        match self {
            SparseFormat::Csr => "csr",
            SparseFormat::Csc => "csc",
            SparseFormat::Coo => "coo",
        }
    }

    /// Parses a name produced by [`SparseFormat::name`].
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "csr" => Some(SparseFormat::Csr),
            "csc" => Some(SparseFormat::Csc),
            "coo" => Some(SparseFormat::Coo),
            _ => None,
        }
    }
}

/// A 2-d sparse matrix with typed non-zero values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sparse {
    /// The layout.
    pub format: SparseFormat,
    /// Number of rows and columns.
    pub shape: (usize, usize),
    /// Row/column pointer (CSR/CSC) or row indices (COO).
    pub major: Vec<u64>,
    /// Column (CSR, COO) or row (CSC) index of every stored value.
    pub minor: Vec<u64>,
    /// The stored values, a 1-d array.
    pub data: Array,
}

impl Sparse {
    /// Builds and validates a sparse matrix.
    pub fn new(
        format: SparseFormat,
        shape: (usize, usize),
        major: Vec<u64>,
        minor: Vec<u64>,
        data: Array,
    ) -> Result<Self> {
        let s = Sparse {
            format,
            shape,
            major,
            minor,
            data,
        };
        s.validate()?;
        Ok(s)
    }

    /// Checks lengths and index ranges; a violated rule is an `InvalidValue` error.
    pub fn validate(&self) -> Result<()> {
        let nnz = self.data.len();
        let (rows, cols) = self.shape;
        if self.data.shape().len() != 1 {
            return Err(PetError::invalid("sparse data must be a 1-d array"));
        }
        if self.minor.len() != nnz {
            return Err(PetError::invalid(format!(
                "sparse matrix has {nnz} values but {} minor indices",
                self.minor.len()
            )));
        }
        let check = |idx: &[u64], bound: usize, what: &str| -> Result<()> {
            match idx
                .iter()
                .find(|&&i| usize::try_from(i).map_or(true, |i| i >= bound))
            {
                Some(i) => Err(PetError::invalid(format!(
                    "sparse {what} index {i} out of range 0..{bound}"
                ))),
                None => Ok(()),
            }
        };
        match self.format {
            SparseFormat::Coo => {
                if self.major.len() != nnz {
                    return Err(PetError::invalid(format!(
                        "COO matrix has {nnz} values but {} row indices",
                        self.major.len()
                    )));
                }
                check(&self.major, rows, "row")?;
                check(&self.minor, cols, "column")
            }
            SparseFormat::Csr | SparseFormat::Csc => {
                let (outer, inner) = if self.format == SparseFormat::Csr {
                    (rows, cols)
                } else {
                    (cols, rows)
                };
                if outer.checked_add(1) != Some(self.major.len()) {
                    return Err(PetError::invalid(format!(
                        "{} pointer needs {outer}+1 entries, found {}",
                        self.format.name(),
                        self.major.len()
                    )));
                }
                if self.major.windows(2).any(|w| w[0] > w[1])
                    || self.major.last().copied() != Some(nnz as u64)
                {
                    return Err(PetError::invalid(format!(
                        "{} pointer must be non-decreasing and end at {nnz}",
                        self.format.name()
                    )));
                }
                check(&self.minor, inner, "minor")
            }
        }
    }

    /// `sparse<csr,f64>[3, 4] nnz=5`.
    pub fn type_info(&self) -> String {
        format!(
            "sparse<{},{}>[{}, {}] nnz={}",
            self.format.name(),
            self.data.dtype(),
            self.shape.0,
            self.shape.1,
            self.data.len()
        )
    }
}
