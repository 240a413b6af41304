//! The targets for pypet's files: mutated bytes of files real pypet wrote,
//! opened with `pypet://FILE` (always read-only) and read completely, the
//! conversion report included; and mutated pickles through the plain-data
//! pickle decoder.
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

/// Pickles Python wrote of plain data (protocols 0, 2 and 4, the last with a
/// shared list), as hex.
const PICKLES: [&str; 3] = [
    "286470300a56610a70310a49310a7356620a70320a286c70330a49310a6149320a617356630a70340a5674657874205c75323630330a70350a7356640a70360a4930310a7356650a70370a46322e350a7356670a70380a2849310a49320a7470390a73566269670a7031300a4c313039393531313632373737364c0a7356730a7031310a286c7031320a286c7031330a46312e300a6161286c7031340a46322e300a6161732e",
    "80027d71002858010000006171014b0158010000006271025d7103284b014b0265580100000063710458080000007465787420e298837105580100000064710688580100000065710747400400000000000058010000006771084b014b028671095803000000626967710a8a06000000000001580100000073710b5d710c285d710d473ff0000000000000615d710e4740000000000000006165752e",
    "8004955f000000000000007d94288c0161944b018c0162945d94285d94284b014b02656804658c0163948c087465787420e29883948c016494888c0165944740040000000000008c0167944b014b0286948c03626967948a060000000000018c0166944302000194752e",
];

fn unhex(h: &str) -> anyhow::Result<Vec<u8>> {
    (0..h.len() / 2)
        .map(|i| Ok(u8::from_str_radix(&h[2 * i..2 * i + 2], 16)?))
        .collect()
}

/// The plain-data pickle decoder (`pet_pypet::plain_pickle`) on mutated pickles.
pub const PLAIN_PICKLE: Target = Target {
    name: "plain-pickle",
    cost: 1,
    about: "mutated pickles of plain data through pet_pypet::plain_pickle::decode (allow-listed opcodes only)",
    seeds: |_| PICKLES.iter().map(|h| unhex(h)).collect(),
    run: |_, input| match pet_pypet::plain_pickle::decode(input) {
        Some(v) => v.validate().map_err(err),
        None => Err("not plain data".into()),
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
        for s in (PLAIN_PICKLE.seeds)(&work).unwrap() {
            (PLAIN_PICKLE.run)(&work, &s).unwrap_or_else(|e| panic!("a pickle seed fails: {e}"));
        }
    }
}
