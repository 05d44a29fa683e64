#!/usr/bin/env bash
# The README's main command: installs what is missing, builds Release, and runs `ballast demo`:
# broker-sim and the engine over loopback FIX on the shipped NASDAQ day, 3 models x 1000 accounts
# (docs/demo.md). Extra arguments go to `ballast demo` (e.g. --accounts 200 --speed 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec ./build/tools/ballast demo "$@"
