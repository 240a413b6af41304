#!/usr/bin/env bash
# Usage: scripts/pypet-venv.sh [VERSION]   (0.7.0, the default, or 0.6.1)
#
# Creates (once) a Python venv with real pypet VERSION and what it needs
# (PyTables, pandas, numpy, scipy, h5py), and prints its python. pet-pypet's
# tests write reference files with it (pet_pypet::testkit).
#
# - 0.7.0 (target/pypet-venv): declares Python >= 3.12 but is pure Python and
#   runs on 3.11: its dependencies are installed first, then pypet without them.
# - 0.6.1 (target/pypet061-venv): installs on 3.11 directly, but uses names
#   numpy 2 removed (np.string_), so numpy < 2 and the pandas, PyTables and
#   scipy releases that still support it are pinned.
#
# Each venv has its own lock (target/<venv>.lock): parallel tests wait for the
# one that installs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${1:-0.7.0}"
case "$version" in
  0.7.0)
    venv="$root/target/pypet-venv"
    deps=("tables>=3.9.0" "pandas>=2.1.0" "numpy>=1.26.0" "scipy>=1.12.0" h5py)
    pypet=(--no-deps --ignore-requires-python "pypet==0.7.0")
    ;;
  0.6.1)
    venv="$root/target/pypet061-venv"
    deps=("numpy>=1.26,<2" "pandas>=2.1,<2.3" "tables>=3.9,<3.11" "scipy>=1.12,<1.14" "h5py<3.12")
    pypet=(--no-deps "pypet==0.6.1")
    ;;
  *)
    echo "pypet-venv.sh: no recipe for pypet $version (0.7.0 and 0.6.1 have one)" >&2
    exit 2
    ;;
esac
mkdir -p "$root/target"
exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import pypet, tables, pandas, numpy, scipy, h5py" 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check "${deps[@]}" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "${pypet[@]}" >&2
fi
"$venv/bin/python" -c "import pypet, sys; v = pypet.__version__; assert v == sys.argv[1], v" "$version" >&2
echo "$venv/bin/python"
