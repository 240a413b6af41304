"""The pypet paper's Figure 5 with pypet itself: the cells `examples/src/bin/fig5.rs`
runs on pet, measured the same way, printed as tab-separated rows
`cell runs store run_s size_mb load_all_s load_iter_s` (store: pypet).

Usage: python fig5_pypet.py MAX BLUE_MAX   (N = 10^3 ... MAX; blue up to BLUE_MAX)

- red: each run returns one random float; all are stored together as one
  array after the runs;
- green: each run stores one random float as its result;
- blue: each run stores a 1000 x 125 array of random floats (1 MB).

Loading all: `f_load(load_all=2)`; loading iteratively: a skeleton load, then
each run's result through auto-loading, removed again right after, as the
paper did. pypet writes ./logs; run this from a scratch directory.
"""

import os
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.simplefilter("ignore")

from pypet import Environment, Trajectory  # noqa: E402


def run_red(traj):
    np.random.seed(traj.seed)
    return np.random.rand()


def run_green(traj):
    np.random.seed(traj.seed)
    traj.f_add_result("x", np.random.rand())


def run_blue(traj):
    np.random.seed(traj.seed)
    traj.f_add_result("x", np.random.rand(1000, 125))


def cell(name, runs, path):
    start = time.perf_counter()
    env = Environment(
        trajectory="fig5",
        filename=path,
        overwrite_file=True,
        log_config=None,
        log_stdout=False,
        report_progress=False,
        multiproc=False,
    )
    traj = env.trajectory
    traj.f_add_parameter("seed", 0, comment="seed of the run's random numbers")
    traj.f_explore({"seed": list(range(runs))})
    if name == "red":
        results = env.run(run_red)
        traj.f_add_result("all", np.array([v for _, v in results]))
        traj.f_store()
    elif name == "green":
        env.run(run_green)
    else:
        env.run(run_blue)
    env.disable_logging()
    run_s = time.perf_counter() - start
    size_mb = os.path.getsize(path) / 1e6

    start = time.perf_counter()
    t = Trajectory(filename=path)
    t.f_load(name="fig5", load_parameters=2, load_results=2)
    if name == "red":
        seen = len(t.results.all)
    else:
        seen = sum(1 for r in t.f_get_run_names() if t.f_contains("results.runs.%s.x" % r))
    load_all_s = time.perf_counter() - start
    del t

    start = time.perf_counter()
    t = Trajectory(filename=path)
    t.f_load(name="fig5", load_parameters=2, load_results=1)
    t.v_auto_load = True
    if name == "red":
        iter_seen = len(t.f_get("results.all", auto_load=True).f_get())
    else:
        iter_seen = 0
        for r in t.f_get_run_names():
            item = t.f_get("results.runs.%s.x" % r, auto_load=True)
            value = item.f_get()
            iter_seen += int(np.size(value) in (1, 125000))
            item.f_empty()
    load_iter_s = time.perf_counter() - start
    if seen != runs or iter_seen != runs:
        raise SystemExit("%s at %d runs read back %d and %d values" % (name, runs, seen, iter_seen))
    return run_s, size_mb, load_all_s, load_iter_s


def main():
    most = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    blue_most = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    work = tempfile.mkdtemp(prefix="pypet-fig5-")
    os.chdir(work)
    start = int(os.environ.get("FIG5_START", "1000"))
    for name in ["red", "green", "blue"]:
        n = start
        while n <= most and (name != "blue" or n <= blue_most):
            path = os.path.join(work, "%s-%d.hdf5" % (name, n))
            r = cell(name, n, path)
            print("%s\t%d\tpypet\t%.3f\t%.2f\t%.3f\t%.3f" % ((name, n) + r), flush=True)
            os.remove(path)
            n *= 10


if __name__ == "__main__":
    main()
