#!/usr/bin/env bash
# Installs the system packages pet's tests need on a fresh Debian/Ubuntu machine.
# Safe to run again: packages already present are skipped.
set -euo pipefail
need=()
command -v cc >/dev/null 2>&1 || need+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# The interop tests make Python venvs (pandas, h5py, the MongoDB test server).
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
# pet-hdf5 links the system HDF5 library (found through pkg-config).
dpkg -s libhdf5-dev >/dev/null 2>&1 || need+=(libhdf5-dev)
# The fuzz campaign locates crashes and hangs with gdb (pet's own, or libhdf5's).
command -v gdb >/dev/null 2>&1 || need+=(gdb)
# Mode::Mpi (feature mpi) links Open MPI through rsmpi, whose bindings need libclang;
# its tests launch the examples with mpirun.
dpkg -s libopenmpi-dev >/dev/null 2>&1 || need+=(libopenmpi-dev)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
dpkg -s libclang-dev >/dev/null 2>&1 || need+=(libclang-dev)
# The many-hosts test makes network namespaces (ip netns) with host names of their own (unshare).
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# The dashboard's end-to-end test drives headless Chromium; charts embed their
# own font, the browser renders the page's text with DejaVu.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-dejavu-core >/dev/null 2>&1 || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
