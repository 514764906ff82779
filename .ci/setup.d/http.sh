#!/usr/bin/env bash
# The http e2e tests' npm packages (playwright-core, to drive /usr/bin/chromium): from the lock file.
set -euo pipefail
cd "$(dirname "$0")/../../tests/e2e/http"
# Debian's nodejs comes without npm (NodeSource's bundles it): add Debian's only when missing.
command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm >/dev/null
npm ci --no-audit --no-fund --loglevel=error
