//! Shared bits of the example programs: where to store, command-line
//! options every example reads the same way (`--mode`, numeric flags), a
//! small seeded RNG, and PNG drawing helpers.

use anyhow::{anyhow, bail, Result};
use pet::Mode;

/// The store URL: the first command-line argument, else `$PET_STORE` or
/// `pet.toml`, else `default` (an SQLite file under `results/`).
pub fn store_url(default: &str) -> Result<String> {
    let arg = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    Ok(pet::store_url(arg.as_deref(), default)?)
}

/// The value after flag `name` (`--sleep-ms 20`), if the flag is given.
pub fn flag(name: &str) -> Result<Option<String>> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => match args.get(i + 1) {
            Some(v) => Ok(Some(v.clone())),
            None => bail!("{name} needs a value"),
        },
        None => Ok(None),
    }
}

/// A numeric flag (`--sleep-ms 20`), or `default` when it is not given.
pub fn number_flag<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match flag(name)? {
        Some(v) => v
            .parse()
            .map_err(|_| anyhow!("{name} needs a number, not {v:?}")),
        None => Ok(default),
    }
}

/// The `--sleep-ms MS` of this process, read once (worker processes and MPI
/// ranks get the same arguments); `default` when it is not given or not a number.
pub fn sleep_flag(default: u64) -> std::time::Duration {
    static MS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let ms = *MS.get_or_init(|| number_flag("--sleep-ms", default).unwrap_or(default));
    std::time::Duration::from_millis(ms)
}

/// Parses an execution mode: `seq`, `threads=K`, `processes=K` or `mpi`
/// (under `mpirun`, built with feature `mpi`).
pub fn parse_mode(s: &str) -> Result<Mode> {
    let count = |k: &str| -> Result<usize> {
        k.parse::<usize>()
            .ok()
            .filter(|&k| k > 0)
            .ok_or_else(|| anyhow!("--mode {s}: give a number of workers above 0"))
    };
    match s.split_once('=') {
        None if s == "seq" || s == "sequential" => Ok(Mode::Sequential),
        None if s == "mpi" => Ok(Mode::Mpi),
        Some(("threads", k)) => Ok(Mode::Threads(count(k)?)),
        Some(("processes", k)) => Ok(Mode::Processes(count(k)?)),
        _ => bail!("--mode {s}: use seq, threads=K, processes=K or mpi"),
    }
}

/// The `--mode seq|threads=K|processes=K|mpi` option, or `default` when it is not given.
pub fn mode(default: Mode) -> Result<Mode> {
    match flag("--mode")? {
        Some(m) => parse_mode(&m),
        None => Ok(default),
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn modes_parse_and_bad_ones_say_what_to_write() {
        assert_eq!(parse_mode("seq").unwrap(), Mode::Sequential);
        assert_eq!(parse_mode("threads=3").unwrap(), Mode::Threads(3));
        assert_eq!(parse_mode("processes=2").unwrap(), Mode::Processes(2));
        assert_eq!(parse_mode("mpi").unwrap(), Mode::Mpi);
        for bad in ["threads=0", "threads=x", "gpu", "processes"] {
            let e = parse_mode(bad).unwrap_err().to_string();
            assert!(e.contains("--mode"), "{e}");
        }
    }
}
