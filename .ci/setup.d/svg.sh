#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The svg output's browser test drives Chromium with playwright-core, pinned by package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../../tests/plugins/svg"
npm ci --no-audit --no-fund --loglevel=error
