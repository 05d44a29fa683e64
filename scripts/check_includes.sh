#!/usr/bin/env bash
# Include-direction check (see scripts/check_includes.py for the rules).
exec python3 "$(dirname "$0")/check_includes.py" "$@"
