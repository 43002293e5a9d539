#!/usr/bin/env bash
# Architecture rule (../shared/STYLE.md): CUDA/NCCL headers only in src/backend/nccl/ and kernels/;
# mpi.h only in src/backend/mpi/ (the mpi backend and the MPI world), and no header there that others
# include passes it on; the host APIs of kernels/ and the nccl backend name no CUDA/NCCL type.
# Transitive includes are the compiler's own: every translation unit of src/ and kernels/ in the
# build's compile_commands.json is preprocessed with -M, and its whole header closure is checked.
# Usage: check_includes.sh [project root] [build dir, default <root>/build]
set -u
root=${1:-.}
cd "$root" || exit 2
root=$PWD
build=${2:-$root/build}
ccdb=$build/compile_commands.json
if [ ! -f "$ccdb" ]; then
  echo "check_includes: $ccdb is missing: configure first (cmake --preset ci writes it;" \
       "CMAKE_EXPORT_COMPILE_COMMANDS is ON in CMakeLists.txt), then pass the build dir"
  exit 2
fi
bad=0
cuda_re='(cuda_runtime|cuda_runtime_api|cuda|nccl)\.h'

# Direct includes, in every file (also those this build configuration does not compile).
cuda=$(grep -rlE "#include *[<\"]$cuda_re[>\"]" src | grep -v '^src/backend/nccl/')
if [ -n "$cuda" ]; then echo "CUDA/NCCL headers outside src/backend/nccl/:"; echo "$cuda"; bad=1; fi
mpi=$(grep -rlE '#include *[<"]mpi\.h[>"]' src kernels | grep -vE '^src/backend/mpi/')
if [ -n "$mpi" ]; then echo "mpi.h outside src/backend/mpi/:"; echo "$mpi"; bad=1; fi

# Transitive includes: each translation unit's header closure, from its own compile command
# (its -o dropped; -M lists every header, system ones too, into one .d file per unit).
deps_dir=$(mktemp -d)
trap 'rm -rf "$deps_dir"' EXIT
python3 - "$ccdb" "$root" "$deps_dir" >"$deps_dir/jobs" <<'EOF' || exit 2
import json, os, shlex, sys
ccdb, root, out = sys.argv[1:]
for n, e in enumerate(json.load(open(ccdb))):
    path = os.path.normpath(os.path.join(e["directory"], e["file"]))
    rel = os.path.relpath(path, root)
    if not (rel.startswith("src/") or rel.startswith("kernels/")):
        continue
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    keep, skip = [], False
    for a in args:
        if skip: skip = False; continue
        if a == "-o": skip = True; continue
        keep.append(a)
    keep += ["-M", "-MT", rel, "-MF", os.path.join(out, f"{n}.d")]
    if "nvcc" not in os.path.basename(keep[0]):
        keep.append("-MG")  # a header the unit cannot find (mpi.h without MPI's flags) is listed too
    print(f"cd {shlex.quote(e['directory'])} && {shlex.join(keep)}")
EOF
units=$(grep -c . "$deps_dir/jobs")
if [ "$units" -eq 0 ]; then
  echo "check_includes: $ccdb compiles nothing under $root/src: a build of another source tree?"
  exit 2
fi
if ! xargs -d '\n' -P 2 -I{} bash -c {} <"$deps_dir/jobs" 2>"$deps_dir/errors"; then
  echo "check_includes: a translation unit did not preprocess (a stale build dir? reconfigure it):"
  head -20 "$deps_dir/errors"
  exit 2
fi
# The project's headers in a closure that include the forbidden header themselves: the path it came.
via() {
  local hdr=$1; shift
  for h in "$@"; do
    case $h in "$root"/*) grep -qE "#include *[<\"]$hdr[>\"]" "$h" 2>/dev/null && echo "    via $(realpath --relative-to="$root" "$h")" ;; esac
  done
}
for d in "$deps_dir"/*.d; do
  # One unit: "tu: source header header …" (nvcc writes "tu :"), its continuation lines joined.
  rule=$(tr -d '\\\n' <"$d")
  tu=${rule%%:*}; tu=${tu%% *}
  read -r -a files <<<"${rule#*:}"
  names=$(printf '%s\n' "${files[@]}" | sed 's:.*/::')
  if ! [[ $tu == src/backend/mpi/* ]] && grep -qx 'mpi\.h' <<<"$names"; then
    echo "$tu reaches mpi.h:"; via 'mpi\.h' "${files[@]}"; bad=1
  fi
  if ! [[ $tu == src/backend/nccl/* || $tu == kernels/* ]] && grep -qxE "$cuda_re" <<<"$names"; then
    echo "$tu reaches a CUDA/NCCL header:"; via "$cuda_re" "${files[@]}"; bad=1
  fi
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
if [ $bad -eq 0 ]; then echo "include rules hold ($units translation units' header closures checked)"; fi
exit $bad
