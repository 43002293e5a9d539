// Linked instead of nccl_backend.cpp when collbench is built without CUDA (COLLBENCH_WITH_CUDA=OFF).
#include "backend/nccl/nccl_backend.hpp"
#include "backend/nccl/nccl_world.hpp"

#include "core/error.hpp"

namespace collbench::backend::nccl {

bool built_with_cuda() { return false; }

GpuProbe probe_gpus() { return {0, "this collbench was built without CUDA (COLLBENCH_WITH_CUDA=OFF)"}; }

std::string device_refusal(const JobInfo&) { return "--backend nccl: " + probe_gpus().why + "; --backend mpi runs on CPUs"; }

std::string device_uuid(const JobInfo&) { return {}; }

std::string library_refusal(const NcclOptions&) { return {}; }  // device_refusal says why first

std::unique_ptr<Backend> make_nccl_backend(const JobInfo&, const NcclOptions&) {
  throw core::RunError("--backend nccl: " + probe_gpus().why + "; --backend mpi runs on CPUs");
}

std::unique_ptr<measure::World> make_nccl_world(const NcclWorldSpec& spec) {
  throw core::InputError("this process was started by " + spec.convention + ", which needs the nccl backend's control plane, but " +
                         probe_gpus().why + "; start it with mpirun or srun --mpi=pmix instead");
}

}  // namespace collbench::backend::nccl
