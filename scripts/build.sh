#!/usr/bin/env bash
# Configures and builds collbench into build/ (preset "default", or "ci" with warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
