#!/usr/bin/env bash
# Installs the Debian packages collbench's build and tests need. Idempotent and non-interactive:
# it only calls apt-get when something is missing. CUDA and NCCL are optional (the nccl backend).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config
          libopenmpi-dev openmpi-bin
          libcli11-dev libfmt-dev nlohmann-json3-dev
          libgtest-dev libgmock-dev libbenchmark-dev
          libxml2-utils   # xmllint: the tests validate check's JUnit XML against tests/check/junit.xsd
          chromium fonts-dejavu-core python3   # the HTML report is rendered headless in a test
          slurm-wlm   # tests/slurm starts a real single-node Slurm (munged, slurmctld, slurmd)
          libcurl4-openssl-dev curl   # export --push (a Pushgateway); the tests query servers with curl
          prometheus prometheus-node-exporter prometheus-pushgateway)  # tests/prometheus: the real parts
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
