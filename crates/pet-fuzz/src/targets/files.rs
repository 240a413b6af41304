//! Targets for whole store files: mutated bytes of real SQLite and HDF5 stores
//! opened read-only and read completely, forged cells written into a real
//! SQLite store, and mutated journals replayed onto a real HDF5 file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rusqlite::types::Value as Sql;

use pet_core::storage::file::with_suffix;
use pet_core::Store;
use pet_hdf5::{Hdf5Options, Hdf5Store};
use pet_sqlite::SqliteStore;

use super::{err, read_all, Outcome, Target, Work};
use crate::rng::Rng;
use crate::sample;

fn journal_of(h5: &Path) -> PathBuf {
    with_suffix(h5, ".journal")
}

fn remove_sidecars(db: &Path) {
    for ext in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(with_suffix(db, ext));
    }
}

/// Makes the seed stores in `dir`.
pub fn make_work(dir: &Path) -> anyhow::Result<Work> {
    let sqlite_seed = dir.join("seed.db");
    sample::store(Arc::new(SqliteStore::open(&sqlite_seed)?)).context("sqlite seed")?;
    remove_sidecars(&sqlite_seed);
    let hdf5_seed = dir.join("seed.h5");
    sample::store(Arc::new(Hdf5Store::open(&hdf5_seed)?)).context("hdf5 seed")?;
    let _ = std::fs::remove_file(journal_of(&hdf5_seed));
    let hdf5_base = dir.join("base.h5");
    drop(Hdf5Store::open(&hdf5_base)?);
    let _ = std::fs::remove_file(journal_of(&hdf5_base));
    // A writer that stores the sample and never reaches a checkpoint: its
    // journal holds every change, to be replayed onto the base file.
    let writer = dir.join("writer.h5");
    std::fs::copy(&hdf5_base, &writer)?;
    let journal_seed = {
        let store = Hdf5Store::open_with(
            &writer,
            Hdf5Options {
                checkpoint_records: usize::MAX,
                checkpoint_bytes: u64::MAX,
                ..Hdf5Options::default()
            },
        )?;
        let store: Arc<dyn Store> = Arc::new(store);
        sample::store(store.clone()).context("journal seed")?;
        let bytes = std::fs::read(journal_of(&writer))?;
        drop(store);
        bytes
    };
    let (commit_base, commit_seed) = commit_seed(dir)?;
    Ok(Work {
        dir: dir.to_path_buf(),
        sqlite_seed,
        hdf5_seed,
        hdf5_base,
        journal_seed,
        commit_base,
        commit_seed,
    })
}

/// A store as a checkpoint left it and that checkpoint's commit log, taken
/// while the writer is open (the log is kept open, marked applied, between
/// checkpoints) and marked unapplied again: what a kill inside it leaves.
fn commit_seed(dir: &Path) -> anyhow::Result<(PathBuf, Vec<u8>)> {
    let writer = dir.join("committing.h5");
    let store = Hdf5Store::open_with(
        &writer,
        Hdf5Options {
            checkpoint_records: 1,
            ..Hdf5Options::default()
        },
    )?;
    let store: Arc<dyn Store> = Arc::new(store);
    sample::store(store.clone()).context("commit seed")?;
    let base = dir.join("commit_base.h5");
    std::fs::copy(&writer, &base)?;
    let mut log =
        std::fs::read(with_suffix(&writer, ".commit")).context("the writer's commit log")?;
    drop(store);
    if log.len() >= 8 {
        log[..8].copy_from_slice(b"PETCMIT1");
    }
    Ok((base, log))
}

fn open_sqlite_ro(path: &Path) -> Outcome {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::from_url(&url).map_err(err)?);
    read_all(store)
}

/// Mutated bytes of a real SQLite store.
pub const SQLITE_FILE: Target = Target {
    name: "sqlite-file",
    cost: 20,
    about: "mutated bytes of a real SQLite store, opened read-only and read completely",
    seeds: |w| Ok(vec![std::fs::read(&w.sqlite_seed)?]),
    run: |w, input| {
        let p = w.dir.join("fuzz.db");
        remove_sidecars(&p);
        std::fs::write(&p, input).map_err(err)?;
        open_sqlite_ro(&p)
    },
};

