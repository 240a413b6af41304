#!/usr/bin/env bash
# Runs every test of the workspace with every backend compiled in: unit tests,
# the conformance suite on memory/SQLite/HDF5/MongoDB, crash and concurrency
# tests, Python interop (pandas, h5py), the CLI, the examples, and doc tests;
# then the list of backends' own tests with no backend and with each alone.
# The MongoDB tests start their own server (scripts/mongo-test-server.sh) unless
# PET_MONGODB_URI names one. Installs system packages first unless
# PET_SETUP_DONE is set (.ci/run sets it after its own setup).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${PET_SETUP_DONE:-}" ] || bash scripts/setup-debian.sh
cargo test --workspace --all-features
# The "not compiled in" paths of the backend list, for real:
for features in "--no-default-features" "--no-default-features --features sqlite" \
                "--no-default-features --features hdf5" "--no-default-features --features mongo" \
                "--no-default-features --features pypet"; do
  echo "== cargo test -p pet-stores $features"
  cargo test -p pet-stores $features
done
