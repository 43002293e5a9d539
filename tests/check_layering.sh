#!/usr/bin/env bash
# Architecture rule (../shared/STYLE.md, src/CMakeLists.txt): a file of module X includes headers only
# from X itself and from the modules X may depend on. The map below is src/CMakeLists.txt's header
# comment and its target_link_libraries, written once; a module may also use what its dependencies
# may use (CMake's PUBLIC links pass on). Each file's own `#include "..."`/`<...>` lines are checked
# (not only what the build compiles), resolved the way the build resolves them: next to the file,
# then src/, then the project root (kernels/).
# Usage: check_layering.sh [project root]
set -u
root=${1:-.}
cd "$root" || exit 2

# Direct dependencies per module. core <- stats, verify <- results <- report; plan <- core;
# world <- core; the backends implement backend.hpp; app <- everything below it; cli <- app (and the
# plan, core and nccl_log pieces its parsers check flags with); main (collbench) <- cli, app.
declare -A deps=(
  [core]=""
  [stats]="core"
  [verify]="core"
  [results]="stats"
  [plan]="core"
  [world]="core"
  [backend]="core verify"
  [backend_mpi]="core verify world backend"
  [nccl_log]="core"
  [backend_nccl]="core verify nccl_log world backend"
  [kernels]="verify"
  [backend_model]="core results backend verify"
  [measure]="world backend verify results stats plan"
  [sweep]="plan results"
  [tune]="plan results"
  [check]="plan results"
  [ingest]="results"
  [report]="results ingest plan backend_model"
  [exposition]="report"
  [app]="core stats verify results plan world backend backend_mpi nccl_log backend_nccl backend_model
         measure sweep tune check ingest report exposition"
  [cli]="app plan nccl_log core"
  [main]="cli app core"
)
# Modules held to their direct dependencies only (no "what a dependency may use"): cli binds flags
# and calls app, so the layers below app are not its to reach.
declare -A direct_only=([cli]=1 [main]=1)
# PRIVATE links: the module itself may use them; they pass on to nobody.
declare -A private_deps=(
  [backend_nccl]="kernels"
)

# Includes that break the map today, each named exactly (file and header), to be fixed; the map
# itself grants nothing for them, and each run prints them. A new break anywhere else fails.
known=()

# The module a file (path from the root) belongs to, in $mod; empty when in none (tests, plugins).
module_of() {
  case $1 in
    src/main.cpp) mod=main ;;
    src/measure/world.hpp | src/measure/world.cpp) mod=world ;;
    src/backend/backend.hpp) mod=backend ;;
    src/backend/mpi/*) mod=backend_mpi ;;
    src/backend/nccl/tuning_log.* | src/backend/nccl/nccl_setup.* | src/backend/nccl/nccl_options.hpp) mod=nccl_log ;;
    src/backend/nccl/*) mod=backend_nccl ;;
    src/backend/model/*) mod=backend_model ;;
    src/*/*) mod=${1#src/}; mod=${mod%%/*} ;;
    kernels/*) mod=kernels ;;
    *) mod="" ;;
  esac
}

# allowed[X]: X's dependencies, closed under "may use what a dependency may use".
declare -A allowed
closure() {
  local m=$1 d seen=" $1 " todo
  todo=${deps[$m]-}
  while [ -n "${todo// /}" ]; do
    set -- $todo; d=$1; shift; todo="$*"
    case $seen in *" $d "*) continue ;; esac
    seen="$seen$d "
    todo="$todo ${deps[$d]-}"
  done
  echo "$seen"
}
for m in "${!deps[@]}"; do
  if [ -n "${direct_only[$m]-}" ]; then allowed[$m]=" $m ${deps[$m]} "
  else allowed[$m]="$(closure "$m")${private_deps[$m]-} "; fi
done

bad=0
checked=0
declare -A seen_known
include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"]'
while IFS= read -r line; do
  file=${line%%:*}; rest=${line#*:}; lineno=${rest%%:*}; text=${rest#*:}
  [[ $text =~ $include_re ]] || continue
  inc=${BASH_REMATCH[1]}
  module_of "$file"; from=$mod
  [ -n "$from" ] || continue
  target=""
  for cand in "${file%/*}/$inc" "src/$inc" "$inc"; do
    if [ -f "$cand" ]; then target=$cand; break; fi
  done
  [ -n "$target" ] || continue  # the standard library, fmt, CUDA …: not a module
  case $target in *..*) target=$(realpath --relative-to=. "$target") ;; esac
  module_of "$target"; to=$mod
  if [ -z "$to" ]; then echo "$file:$lineno: includes $target, which belongs to no module"; bad=1; continue; fi
  checked=$((checked + 1))
  [ "$to" = "$from" ] && continue
  case ${allowed[$from]-} in *" $to "*) continue ;; esac
  if [ -z "${deps[$from]+x}" ]; then
    echo "$file:$lineno: module '$from' is not in check_layering.sh's map: add it with its dependencies"; bad=1
    continue
  fi
  is_known=0
  for k in "${known[@]}"; do [ "$k" = "$file -> $target" ] && is_known=1 && seen_known[$k]=1; done
  if [ $is_known -eq 1 ]; then echo "known, to fix: $file:$lineno: '$from' includes $target ('$to')"; continue; fi
  may=${allowed[$from]/ $from / }
  [ -n "${may// /}" ] || may=" (no other module)"
  echo "$file:$lineno: module '$from' includes $target of module '$to'; '$from' may use only:$may"
  bad=1
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"][^>"]+[>"]' src kernels \
           --include='*.hpp' --include='*.h' --include='*.cpp' --include='*.cu' --include='*.cuh')

for k in "${known[@]}"; do
  [ -n "${seen_known[$k]-}" ] || { echo "known break no longer there, remove it from check_layering.sh: $k"; bad=1; }
done
if [ $checked -eq 0 ]; then echo "no project include found under $PWD/src: wrong root?"; exit 2; fi
if [ $bad -eq 0 ]; then echo "layering holds ($checked project includes checked)"; fi
exit $bad