const TABLES: [(&str, &[&str]); 7] = [
    (
        "points",
        &["path", "first", "count", "dtype", "json", "data"],
    ),
    ("pending_runs", &["first", "count", "summaries"]),
    (
        "items",
        &[
            "path", "item", "point", "run", "kind", "dtype", "shape", "unit", "value", "data",
        ],
    ),
    (
        "nodes",
        &[
            "path",
            "kind",
            "role",
            "type_info",
            "explored",
            "target",
            "comment",
            "annotations",
            "run",
        ],
    ),
    (
        "runs",
        &["idx", "name", "completed", "started", "finished", "summary"],
    ),
    (
        "trajectories",
        &["name", "comment", "created", "pet_version"],
    ),
    ("pet_meta", &["value"]),
];

const WORDS: [&str; 40] = [
    "[2305843009213693952]",
    "[]",
    "[0]",
    "[-1]",
    "[1,2,3]",
    "[18446744073709551615,2]",
    "[4]",
    "array",
    "scalar",
    "list",
    "dict",
    "sparse",
    "table",
    "quantity",
    "user",
    "f64",
    "i64",
    "str",
    "c128",
    "bool",
    "u64",
    "leaf",
    "group",
    "link",
    "result",
    "parameter",
    "derived",
    "config",
    "results.runs.run_00000000.z",
    "parameters.x",
    "results.all",
    "",
    "run_99999999",
    "a.b",
    "x\u{1b}[2J",
    "pet-sqlite",
    "[1e400, -0.0]",
    "[\"x=1\", \"x=2\", 3]",
    "[true, null]",
    "[[1], {\"a\": 1}]",
];

/// The SQL value edit `e` (12 bytes) asks for.
fn edit_value(e: &[u8]) -> Sql {
    let mut payload = [0u8; 8];
    payload.copy_from_slice(&e[4..12]);
    match e[3] % 6 {
        0 => Sql::Null,
        1 => Sql::Integer(i64::from_le_bytes(payload)),
        2 => Sql::Real(f64::from_le_bytes(payload)),
        3 => Sql::Text(WORDS[payload[0] as usize % WORDS.len()].to_string()),
        4 => Sql::Blob(payload[..(payload[0] % 9) as usize].to_vec()),
        _ => Sql::Integer(i64::from(payload[0] as i8)),
    }
}

fn apply_edits(path: &Path, input: &[u8]) -> Outcome {
    let c = rusqlite::Connection::open(path).map_err(err)?;
    for e in input.chunks_exact(12).take(16) {
        let (table, cols) = TABLES[e[0] as usize % TABLES.len()];
        let col = cols[e[2] as usize % cols.len()];
        // The tables without rowid are picked by their primary keys.
        let (key, pick) = match table {
            "runs" => ("(traj, idx)", "traj, idx"),
            "points" => ("(traj, path, first)", "traj, path, first"),
            "pending_runs" => ("(traj, first)", "traj, first"),
            _ => ("rowid", "rowid"),
        };
        let sql = format!(
            "UPDATE {table} SET {col} = ?1 WHERE {key} IN (SELECT {pick} FROM {table} LIMIT 1 OFFSET ?2)"
        );
        // Constraint violations only mean this edit cannot happen.
        let _ = c.execute(&sql, rusqlite::params![edit_value(e), i64::from(e[1] % 64)]);
    }
    Ok(())
}

/// Forged cells in a real SQLite store, the way an attacker with `sqlite3` would.
pub const SQLITE_CELLS: Target = Target {
    name: "sqlite-cells",
    cost: 20,
    about:
        "forged cells (kinds, shapes, blobs, indices) written into a real SQLite store, then read",
    seeds: |_| {
        Ok((0..16u64)
            .map(|i| {
                let mut r = Rng::for_input(i, "sqlite-cells-seed", 0);
                (0..12 * (1 + i as usize % 4))
                    .map(|_| r.bits() as u8)
                    .collect()
            })
            .collect())
    },
    run: |w, input| {
        let p = w.dir.join("cells.db");
        remove_sidecars(&p);
        std::fs::copy(&w.sqlite_seed, &p).map_err(err)?;
        apply_edits(&p, input)?;
        open_sqlite_ro(&p)
    },
};

