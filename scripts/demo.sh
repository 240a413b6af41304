#!/usr/bin/env bash
# The demo: the paper's cellular automata sweep on the default SQLite store,
# then the analysis program that loads lazily, finds runs and draws a PNG, and
# `pet plot` of a result against the rule.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cargo run --release -q -p pet-examples --bin cellular_automata -- sqlite://results/ca.db
cargo run --release -q -p pet-examples --bin ca_analysis -- sqlite://results/ca.db --out results/ca_patterns.png
cargo run --release -q -p pet-cli -- plot results/ca.db density --x rule_number --out results/ca_density.png
echo "open results/ca_patterns.png and results/ca_density.png; logs are in logs/"
echo "browse the sweep: cargo run --release -p pet-cli -- serve results/ca.db --open"
