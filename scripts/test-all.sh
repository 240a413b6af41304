#!/usr/bin/env bash
# Runs every test of the workspace (unit, conformance, integration, doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cargo test --workspace
