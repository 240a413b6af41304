#!/usr/bin/env bash
# Runs every test of the workspace with every backend compiled in: unit tests,
# the conformance suite on memory/SQLite/HDF5/MongoDB, crash and concurrency
# tests, Python interop (pandas, h5py), the CLI, the examples, and doc tests.
# The MongoDB tests start their own server (scripts/mongo-test-server.sh) unless
# PET_MONGODB_URI names one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cargo test --workspace --all-features
