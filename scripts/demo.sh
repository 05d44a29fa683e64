#!/usr/bin/env bash
# The README's main command: installs what is missing, builds Release, and runs the main job.
# Until the end-to-end demo lands (issue 6) the main job is the version and a configuration check
# of the demo desk (config/examples/demo.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/tools/ballast --version
./build/tools/ballast check-config config/examples/demo.yaml
