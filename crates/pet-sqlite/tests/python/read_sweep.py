"""Reads a pet SQLite store with nothing but sqlite3, pandas and numpy.

Usage: python read_sweep.py STORE.db
The store holds trajectory 'mult': x in {1,2,3,4} times y in {6,7,8}, result z = x*y
and an f64 array 'trace' per run; runs 10 and 11 have not run. Exits non-zero if anything disagrees.
"""
import json
import sqlite3
import sys

import numpy as np
import pandas as pd

NUMPY_DTYPES = {"bool": "?", "i8": "<i1", "i16": "<i2", "i32": "<i4", "i64": "<i8",
                "u8": "<u1", "u16": "<u2", "u32": "<u4", "u64": "<u8",
                "f32": "<f4", "f64": "<f8", "c64": "<c8", "c128": "<c16"}

con = sqlite3.connect(sys.argv[1])
traj = "mult"

# Explored parameters: one row per (run, parameter); pivot to one row per run.
points = pd.read_sql_query(
    "SELECT run, parameter, value FROM explored_points WHERE trajectory = ?", con, params=(traj,))
wide = points.pivot(index="run", columns="parameter", values="value")

# Scalar results of every run, native SQLite numbers.
scalars = pd.read_sql_query(
    "SELECT run, path, item, value FROM run_results WHERE trajectory = ? AND kind = 'scalar'",
    con, params=(traj,))
z = scalars[scalars["item"] == "z"].set_index("run")["value"].rename("z")
table = wide.join(z)
assert len(table) == 12, table
# Runs 10 and 11 have not run yet: no z.
done = table.dropna(subset=["z"])
assert list(done.index) == list(range(10)), done
assert (done["parameters.x"] * done["parameters.y"] == done["z"]).all(), table

# Arrays: typed little-endian blobs with dtype and shape.
arrays = pd.read_sql_query(
    "SELECT run, dtype, shape, data FROM run_results WHERE trajectory = ? AND item = 'trace' ORDER BY run",
    con, params=(traj,))
for row in arrays.itertuples():
    a = np.frombuffer(row.data, dtype=NUMPY_DTYPES[row.dtype]).reshape(json.loads(row.shape))
    assert a.shape == (3, 2), a.shape
    assert a[0, 0] == table.loc[row.run, "z"], (row.run, a)

# Run bookkeeping: every run, the ones that have not started included.
runs = pd.read_sql_query(
    "SELECT run, name, completed, finished - started AS runtime, summary "
    "FROM all_runs WHERE trajectory = ? ORDER BY run",
    con, params=(traj,))
assert len(runs) == 12 and list(runs["run"]) == list(range(12)), runs
assert runs["completed"].sum() == 10 and not runs.loc[10:, "completed"].any(), runs
assert (runs.loc[:9, "runtime"] >= 0).all(), runs
assert runs.loc[5, "summary"] == "x=2, y=8", runs.loc[5, "summary"]
assert runs.loc[11, "summary"] == "x=4, y=8", runs.loc[11, "summary"]
assert runs.loc[11, "name"] == "run_00000011", runs.loc[11, "name"]

print(table.to_string())
print(f"{len(runs)} runs, {runs['completed'].sum()} completed; arrays decoded with numpy")
