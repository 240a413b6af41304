"""Reads a pet HDF5 store with nothing but h5py and numpy.

Usage: python read_sweep.py STORE.h5
The store holds trajectory 'mult': x in {1,2,3,4} times y in {6,7,8}, result z = x*y
(a plain scalar, so it lives in the bucket's column dataset),
an f64 array 'trace' (3x2) and a compressed 5000-element array 'wave' per run.
Exits non-zero if anything disagrees.
"""
import sys

import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
assert f.attrs["pet_format"] == "pet-hdf5", dict(f.attrs)
assert int(f.attrs["pet_layout_version"]) >= 1
traj = f["mult"]
assert traj.attrs["comment"] == "x times y"

# Explored parameters: a group per parameter with 'default' and 'explored' datasets.
x = traj["parameters/x/explored"][:]
y = traj["parameters/y/explored"][:]
assert len(x) == 12 and len(y) == 12, (x, y)
xa = traj["parameters/x"].attrs
assert xa["pet_type"].startswith("i64"), dict(xa)
# Comments and scalar annotations are plain typed attributes.
assert xa["comment"] == "first factor", dict(xa)
assert xa["annotation.source"] == "grid" and xa["annotation.step"] == 1, dict(xa)

# Run bookkeeping: one column dataset per field, indexed by run.
rt = traj["run_table"]
completed = rt["completed"][:]
runtime = rt["finished"][:] - rt["started"][:]
summary = [s.decode() if isinstance(s, bytes) else s for s in rt["summary"][:]]
assert (completed == 1).all() and len(completed) == 12, completed
assert (runtime >= 0).all(), runtime
assert summary[5] == "x=2, y=8", summary[5]

# Results: runs are bucketed into run_set_NNNNN groups of 1000. Plain scalar
# results of all runs of a bucket sit in one column (value + presence mask).
seen = 0
for set_name, run_set in traj["results/runs"].items():
    assert set_name.startswith("run_set_"), set_name
    first = int(set_name[len("run_set_"):]) * 1000
    zcol = run_set["columns/z"][:]
    zset = run_set["columns/z.present"][:]
    for run_name, run in run_set.items():
        if run_name == "columns":
            continue
        i = int(run_name[len("run_"):])
        assert zset[i - first] == 1
        z = zcol[i - first]
        assert z == x[i] * y[i], (i, z)
        trace = run["trace"][:]
        assert trace.shape == (3, 2) and trace[0, 0] == z, trace
        wave = run["wave"]
        assert wave.compression == "lzf", wave.compression
        assert wave.shape == (5000,) and np.allclose(wave[:], np.arange(5000) * z)
        seen += 1
assert seen == 12, seen

print(f"{seen} runs, all completed; z, trace and wave read with h5py")
