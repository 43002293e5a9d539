#include "core/launcher.hpp"

#include <cstdlib>
#include <initializer_list>

namespace collbench::core {

int launcher_rank() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    if (const char* v = std::getenv(var)) return std::atoi(v);
  }
  return -1;
}

}  // namespace collbench::core
