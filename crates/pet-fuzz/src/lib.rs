//! pet-fuzz: pet's fuzz campaign on the stable toolchain.
//!
//! Every decoder that reads input pet does not control (the value codec, CBOR
//! payloads, MongoDB documents, worker frames, `--where` expressions, whole
//! SQLite and HDF5 store files, forged SQLite cells, HDF5 journals, pypet's
//! files) is a
//! [`targets::Target`] with real seeds. The campaign mutates the seeds
//! deterministically, feeds each input in a child process under a memory
//! limit, and counts what pet refused cleanly, what it accepted, and every
//! panic, abort, hang and blown memory limit. `docs/security.md` says how to
//! run it.

pub mod campaign;
pub mod child;
pub mod mutate;
pub mod rng;
pub mod sample;
pub mod targets;
