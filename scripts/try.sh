#!/usr/bin/env bash
# Set up, build, and print a 2-second system-wide profile as folded stacks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >&2
exec ./build/core/cli/profile-bee -d 2
