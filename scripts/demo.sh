#!/usr/bin/env bash
# The README's main command: installs what is missing, builds Release, and runs the main job.
# Until the end-to-end demo lands (issue 6) the main job shows what exists: the version, a check
# of the demo desk's configuration, and one real rebalance (a Ledoit-Wolf risk model from the
# shipped ETF prices, the optimizer, whole-share trades).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/tools/ballast --version
./build/tools/ballast check-config config/examples/demo.yaml
echo
echo "== one rebalance: docs/examples/optimize_etf12.json"
./build/tools/ballast optimize --input docs/examples/optimize_etf12.json | python3 scripts/show_rebalance.py
