#pragma once
// The stand-in NCCL's view of the environment (params.cpp): live ncclGetEnv reads, NCCL_PARAM
// knobs frozen at their first read, nccl.conf files applied once.
#include <optional>
#include <string>

namespace cbsi {

void load_conf_files_once();
// ncclGetEnv: the current environment (after the conf files).
std::optional<std::string> live(const std::string& name);
// An NCCL_PARAM knob: its value at the first read in this process, for the life of the process.
std::optional<std::string> param(const std::string& name);

}  // namespace cbsi
