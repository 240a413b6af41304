//! The target for pypet's files: mutated bytes of files real pypet wrote,
//! opened with `pypet://FILE` (always read-only) and read completely, the
//! conversion report included.
//!
//! The seeds come from `pet_pypet::testkit`: the first campaign on a machine
//! writes them with real pypet 0.7.0 and 0.6.1 in the venvs
//! `scripts/pypet-venv.sh` makes (python3 and python3-venv from
//! `scripts/setup-debian.sh`, pip reaching PyPI) and caches them under
//! `target/pypet-files/`; without them the target fails and says why.

use std::sync::Arc;

use pet_core::Store;
use pet_pypet::PypetStore;

use super::{err, read_all, Target};

/// The reference files the seeds are: the basic example of both pypet
/// versions, and the file holding one item of every type pypet stores.
const SEEDS: [(&str, &str); 3] = [("0.7.0", "basic"), ("0.6.1", "basic"), ("0.7.0", "types")];

/// Mutated bytes of real pypet files.
pub const PYPET_FILE: Target = Target {
    name: "pypet-file",
    cost: 40,
    about: "mutated bytes of files real pypet 0.7.0/0.6.1 wrote, opened pypet:// read-only and read completely",
    seeds: |_| {
        SEEDS
            .iter()
            .map(|(version, case)| {
                let c = pet_pypet::testkit::case(version, case).map_err(anyhow::Error::msg)?;
                Ok(std::fs::read(&c.file)?)
            })
            .collect()
    },
    run: |w, input| {
        let p = w.dir.join("fuzz-pypet.hdf5");
        std::fs::write(&p, input).map_err(err)?;
        let url = format!("pypet://{}", p.display());
        let store = Arc::new(PypetStore::from_url(&url).map_err(err)?);
        for info in store.list().map_err(err)? {
            store.read_all(&info.name).map_err(err)?.lines();
        }
        read_all(store)
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_read_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let work = super::super::Work::new(dir.path()).unwrap();
        let seeds = (PYPET_FILE.seeds)(&work).unwrap();
        assert_eq!(seeds.len(), SEEDS.len());
        for s in &seeds {
            (PYPET_FILE.run)(&work, s).unwrap_or_else(|e| panic!("a seed fails: {e}"));
        }
    }
}
