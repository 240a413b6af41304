#!/usr/bin/env bash
# Usage: scripts/bench-pypet.sh [PET_MAX [PYPET_MAX [BLUE_MAX]]]
#
# The pypet paper's Figure 5 side by side in one run: pet's cells
# (examples/src/bin/fig5.rs, on SQLite and HDF5, N = 10^3 ... PET_MAX,
# default 10^6) and pypet 0.7.0's (scripts/fig5_pypet.py in the venv that
# scripts/pypet-venv.sh makes, N = 10^3 ... PYPET_MAX, default 10^3: pypet
# needs about 100 s per 10^3 green runs here). Blue (1 MB per run) stops at
# BLUE_MAX runs (default 10^3). Prints one table with pypet's figure over
# pet's as the ratio (how many times faster or smaller pet is).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pet_max="${1:-1000000}"
pypet_max="${2:-1000}"
blue_max="${3:-1000}"
python="$(bash "$root/scripts/pypet-venv.sh" 0.7.0)"
cd "$root"
cargo build --release -q -p pet-examples --features hdf5 --bin fig5
# Both sides' rows are kept in results/bench-pypet/ (pypet runs in a scratch
# directory there: it writes ./logs).
out="$root/results/bench-pypet"
mkdir -p "$out/scratch"
echo "pypet 0.7.0: N = 10^3 ... $pypet_max (blue up to $blue_max)" >&2
(cd "$out/scratch" && "$python" "$root/scripts/fig5_pypet.py" "$pypet_max" "$blue_max") >"$out/pypet.tsv"
# pypet's last files are still being written back: let that end before pet is timed.
sync
echo "pet: N = 10^3 ... $pet_max (blue up to $blue_max)" >&2
target/release/fig5 --max "$pet_max" --blue-max "$blue_max" --tsv >"$out/pet.tsv"
python3 "$root/scripts/fig5_table.py" "$out/pet.tsv" "$out/pypet.tsv"
