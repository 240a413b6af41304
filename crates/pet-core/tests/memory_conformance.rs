//! The memory store passes the conformance suite.

pet_core::conformance_tests!(pet_core::conformance::MemoryFixture::new());
