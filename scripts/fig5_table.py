"""Joins Figure 5 rows of pet and pypet (tab-separated `cell runs store run_s
size_mb load_all_s load_iter_s`, from `fig5 --tsv` and `fig5_pypet.py`) into one
Markdown table with pypet's figure over pet's beside each of pet's.

Usage: python3 fig5_table.py PET_TSV PYPET_TSV
"""

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
