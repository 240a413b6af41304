#!/usr/bin/env bash
# The full crash campaign (issue 18): kills sweeps with SIGKILL at random
# moments on SQLite, HDF5 and MongoDB, in sequential, threads and processes
# mode, checks the store after every kill and prints the table
# (| backend | mode | runs × KB | kills | resumes | would not open | ...).
# Exits non-zero when any failure count is not zero.
#
# Usage: scripts/crash-campaign.sh [extra crash_campaign args, e.g. --size large]
# Defaults: 34 kills per backend × mode (102 per backend), 4000 runs of 4 KB,
# delays 2..3000 ms, seed 1, MongoDB sweeps of 400 runs (the Python test server
# slows down with many runs); the arguments given override them (the first
# of a flag given twice counts). The MongoDB
# server is the tests' throw-away one (scripts/mongo-test-server.sh), stopped
# when this script ends; PET_MONGODB_URI names another instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PET_MONGODB_URI:-}" ]; then
  uri="$PET_MONGODB_URI"
else
  line="$(bash scripts/mongo-test-server.sh --watch $$)"
  uri="${line%% *}"
fi
cargo build --release -p pet-examples --features hdf5,mongo --bin crash_campaign
cargo run --release -q -p pet-examples --features hdf5,mongo --bin crash_campaign -- \
  "$@" --backends sqlite,hdf5,mongo --modes seq,threads,processes --kills 34 \
  --mongo-url "$uri" --mongo-runs 400
