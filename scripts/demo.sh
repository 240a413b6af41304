#!/usr/bin/env bash
# The demo: the paper's cellular automata sweep on the default SQLite store,
# then the analysis program that loads lazily, finds runs and draws a PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cargo run --release -q -p pet-examples --bin cellular_automata -- sqlite://results/ca.db
cargo run --release -q -p pet-examples --bin ca_analysis -- sqlite://results/ca.db --out results/ca_patterns.png
echo "open results/ca_patterns.png; logs are in logs/"
