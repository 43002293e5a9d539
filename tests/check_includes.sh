#!/usr/bin/env bash
# Architecture rule (../shared/STYLE.md): CUDA/NCCL headers only in src/backend/nccl/ and kernels/;
# mpi.h only in src/backend/mpi/ (the mpi backend and the MPI world), and no header there that others
# include passes it on;
# the host APIs of kernels/ and the nccl backend name no CUDA/NCCL type.
set -u
root=${1:-.}
cd "$root" || exit 2
bad=0
cuda=$(grep -rlE '#include *[<"](cuda_runtime|cuda|nccl|cuda_runtime_api)\.h[>"]' src | grep -v '^src/backend/nccl/')
if [ -n "$cuda" ]; then echo "CUDA/NCCL headers outside src/backend/nccl/:"; echo "$cuda"; bad=1; fi
mpi=$(grep -rlE '#include *[<"]mpi\.h[>"]' src | grep -vE '^src/backend/mpi/')
if [ -n "$mpi" ]; then echo "mpi.h outside src/backend/mpi/:"; echo "$mpi"; bad=1; fi
# Transitively: files outside src/backend/mpi/ include only its headers that carry no mpi.h.
for h in $(grep -lE '#include *[<"]mpi\.h[>"]' src/backend/mpi/*.hpp); do
  users=$(grep -rlF "#include \"${h#src/}\"" src | grep -v '^src/backend/mpi/')
  if [ -n "$users" ]; then echo "$h carries mpi.h to:"; echo "$users"; bad=1; fi
done
# The nccl backend's and the kernels' public headers carry no CUDA or NCCL type.
for f in src/backend/nccl/nccl_backend.hpp kernels/pattern_kernels.hpp src/verify/element.hpp src/core/datatype.hpp; do
  [ -f "$f" ] || continue
  leak=$(sed 's://.*$::' "$f" | grep -nE '#include *[<"](cuda|nccl)|\b(cuda[A-Z][A-Za-z]*_t|nccl[A-Z][A-Za-z]*_t|__device__)\b' | grep -v 'define COLLBENCH_HD')
  if [ -n "$leak" ]; then echo "CUDA/NCCL type in the plain host API $f:"; echo "$leak"; bad=1; fi
done
if grep -q "#include" src/core/hd.hpp 2>/dev/null; then echo "src/core/hd.hpp must include nothing"; bad=1; fi
# The GPU stand-in is test-only: the product never includes or names its sources.
standin=$(grep -rlE '#include *[<"][^">]*standin' src kernels plugins 2>/dev/null)
if [ -n "$standin" ]; then echo "the test-only GPU stand-in (tests/standin) included by the product:"; echo "$standin"; bad=1; fi
if [ $bad -eq 0 ]; then echo "include rules hold"; fi
exit $bad
