//! Compression choices for array datasets (URL option `compression=`).

use hdf5::DatasetBuilder;
use pet_core::{PetError, Result};

/// How array datasets of at least 16 KiB are compressed (smaller ones are stored plain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// No filter (arrays are stored contiguous).
    None,
    /// LZF (h5py ships the filter): fast, modest ratio.
    Lzf,
    /// Byte shuffle + LZF: fast, and it finds the redundancy in the exponent
    /// bytes of floating-point data that plain LZF misses.
    ShuffleLzf,
    /// Byte shuffle + zlib level 1: better ratio on numeric data, still fast.
    ShuffleDeflate1,
    /// zlib level 9, pypet's default: best ratio, slow.
    Deflate9,
}

impl Compression {
    /// The default: see docs/storage/hdf5.md for the measurements behind it.
    pub const DEFAULT: Compression = Compression::ShuffleLzf;

    /// Parses `none`, `lzf`, `shuffle-lzf`, `shuffle-deflate1`, `deflate9`.
    pub fn parse(s: &str) -> Result<Compression> {
        Ok(match s {
            "none" => Compression::None,
            "lzf" => Compression::Lzf,
            "shuffle-lzf" => Compression::ShuffleLzf,
            "shuffle-deflate1" => Compression::ShuffleDeflate1,
            "deflate9" => Compression::Deflate9,
            other => {
                return Err(PetError::invalid(format!(
                    "unknown compression '{other}'; use none, lzf, shuffle-lzf, shuffle-deflate1 or deflate9"
                )))
            }
        })
    }

    /// The name accepted by [`Compression::parse`].
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Lzf => "lzf",
            Compression::ShuffleLzf => "shuffle-lzf",
            Compression::ShuffleDeflate1 => "shuffle-deflate1",
            Compression::Deflate9 => "deflate9",
        }
    }

    /// Adds the filters to a dataset builder.
    pub fn apply(self, b: DatasetBuilder) -> DatasetBuilder {
        match self {
            Compression::None => b,
            Compression::Lzf => b.lzf(),
            Compression::ShuffleLzf => b.shuffle().lzf(),
            Compression::ShuffleDeflate1 => b.shuffle().deflate(1),
            Compression::Deflate9 => b.deflate(9),
        }
    }
}
