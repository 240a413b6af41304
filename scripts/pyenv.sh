#!/usr/bin/env bash
# Creates (once) target/pyenv, a Python venv with the packages the interop tests
# use (pandas, numpy; more can be passed as arguments), and prints its python.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/target/pyenv"
mkdir -p "$root/target"
exec 9>"$root/target/pyenv.lock"
flock 9
pkgs=(pandas numpy "$@")
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
missing=()
for p in "${pkgs[@]}"; do
  mod="${p%%[=<>]*}"
  "$venv/bin/python" -c "import ${mod//-/_}" 2>/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check "${missing[@]}" >&2
fi
echo "$venv/bin/python"
