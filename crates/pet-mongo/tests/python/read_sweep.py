"""Reads a pet MongoDB store with nothing but pymongo (+ gridfs) and numpy,
following docs/storage/mongo.md.

Usage: python read_sweep.py URI DATABASE
The database holds trajectory 'mult': x in {1,2,3,4} times y in {6,7,8}, result z = x*y,
an f64 array 'trace' per run (run 0's in GridFS), and run 11 half-written by a
writer that died (it must stay invisible). Exits non-zero if anything disagrees.
"""
import sys

import numpy as np
from gridfs import GridFSBucket
from pymongo import MongoClient

NP = {"bool": "?", "i8": "<i1", "i16": "<i2", "i32": "<i4", "i64": "<i8", "u8": "<u1",
      "u16": "<u2", "u32": "<u4", "u64": "<u8", "f32": "<f4", "f64": "<f8",
      "c64": "<c8", "c128": "<c16"}

db = MongoClient(sys.argv[1])[sys.argv[2]]
traj = "mult"
assert db.pet_meta.find_one({"_id": "format"})["value"] == "pet-mongo"

runs = {r["idx"]: r for r in db.runs.find({"traj": traj, "completed": True})}


def visible(doc):
    return doc.get("wid") is None or runs.get(doc["run"], {}).get("wid") == doc["wid"]


def array(v):
    if "blob" in v:
        raw = GridFSBucket(db, "blobs").open_download_stream(v["blob"]).read()
    else:
        raw = v["data"]
    return np.frombuffer(raw, dtype=NP[v["dtype"]]).reshape(v["shape"])


def explored(path):
    """The explored points of a parameter: the first points_len points of its
    chunks 0..points_chunks (or, schema version 1, its points array)."""
    node = db.nodes.find_one({"traj": traj, "path": path})
    if "points" in node:
        return node["points"]
    chunks = db.points.find({"pid": node["points_id"], "n": {"$lt": node["points_chunks"]}}).sort("n", 1)
    return [p for c in chunks for p in c["points"]][:node["points_len"]]


xs = [p["value"] for p in explored("parameters.x")]
ys = [p["value"] for p in explored("parameters.y")]
assert len(xs) == len(ys) == 12, (xs, ys)
z = {}
traces = {}
for d in db.nodes.find({"traj": traj, "run": {"$ne": None}, "kind": "leaf"}):
    if not visible(d):
        continue
    item = d["items"]
    if "z" in item:
        z[d["run"]] = item["z"]["value"]
    if "trace" in item:
        traces[d["run"]] = array(item["trace"])
assert sorted(z) == list(range(11)), sorted(z)
for i, v in z.items():
    assert v == xs[i] * ys[i], (i, v)
    assert traces[i].shape == (3, 2) and traces[i][0, 0] == v, (i, traces[i])
assert "blob" in db.nodes.find_one({"traj": traj, "path": "results.runs.run_00000000.trace"})["items"]["trace"]
assert runs[5]["summary"] == "x=2, y=8", runs[5]["summary"]
assert 11 not in runs and db.nodes.count_documents({"traj": traj, "run": 11}) > 0
print(f"{len(z)} runs, all completed; arrays decoded with numpy; the half-written run stays invisible")
