"""Writes pypet files for pet-pypet's tests, and next to each one a JSON
dump of what pypet itself holds in memory after loading it back
(`load_trajectory(load_all=2)`), so the Rust tests can compare every value pet
reads with pypet's own.

Usage: python make_files.py OUT_DIR [CASE ...]   (cases: see CASES; default all)

It runs unchanged under pypet 0.7.0 and 0.6.1 (the venvs `scripts/pypet-venv.sh
VERSION` makes; 0.6.1 runs on numpy 1.26, which names numpy's bool `bool_` in
the files). The dump's `pypet` entry records the version that wrote the file.

Each case writes OUT_DIR/<case>.hdf5 and OUT_DIR/<case>.json. The JSON holds,
per trajectory: its info, the run table, and every node (groups, leaves with
their class, comment, annotations and data, links with their target).

Comments: pypet drops a comment it has stored before in the same branch
("purged duplicate comments") and loads it back as ''. The dump records the
comment the script gave (pypet's in-memory value before storing), which is
what pet must show.

Values are encoded so that nothing is lost on the way through JSON: floats as
their repr (NaN, inf, every bit), ints as strings, bytes as hex.
"""

import hashlib
import json
import os
import pickle
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
import tables

warnings.simplefilter("ignore")

from pypet import (  # noqa: E402
    ArrayParameter,
    Environment,
    Parameter,
    PickleParameter,
    PickleResult,
    Result,
    SparseParameter,
    SparseResult,
    Trajectory,
    cartesian_product,
    load_trajectory,
)

# ---------------------------------------------------------------- encoding


def dtype_name(dt):
    dt = np.dtype(dt)
    names = {
        "bool": "bool",
        "int8": "i8",
        "int16": "i16",
        "int32": "i32",
        "int64": "i64",
        "uint8": "u8",
        "uint16": "u16",
        "uint32": "u32",
        "uint64": "u64",
        "float32": "f32",
        "float64": "f64",
        "complex64": "c64",
        "complex128": "c128",
    }
    if dt.name in names:
        return names[dt.name]
    if dt.kind == "U":
        return "str"
    if dt.kind == "S":
        return "bytes"
    if dt.kind == "O":
        return "object"
    raise TypeError(f"no dtype name for {dt}")


def elem(x, dt):
    """One element of a numpy array or scalar, as JSON text."""
    if dt in ("f32", "f64"):
        return repr(float(x))
    if dt in ("c64", "c128"):
        return [repr(float(np.real(x))), repr(float(np.imag(x)))]
    if dt == "bool":
        return bool(x)
    if dt == "str":
        return str(x)
    if dt == "bytes":
        return bytes(x).hex()
    if dt == "object":
        return enc(x)
    return str(int(x))


