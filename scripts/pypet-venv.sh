#!/usr/bin/env bash
# Creates (once) target/pypet-venv, a Python venv with pypet 0.7.0 and what it
# needs (PyTables, pandas, numpy, scipy, h5py), and prints its python. pypet
# 0.7.0 declares Python >= 3.12 but is pure Python and runs on 3.11: its
# dependencies are installed first, then pypet without them. pet-pypet's tests
# use it to write reference files with real pypet.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/pypet-venv"
mkdir -p "$root/target"
exec 9>"$root/target/pypet-venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" -c "import pypet, tables, pandas, numpy, scipy, h5py" 2>/dev/null; then
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "tables>=3.9.0" "pandas>=2.1.0" "numpy>=1.26.0" "scipy>=1.12.0" h5py >&2
  "$venv/bin/pip" install -q --disable-pip-version-check \
    --no-deps --ignore-requires-python "pypet==0.7.0" >&2
fi
"$venv/bin/python" -c "import pypet; assert pypet.__version__ == '0.7.0', pypet.__version__" >&2
echo "$venv/bin/python"
