//! Shared bits of the example programs: where to store, a small seeded RNG, and
//! PNG drawing helpers.

use anyhow::Result;

/// The store URL: the first command-line argument, else `$PET_STORE` or
/// `pet.toml`, else `default` (an SQLite file under `results/`).
pub fn store_url(default: &str) -> Result<String> {
    let arg = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    Ok(pet::store_url(arg.as_deref(), default)?)
}

/// SplitMix64: a tiny, seeded, reproducible random number generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator with this seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Makes sure the directory of `path` exists.
pub fn ensure_parent(path: &str) -> Result<()> {
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
}