def enc(v):
    """A value as pypet holds it, in the dump's typed JSON form."""
    if isinstance(v, np.generic) and not isinstance(v, (np.bytes_, np.str_)):
        dt = dtype_name(v.dtype)
        return {"t": "scalar", "dtype": dt, "v": elem(v, dt), "py": type(v).__name__}
    if isinstance(v, bool):
        return {"t": "scalar", "dtype": "bool", "v": v, "py": "bool"}
    if isinstance(v, int):
        return {"t": "scalar", "dtype": "i64", "v": str(v), "py": "int"}
    if isinstance(v, float):
        return {"t": "scalar", "dtype": "f64", "v": repr(float(v)), "py": "float"}
    if isinstance(v, complex):
        return {"t": "scalar", "dtype": "c128", "v": [repr(float(v.real)), repr(float(v.imag))], "py": "complex"}
    if isinstance(v, str):
        return {"t": "scalar", "dtype": "str", "v": str(v), "py": "str"}
    if isinstance(v, (bytes, np.bytes_)):
        return {"t": "bytes", "v": bytes(v).hex(), "py": type(v).__name__}
    if isinstance(v, np.generic):
        dt = dtype_name(v.dtype)
        return {"t": "scalar", "dtype": dt, "v": elem(v, dt), "py": type(v).__name__}
    if isinstance(v, np.ndarray):
        dt = dtype_name(v.dtype)
        flat = [elem(x, dt) for x in v.reshape(-1)]
        return {"t": "array", "dtype": dt, "shape": list(v.shape), "data": flat}
    if isinstance(v, list):
        return {"t": "list", "items": [enc(x) for x in v]}
    if isinstance(v, tuple):
        return {"t": "tuple", "items": [enc(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "items": {str(k): enc(x) for k, x in v.items()}}
    if isinstance(v, pd.DataFrame):
        return {
            "t": "frame",
            "index": enc(np.asarray(v.index)),
            "columns": [[str(c), enc(np.asarray(v[c]))] for c in v.columns],
        }
    if isinstance(v, pd.Series):
        return {
            "t": "series",
            "name": None if v.name is None else str(v.name),
            "index": enc(np.asarray(v.index)),
            "values": enc(np.asarray(v.values)),
        }
    if sp.issparse(v):
        fmt = v.format
        if fmt in ("csr", "csc"):
            return {
                "t": "sparse",
                "format": fmt,
                "shape": list(v.shape),
                "data": enc(np.asarray(v.data)),
                "indices": [str(int(i)) for i in v.indices],
                "indptr": [str(int(i)) for i in v.indptr],
            }
        c = v.tocoo()
        return {
            "t": "sparse",
            "format": fmt,
            "shape": list(v.shape),
            "data": enc(np.asarray(c.data)),
            "row": [str(int(i)) for i in c.row],
            "col": [str(int(i)) for i in c.col],
        }
    return {"t": "object", "class": type(v).__name__, "repr": repr(v)}


# ------------------------------------------------------------------ dumping


def raw_pickles(h5file, traj_name, leaf):
    """The pickle bytes of a Pickle* leaf exactly as PyTables returns them
    (h5py would cut them at the first NUL byte)."""
    where = "/" + traj_name + "/" + leaf.v_full_name.replace(".", "/")
    node = h5file.get_node(where)
    out = {}
    for child in node._f_iter_nodes():
        name = child._v_name
        if name == "__pckl_prtcl__":
            continue
        if isinstance(child, tables.Table):
            continue
        data = child.read()
        if isinstance(data, np.ndarray):
            data = data.tobytes()
        out[name] = bytes(data).hex()
    return out


def dump_leaf(leaf, given, h5file, traj_name):
    d = {
        "kind": "leaf",
        "class": leaf.f_get_class_name(),
        "comment": leaf.v_comment or given.get(leaf.v_full_name, ""),
        "annotations": {k: enc(v) for k, v in leaf.v_annotations.f_to_dict().items()},
    }
    if leaf.v_is_parameter:
        d["explored"] = bool(leaf.f_has_range())
        if leaf.f_get_class_name() == "PickleParameter":
            d["pickles"] = raw_pickles(h5file, traj_name, leaf)
            d["default"] = enc(leaf.f_get_default())
            if leaf.f_has_range():
                d["range"] = [enc(x) for x in leaf.f_get_range()]
        else:
            d["default"] = enc(leaf.f_get_default())
            if leaf.f_has_range():
                d["range"] = [enc(x) for x in leaf.f_get_range()]
    else:
        items = leaf.f_to_dict()
        d["items"] = {k: enc(v) for k, v in items.items()}
        if leaf.f_get_class_name() == "PickleResult":
            d["pickles"] = raw_pickles(h5file, traj_name, leaf)
    return d


def dump_trajectory(path, name, given):
    traj = load_trajectory(name=name, filename=path, load_all=2, force=True)
    out = {
        "name": traj.v_name,
        "comment": traj.v_comment,
        "time": traj.v_time,
        "timestamp": repr(float(traj.v_timestamp)),
        "length": len(traj),
        "explored": sorted(traj.f_get_explored_parameters().keys()),
        "runs": [],
        "nodes": {},
    }
    for idx in range(len(traj)):
        info = traj.f_get_run_information(idx)
        out["runs"].append(
            {
                "idx": int(info["idx"]),
                "name": info["name"],
                "completed": int(info["completed"]),
                "time": info["time"],
                "timestamp": repr(float(info["timestamp"])),
                "finish_timestamp": repr(float(info["finish_timestamp"])),
                "runtime": info["runtime"],
                "parameter_summary": info["parameter_summary"],
            }
        )
    with tables.open_file(path, "r") as h5file:
        for node in traj.f_iter_nodes(recursive=True, with_links=False):
            full = node.v_full_name
            if node.v_is_leaf:
                out["nodes"][full] = dump_leaf(node, given, h5file, name)
            else:
                out["nodes"][full] = {"kind": "group", "comment": node.v_comment}
        for node in traj.f_iter_nodes(recursive=True, with_links=False):
            if node.v_is_leaf:
                continue
            for link_name in node._links:
                target = node._links[link_name]
                full = (node.v_full_name + "." if node.v_full_name else "") + link_name
                out["nodes"][full] = {"kind": "link", "target": target.v_full_name}
        for link_name, target in traj._links.items():
            out["nodes"][link_name] = {"kind": "link", "target": target.v_full_name}
    return out


def write_dump(out_dir, case, path, names, given):
    dump = {
        "pypet": __import__("pypet").__version__,
        "tables": tables.__version__,
        "file": os.path.basename(path),
        "trajectories": [dump_trajectory(path, n, given.get(n, {})) for n in names],
    }
    with open(os.path.join(out_dir, case + ".json"), "w") as f:
        json.dump(dump, f, indent=1, sort_keys=True)


def env_for(path, name, comment="", **kw):
    return Environment(
        trajectory=name,
        filename=path,
        overwrite_file=kw.pop("overwrite_file", True),
        comment=comment,
        log_config=None,
        log_stdout=False,
        report_progress=False,
        **kw,
    )


# -------------------------------------------------------------------- cases


def multiply(traj):
    z = traj.x * traj.y
    traj.f_add_result("z", z, comment="Result of our simulation!")


def case_basic(out_dir):
    """The paper's basic example (section 3.3)."""
    path = os.path.join(out_dir, "basic.hdf5")
    env = env_for(path, "Multiplication", comment="The first example!")
    traj = env.trajectory
    traj.f_add_parameter("x", 1.0, comment="I am the first dimension!")
    traj.f_add_parameter("y", 1.0, comment="I am the second dimension!")
    traj.f_explore(cartesian_product({"x": [1.0, 2.0, 3.0, 4.0], "y": [6.0, 7.0, 8.0]}))
    env.run(multiply)
    env.disable_logging()
    given = {
        "results.runs.%s.z" % traj.f_idx_to_run(i): "Result of our simulation!"
        for i in range(len(traj))
    }
    write_dump(out_dir, "basic", path, ["Multiplication"], {"Multiplication": given})


def convert_rule(rule_number):
    binary_rule = np.binary_repr(rule_number, 8)
    return np.array([int(x) for x in binary_rule[::-1]])


def make_initial_state(name, ncells, seed=42):
    if name == "single":
        just_one_cell = np.zeros(ncells)
        just_one_cell[int(ncells / 2)] = 1.0
        return just_one_cell
    elif name == "random":
        np.random.seed(seed)
        return np.random.rand(ncells) > 0.5
    raise ValueError("I cannot handel your initial state `%s`." % name)


def cellular_automaton_1D(initial_state, rule_number, steps):
    ncells = len(initial_state)
    pattern = np.zeros((steps, ncells))
    pattern[0, :] = initial_state
    binary_rule = convert_rule(rule_number)
    neighbourhood_factors = np.array([1, 2, 4])
    all_cells = range(ncells)
    for step in range(steps - 1):
        current_row = pattern[step, :]
        next_row = pattern[step + 1, :]
        for irun in all_cells:
            neighbour_indices = range(irun - 1, irun + 2)
            neighbourhood = np.take(current_row, neighbour_indices, mode="wrap")
            decimal_neighborhood = int(np.sum(neighbourhood_factors * neighbourhood))
            next_state = binary_rule[decimal_neighborhood]
            next_row[irun] = next_state
    return pattern


def wrap_automaton(traj):
    initial_state = make_initial_state(traj.initial_name, traj.ncells, traj.seed)
    pattern = cellular_automaton_1D(initial_state, traj.rule_number, traj.steps)
    traj.f_add_result("pattern", pattern, comment="Development of CA over time")


def case_ca(out_dir):
    """The paper's cellular automata example (section 3.4), on two cores."""
    path = os.path.join(out_dir, "ca.hdf5")
    env = env_for(path, "cellular_automata", multiproc=True, ncores=2, wrap_mode="QUEUE")
    traj = env.trajectory
    traj.f_add_parameter("ncells", 400, comment="Number of cells")
    traj.f_add_parameter("steps", 250, comment="Number of timesteps")
    traj.f_add_parameter("rule_number", 30, comment="The ca rule")
    traj.f_add_parameter("initial_name", "random", comment="The type of initial state")
    traj.f_add_parameter("seed", 100042, comment="RNG Seed")
    exp_dict = {"rule_number": [10, 30, 90, 110, 184, 190]}
    traj.f_explore(exp_dict)
    env.run(wrap_automaton)
    env.disable_logging()
    given = {
        "results.runs.%s.pattern" % traj.f_idx_to_run(i): "Development of CA over time"
        for i in range(len(traj))
    }
    write_dump(out_dir, "ca", path, ["cellular_automata"], {"cellular_automata": given})


class Thing:
    """An object pypet can only pickle."""

    def __init__(self, a):
        self.a = a


def types_run(traj):
    i = traj.v_idx
    traj.f_add_result("runs.$.z", traj.xf * traj.xi, comment="product")
    traj.f_add_result(PickleResult, "runs.$.pick", {"run": i, "list": [1, 2]}, comment="pickled in a run")
    traj.f_add_derived_parameter("runs.$.d", traj.xf + 0.5, comment="derived in a run")
    traj.f_add_result("outside.$.w", np.arange(i + 1, dtype=np.int16), comment="a run's result outside runs")


def case_types(out_dir):
    """One item of every type pypet stores, as results and as parameters,
    explored and not."""
    path = os.path.join(out_dir, "types.hdf5")
    env = env_for(path, "types", comment="every type pypet stores")
    traj = env.trajectory
    given = {}

    def param(name, *a, **kw):
        p = traj.f_add_parameter(name, *a, **kw)
        return p

    # plain parameters, one per scalar type
    param("p.int", 42, comment="python int")
    param("p.float", 0.5, comment="python float")
    param("p.bool", True, comment="python bool")
    param("p.complex", 1.5 - 2j, comment="python complex")
    param("p.str", "hello", comment="python str")
    param("p.bytes", b"raw\x00bytes", comment="python bytes")
    for t in [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
              np.uint64, np.float32, np.float64, np.complex64, np.complex128, np.bool_]:
        param("np." + t.__name__, t(7) if t is not np.bool_ else t(True), comment=t.__name__)
    param("np.uint64max", np.uint64(2**64 - 1), comment="largest uint64")
    param("np.nan", np.float64("nan"))
    param("np.inf", float("-inf"))
    param("p.tuple", (1, 2, 3), comment="a tuple parameter")
    param("p.list", [1.0, 2.5], comment="a list parameter")
    param("p.ndarray", np.array([1.0, 2.0, 3.0]), comment="an array in a plain Parameter")
    traj.f_add_parameter(ArrayParameter, "arr.a2d", np.arange(6, dtype=np.int32).reshape(2, 3), comment="2-d ArrayParameter")
    traj.f_add_parameter(ArrayParameter, "arr.alist", [1, 2, 3], comment="ArrayParameter of a list")
    traj.f_add_parameter(SparseParameter, "sparse.csr", sp.csr_matrix(np.array([[0, 1.5], [2.0, 0]])), comment="csr")
    traj.f_add_parameter(SparseParameter, "sparse.csc", sp.csc_matrix(np.array([[0, 1], [3, 0]], dtype=np.int64)), comment="csc")
    traj.f_add_parameter(PickleParameter, "pick.obj", {"a": 1, "b": [1, 2]}, comment="a pickled dict")
    grp = traj.f_add_parameter_group("grp", comment="a group with a comment")
    grp.f_add_parameter("inner", 3, comment="inside grp")
    # explored: one of each kind
    traj.f_add_parameter("xf", 1.0, comment="explored float")
    traj.f_add_parameter("xi", 1, comment="explored int")
    traj.f_add_parameter("xs", "a", comment="explored str")
    traj.f_add_parameter("xb", False, comment="explored bool")
    traj.f_add_parameter("xc", 0j, comment="explored complex")
    traj.f_add_parameter("xu8", np.uint8(0), comment="explored uint8")
    traj.f_add_parameter(ArrayParameter, "xarr", np.zeros(3), comment="explored ArrayParameter")
    traj.f_add_parameter(SparseParameter, "xsp", sp.csr_matrix((2, 2)), comment="explored SparseParameter")
    traj.f_add_parameter(PickleParameter, "xpick", (1, "a"), comment="explored PickleParameter")
    traj.f_add_parameter("xtuple", (0, 0), comment="explored tuple")
    # config and annotations
    traj.f_add_config("cfg.level", 3, comment="a config item")
    traj.f_add_config("cfg.name", "sim", comment="another config item")
    xf = traj.f_get("parameters.xf")
    xf.v_annotations.unit = "mV"
    xf.v_annotations.order = 2
    xf.v_annotations.weights = [0.5, 1.5]
    traj.f_explore(
        {
            "xf": [1.0, 2.0, 3.0],
            "xi": [10, 20, 30],
            "xs": ["a", "bb", "ccc"],
            "xb": [True, False, True],
            "xc": [1j, 2 + 0j, -1 - 1j],
            "xu8": [np.uint8(1), np.uint8(2), np.uint8(255)],
            "xarr": [np.zeros(3), np.ones(3), np.zeros(3)],
            "xsp": [sp.csr_matrix((2, 2)), sp.csr_matrix(np.eye(2)), sp.csr_matrix((2, 2))],
            "xpick": [(1, "a"), (2, "b"), (3, "c")],
            "xtuple": [(1, 2), (3, 4), (5, 6)],
        }
    )
    # results outside runs, one per type
    r = traj.f_add_result
    r("res.int", 2**40, comment="int beyond int32")
    r("res.float", 3.25)
    r("res.bool", False)
    r("res.complex", -0.5 + 4j)
    r("res.str", "grüße, non-ASCII")
    r("res.empty_str", "")
    r("res.nul_str", "a\x00b")
    r("res.bytes", b"\x00\x01\xff")
    r("res.u8", np.uint8(255))
    r("res.i16", np.int16(-3))
    r("res.f32", np.float32(1.25))
    r("res.c64", np.complex64(1 + 2j))
    r("res.npbool", np.bool_(True))
    r("res.array", np.arange(12, dtype=np.float64).reshape(3, 4), comment="a 2-d array")
    r("res.boolarray", np.array([True, False, True]))
    r("res.strarray", np.array(["a", "bb", "ccc"]))
    r("res.carray", np.array([1 + 1j, 2 - 2j], dtype=np.complex128))
    r("res.u64array", np.array([0, 2**64 - 1], dtype=np.uint64))
    r("res.empty_array", np.array([], dtype=np.float64))
    r("res.list", [1, 2, 3])
    r("res.strlist", ["a", "bb", "ccc"])
    r("res.floattuple", (1.5, 2.5))
    r("res.emptylist", [])
    r("res.dict", {"a": 1, "b": 2.5, "c": "text", "d": True})
    r("res.emptydict", {})
    r("res.bigdict", {"k%03d" % i: i for i in range(600)}, comment="split table")
    r("res.frame", pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]}), comment="numeric frame")
    r("res.strframe", pd.DataFrame({"name": ["x", "yy", "zzz"], "v": [1.0, 2.0, 3.0]}), comment="frame with an object column")
    r("res.series", pd.Series([1.0, 2.0, 4.0], name="s"))
    r("res.multi", a=1, b=np.arange(3), c="x", comment="several items")
    traj.f_add_result(SparseResult, "res.sparse", sp.csr_matrix(np.array([[0.0, 2.0], [3.0, 0.0]])), comment="sparse result")
    traj.f_add_result(PickleResult, "res.pickle", Thing(5), comment="an object only pickle can hold")
    traj.f_add_result(PickleResult, "res.pickled_list", [1, 2, {"x": 3}], protocol=4)
    traj.f_add_derived_parameter("dp.outside", 9.5, comment="derived outside runs")
    res = traj.f_get("results.res.float")
    res.v_annotations.note = "annotated!"
    res.v_annotations.level = 3
    traj.f_add_link("lnk", traj.f_get("parameters.grp.inner"))
    traj.f_get("results.res").f_add_link("to_array", traj.f_get("results.res.array"))
    env.run(types_run)
    env.disable_logging()
    for i in range(len(traj)):
        rn = traj.f_idx_to_run(i)
        given["results.runs.%s.z" % rn] = "product"
        given["results.runs.%s.pick" % rn] = "pickled in a run"
        given["derived_parameters.runs.%s.d" % rn] = "derived in a run"
        given["results.outside.%s.w" % rn] = "a run's result outside runs"
    write_dump(out_dir, "types", path, ["types"], {"types": given})


