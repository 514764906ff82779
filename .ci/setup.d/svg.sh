#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The svg output's browser tests drive Chromium with playwright-core and load the .json into
# d3-flame-graph 5 (with d3 7), all pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../../tests/plugins/svg"
npm ci --no-audit --no-fund --loglevel=error
