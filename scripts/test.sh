#!/usr/bin/env bash
# Set up, build, and run every test suite (unit, plugins, lua, e2e). As root: e2e needs BPF.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Tests that need root and BPF skip without them, unless PB_TEST_NO_SKIP=1 (CI) fails them.
meson test -C build --print-errorlogs --num-processes 2 "$@"
