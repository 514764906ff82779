#!/usr/bin/env bash
# The s3 tests' local store (s3rver behind a SigV4-verifying proxy) comes from npm, pinned by
# tests/plugins/s3/package-lock.json. Node is preinstalled on CI machines (not Debian's).
set -euo pipefail
cd "$(dirname "$0")/../../tests/plugins/s3"
if ! command -v npm >/dev/null; then
	echo "s3.sh: npm not found; the s3 tests will skip (or fail under PB_TEST_NO_SKIP=1)" >&2
	exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
