#pragma once
// CUDA device discovery and description for the nccl backend (CUDA runtime calls only).
#include <map>
#include <string>

namespace collbench::backend::nccl {

// "13.0" from 13000 (CUDA driver/runtime version numbers).
std::string cuda_version_string(int v);
// "2.28.9" from 22809 (NCCL's version code; 2.8 and older used 2809-style codes).
std::string nccl_version_string(int code);
// This process's device `index`: model, PCI bus id, compute capability, memory, UUID.
std::map<std::string, std::string> describe_device(int index);
int l2_cache_bytes(int index);
int compute_capability(int index);  // major*10 + minor
// The GPU stand-in (tests/standin) exports collbench_standin_description; real CUDA and NCCL do
// not. Its text, or "" on a GPU.
std::string standin_description();

}  // namespace collbench::backend::nccl
