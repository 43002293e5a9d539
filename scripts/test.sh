#!/usr/bin/env bash
# Everything from a fresh machine: install dependencies, build with warnings as errors, run every
# test (unit, mpirun end-to-end, CLI, architecture rules). Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh ci
ctest --preset ci -j "$(nproc)"
