//! The MongoDB store passes the whole pet-core conformance suite, each case in a
//! fresh database on the shared test server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

pet_core::conformance_tests!(common::FreshDb::new());
