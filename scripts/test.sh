#!/usr/bin/env bash
# Everything from a fresh machine: install dependencies, build with warnings as errors, run every
# test (unit, mpirun end-to-end, CLI, architecture rules), then the unit and end-to-end tests again
# built with ASan + UBSan (scripts/sanitize.sh). Fails if either ctest fails; both always run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh ci
status=0
ctest --preset ci -j "$(nproc)" || status=$?
echo "test: the sanitizer build and its tests (scripts/sanitize.sh)"
scripts/sanitize.sh || { rc=$?; echo "test: scripts/sanitize.sh failed (exit $rc)" >&2; [ "$status" -ne 0 ] || status=$rc; }
exit "$status"
