#pragma once
// `collbench run`: starts the job's world, runs the plan (or a sweep's launch) through the run
// driver, prints the table and writes the results document. With --backend model, one plain
// process (no MPI: the job it predicts may be a thousand nodes) prints the same table and writes
// the same document, both labelled as predictions.
#include "app/run_config.hpp"
#include "core/error.hpp"

namespace collbench::app {

// argc/argv may be changed by MPI_Init; the metadata records them as given.
core::ExitCode run(const RunConfig& cfg, int* argc, char*** argv, char** envp);

}  // namespace collbench::app
