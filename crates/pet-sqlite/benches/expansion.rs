//! Expansion benchmark of the SQLite store: 10 000 expansions of 10 points,
//! each stored, by appends and (fewer, it is quadratic) by rewriting every
//! point; prints the mean cost per expansion early, midway and late.
//! `cargo bench -p pet-sqlite --bench expansion` (`PET_BENCH_QUICK=1` for a
//! short run, `PET_BENCH_DIR` for the disk to use).

#![allow(clippy::expect_used, clippy::unwrap_used)]
use std::sync::Arc;

use pet_core::testkit::{bench, expansion};
use pet_core::Store;
use pet_sqlite::SqliteStore;

fn main() {
    let dir = bench::bench_dir();
    let rows = expansion::rows("SQLite", bench::quick(), &|name| {
        let file = dir.path().join(format!("{name}.db"));
        Arc::new(SqliteStore::open(&file).expect("open")) as Arc<dyn Store>
    });
    expansion::print(&rows);
}