/// Mutated bytes of a real HDF5 store.
pub const HDF5_FILE: Target = Target {
    name: "hdf5-file",
    cost: 20,
    about: "mutated bytes of a real HDF5 store, opened read-only and read completely",
    seeds: |w| Ok(vec![std::fs::read(&w.hdf5_seed)?]),
    run: |w, input| {
        let p = w.dir.join("fuzz.h5");
        let _ = std::fs::remove_file(journal_of(&p));
        std::fs::write(&p, input).map_err(err)?;
        let url = format!("hdf5://{}?mode=ro", p.display());
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::from_url(&url).map_err(err)?);
        read_all(store)
    },
};

/// The journal with every frame's checksum recomputed, so that mutated
/// payloads reach the decoder instead of stopping at the checksum.
fn reframe(input: &[u8]) -> Vec<u8> {
    let Some(body) = input.get(8..) else {
        return input.to_vec();
    };
    let mut out = input[..8].to_vec();
    let mut at = 0;
    while body.len() - at >= 8 {
        let len = u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]) as usize;
        let Some(payload) = body.get(at + 8..at + 8 + len) else {
            out.extend_from_slice(&body[at..]);
            return out;
        };
        out.extend_from_slice(&body[at..at + 4]);
        out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
        out.extend_from_slice(payload);
        at += 8 + len;
    }
    out.extend_from_slice(&body[at..]);
    out
}

/// Mutated journals replayed onto a real HDF5 file.
pub const HDF5_JOURNAL: Target = Target {
    name: "hdf5-journal",
    cost: 40,
    about: "mutated journal frames (checksums fixed) replayed onto a real HDF5 file, then read",
    seeds: |w| Ok(vec![w.journal_seed.clone()]),
    run: |w, input| {
        let p = w.dir.join("replay.h5");
        std::fs::copy(&w.hdf5_base, &p).map_err(err)?;
        std::fs::write(journal_of(&p), reframe(input)).map_err(err)?;
        let store: Arc<dyn Store> = Arc::new(Hdf5Store::open(&p).map_err(err)?);
        read_all(store)
    },
};

/// Mutated commit logs (a crash inside a checkpoint) finished at the open
/// of a real HDF5 store, which is then read. A log pet refuses or drops
/// leaves the file byte for byte as it was.
pub const HDF5_COMMIT_LOG: Target = Target {
    name: "hdf5-commit-log",
    cost: 40,
    about:
        "mutated commit logs of a checkpoint cut short, finished at the open of a real HDF5 store",
    seeds: |w| Ok(vec![w.commit_seed.clone()]),
    run: |w, input| {
        let p = w.dir.join("commit.h5");
        std::fs::copy(&w.commit_base, &p).map_err(err)?;
        let _ = std::fs::remove_file(journal_of(&p));
        std::fs::write(with_suffix(&p, ".commit"), input).map_err(err)?;
        match Hdf5Store::open(&p) {
            Ok(store) => read_all(Arc::new(store)),
            Err(e) => {
                let before = std::fs::read(&w.commit_base).map_err(err)?;
                let after = std::fs::read(&p).map_err(err)?;
                assert!(
                    before == after,
                    "a refused commit log changed the file: {e}"
                );
                Err(err(e))
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_read_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let work = Work::new(dir.path()).unwrap();
        for t in [
            SQLITE_FILE,
            SQLITE_CELLS,
            HDF5_FILE,
            HDF5_JOURNAL,
            HDF5_COMMIT_LOG,
        ] {
            let seeds = (t.seeds)(&work).unwrap();
            assert!(!seeds.is_empty(), "{}", t.name);
            if t.name != "sqlite-cells" {
                (t.run)(&work, &seeds[0])
                    .unwrap_or_else(|e| panic!("{}: the seed fails: {e}", t.name));
            }
        }
    }
}