def set_run(traj):
    traj.f_add_result("$set.$.z", traj.x * 2.0, comment="doubled")


def case_sets(out_dir):
    """A sweep whose results are bucketed with $set (run_set_00000, run_set_00001)."""
    path = os.path.join(out_dir, "sets.hdf5")
    env = env_for(path, "sets", comment="bucketed results")
    traj = env.trajectory
    traj.f_add_parameter("x", 0.0, comment="the point")
    traj.f_explore({"x": [float(i) for i in range(1003)]})
    env.run(set_run)
    env.disable_logging()
    given = {
        "results.%s.%s.z" % (traj.f_wildcard("$set", i), traj.f_idx_to_run(i)): "doubled"
        for i in range(len(traj))
    }
    write_dump(out_dir, "sets", path, ["sets"], {"sets": given})


def add_run(traj):
    traj.f_add_result("z", traj.x + traj.y, comment="sum")


def case_merged(out_dir):
    """Two trajectories run separately and merged by pypet (f_merge)."""
    path = os.path.join(out_dir, "merged.hdf5")
    trajs = []
    for name, xs in [("merge_a", [1.0, 2.0]), ("merge_b", [3.0, 4.0, 5.0])]:
        env = env_for(path, name, comment="to be merged", overwrite_file=(name == "merge_a"))
        traj = env.trajectory
        traj.f_add_parameter("x", 0.0, comment="first")
        traj.f_add_parameter("y", 0.5, comment="second")
        traj.f_explore({"x": xs})
        env.run(add_run)
        env.disable_logging()
        trajs.append(name)
    a = load_trajectory(name="merge_a", filename=path, load_all=2, force=True)
    b = load_trajectory(name="merge_b", filename=path, load_all=2, force=True)
    a.f_merge(b, remove_duplicates=False, backup=False, move_data=False)
    a.f_store()
    given = {}
    for n in trajs:
        given[n] = {}
    a2 = load_trajectory(name="merge_a", filename=path, load_all=2, force=True)
    for i in range(len(a2)):
        given["merge_a"]["results.runs.%s.z" % a2.f_idx_to_run(i)] = "sum"
    for i in range(3):
        given["merge_b"]["results.runs.%s.z" % b.f_idx_to_run(i)] = "sum"
    write_dump(out_dir, "merged", path, trajs, given)


