#!/usr/bin/env bash
# Installs the Debian packages Ballast needs (idempotent), then configures and builds Release.
#   scripts/setup.sh            install + build (build/)
#   scripts/setup.sh --deps     install only
#   scripts/setup.sh --debian   install only the Debian packages
#   scripts/setup.sh --npm      install only the Node.js tests' npm packages (scripts/test.sh runs it
#                               beside the Release build: it is ~15 s of waiting on the network)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config lld
  libquickfix-dev libyaml-cpp-dev libeigen3-dev libboost-dev libssl-dev
  libconcurrentqueue-dev libreaderwriterqueue-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-scipy python3-cvxopt python3-prometheus-client
  chromium
)

# Node.js and npm run the jspurefix interop peer; a machine that already has them (from any
# source) keeps its own, since Debian's npm package conflicts with other Node.js builds.
if ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

mode=${1:-}
if [[ $mode != --npm ]]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done

  if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -eq 0 ]]; then
      APT=(apt-get)
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      APT=(sudo apt-get)
    else
      echo "setup: these Debian packages are missing: ${missing[*]}" >&2
      echo "setup: installing them needs root or password-less sudo; run as root:" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${APT[@]}" update -qq
    "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: all Debian packages present"
  fi
fi
[[ $mode == --debian ]] && exit 0

# npm packages of the tests that run Node.js, exactly as locked in their package-lock.json:
# tests/interop (jspurefix, an independent FIX engine) and tests/dashboard (playwright-core, which
# drives Debian's Chromium; it downloads no browser). Skipped when already installed from the lock
# file. Without npm (or when npm ci fails) those tests skip and say why.
for dir in tests/interop tests/dashboard; do
  if [[ -f $dir/node_modules/.package-lock.json && $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]]; then
    echo "setup: npm packages of $dir present"
  elif command -v npm >/dev/null 2>&1; then
    echo "setup: npm ci in $dir"
    if ! (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
      rm -rf "$dir/node_modules"
      echo "setup: npm ci failed in $dir; its Node.js tests will be skipped" >&2
    fi
  else
    echo "setup: npm not found; the tests in $dir that run Node.js will be skipped" >&2
  fi
done

[[ $mode == --deps || $mode == --npm ]] && exit 0
exec scripts/build.sh release
