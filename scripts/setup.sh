#!/usr/bin/env bash
# Installs the Debian packages collbench needs. Idempotent and non-interactive: it only calls
# apt-get when something is missing. CUDA and NCCL are optional (the nccl backend).
#
#   scripts/setup.sh demo   what scripts/demo.sh needs: a compiler, CMake and Ninja, Open MPI and
#                           the header libraries collbench is built with (CLI11, fmt, nlohmann/json)
#   scripts/setup.sh        (or "all") the demo's set and what scripts/test.sh needs on top: test
#                           libraries and the real components the tests start (Slurm, Prometheus,
#                           headless Chromium …)
set -euo pipefail
set_name=${1:-all}
demo=(build-essential cmake ninja-build pkg-config
      libopenmpi-dev openmpi-bin
      libcli11-dev libfmt-dev nlohmann-json3-dev)
tests=(libgtest-dev libgmock-dev libbenchmark-dev
       libxml2-utils   # xmllint: the tests validate check's JUnit XML against tests/check/junit.xsd
       chromium fonts-dejavu-core python3   # the HTML report is rendered headless in a test
       slurm-wlm   # tests/slurm starts a real single-node Slurm (munged, slurmctld, slurmd)
       libcurl4-openssl-dev curl   # export --push (a Pushgateway); the tests query servers with curl
       prometheus prometheus-node-exporter prometheus-pushgateway)  # tests/prometheus: the real parts
case "$set_name" in
  demo) packages=("${demo[@]}") ;;
  all) packages=("${demo[@]}" "${tests[@]}") ;;
  *) echo "setup: '$set_name': expected demo or all" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present ($set_name)"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