def case_two(out_dir):
    """One file holding two trajectories."""
    path = os.path.join(out_dir, "two.hdf5")
    given = {}
    for k, name in enumerate(["first", "second"]):
        env = env_for(path, name, comment="trajectory %d" % k, overwrite_file=(k == 0))
        traj = env.trajectory
        traj.f_add_parameter("x", 1.0, comment="x")
        traj.f_add_parameter("y", float(k), comment="y")
        traj.f_explore({"x": [1.0, 2.0, 3.0]})
        env.run(multiply)
        env.disable_logging()
        given[name] = {
            "results.runs.%s.z" % traj.f_idx_to_run(i): "Result of our simulation!"
            for i in range(len(traj))
        }
    write_dump(out_dir, "two", path, ["first", "second"], given)


def one_float(traj):
    traj.f_add_result("z", traj.x * 0.5)


def case_bench(out_dir, runs=10000):
    """The bench's file: `runs` runs, one float each (no JSON dump)."""
    path = os.path.join(out_dir, "bench.hdf5")
    env = env_for(path, "bench", comment="one float per run")
    traj = env.trajectory
    traj.f_add_parameter("x", 0.0)
    traj.f_explore({"x": [float(i) for i in range(runs)]})
    env.run(one_float)
    env.disable_logging()


CASES = {
    "basic": case_basic,
    "ca": case_ca,
    "types": case_types,
    "sets": case_sets,
    "merged": case_merged,
    "two": case_two,
}


def main():
    out_dir = os.path.abspath(sys.argv[1])
    cases = sys.argv[2:] or list(CASES)
    os.makedirs(out_dir, exist_ok=True)
    # pypet writes ./logs and similar relative to the working directory.
    work = tempfile.mkdtemp(prefix="pypet-work-")
    os.chdir(work)
    for c in cases:
        if c == "bench":
            case_bench(out_dir, int(os.environ.get("PET_PYPET_BENCH_RUNS", "10000")))
        else:
            CASES[c](out_dir)
        print("wrote", c)


if __name__ == "__main__":
    main()
