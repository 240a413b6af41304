//! Test and benchmark support shared by the storage backends' integration tests and benches.
//!
//! Each submodule holds one concept: claims and double stores across
//! processes ([`claiming`]), re-running the test binary as a child and
//! checking a store after a crash ([`crash`]), the Python interop runner
//! ([`python`]), bad-file checks ([`files`]), a file-based conformance fixture
//! ([`fixture`]), the MongoDB test server ([`mongo_server`]), explored sweeps to store runs into ([`sweep`]), benchmark
//! scaffolding ([`mod@bench`]) and the expansion benchmark ([`expansion`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod bench;
pub mod claiming;
pub mod crash;
pub mod expansion;
pub mod files;
pub mod fixture;
pub mod mongo_server;
pub mod python;
pub mod sweep;
