#pragma once
// `collbench run --backend model`: NCCL's cost model over a described topology, in one plain
// process (no MPI: the job it predicts may be a thousand nodes). The same table on stdout and the
// same results document as a measurement, both labelled as predictions; with --sweep-launch, a
// sweep's launch whose configurations (NCCL_ALGO, NCCL_PROTO …) are read per block.
#include "cli/run_options.hpp"
#include "core/error.hpp"

namespace collbench::cli {

core::ExitCode run_model(const RunConfig& cfg, int argc, char** argv, char** envp);

}  // namespace collbench::cli
