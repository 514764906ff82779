#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The pprof output's tests decode with the npm pprof-format package, pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../../tests/plugins/pprof"
npm ci --no-audit --no-fund --loglevel=error
