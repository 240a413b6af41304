//! Expansion benchmark of the MongoDB store: many expansions of 10 points,
//! each stored, by appends and (fewer, it is quadratic) by rewriting every
//! point; prints the mean cost per expansion early, midway and late.
//! `cargo bench -p pet-mongo --bench expansion` starts a test server like the
//! tests do, or uses `PET_MONGODB_URI`; `PET_BENCH_QUICK=1` runs fewer.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use pet_core::testkit::{bench, expansion};
use pet_core::Store;

fn main() {
    let server = if std::env::var(common::URI_VAR).is_ok() {
        "MongoDB at PET_MONGODB_URI"
    } else {
        "MongoDB (SecantusDB test server)"
    };
    let fx = common::FreshDb::new();
    let rows = expansion::rows(server, bench::quick(), &|_| {
        Arc::new(fx.store()) as Arc<dyn Store>
    });
    expansion::print(&rows);
}
