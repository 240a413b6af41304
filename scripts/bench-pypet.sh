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
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "pet: N = 10^3 ... $pet_max (blue up to $blue_max)" >&2
target/release/fig5 --max "$pet_max" --blue-max "$blue_max" --tsv >"$out/pet.tsv"
echo "pypet 0.7.0: N = 10^3 ... $pypet_max (blue up to $blue_max)" >&2
(cd "$out" && "$python" "$root/scripts/fig5_pypet.py" "$pypet_max" "$blue_max") >"$out/pypet.tsv"
python3 - "$out/pet.tsv" "$out/pypet.tsv" <<'PY'
import sys

rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        cell, runs, store, *figs = line.split("\t")
        rows.setdefault((cell, int(runs)), {})[store] = [float(f) for f in figs]

def show(v, ref):
    if v is None:
        return "—"
    if ref is None or v <= 0:
        return "%.3g" % v
    return "%.3g (%.0f×)" % (v, ref / v) if ref / v >= 10 else "%.3g (%.1f×)" % (v, ref / v)

print("| cell | runs | measure | pypet 0.7.0 | pet SQLite (pypet ÷ pet) | pet HDF5 (pypet ÷ pet) |")
print("|---|---|---|---|---|---|")
order = {"red": 0, "green": 1, "blue": 2}
for (cell, runs), by in sorted(rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
    for i, measure in enumerate(["run: s", "file: MB", "load all: s", "load iteratively: s"]):
        ref = by.get("pypet", [None] * 4)[i]
        cells = [show(by.get(s, [None] * 4)[i], ref) for s in ["SQLite", "HDF5"]]
        print("| %s | %d | %s | %s | %s | %s |" % (cell, runs, measure, "—" if ref is None else "%.3g" % ref, *cells))
PY
