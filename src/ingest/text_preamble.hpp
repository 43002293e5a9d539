#pragma once
// The lines nccl-tests prints before a table's rows (nccl_tests_text.cpp reads them): the version
// and settings lines, the device list and the header's generation mark, parsed one line at a time,
// without the reader's state.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "results/record.hpp"

namespace collbench::ingest::detail {

// "# nThread 1 nGpus 1 minBytes 8 maxBytes 8589934592 step: 2(factor) warmup iters: 5 iters: 20 agg
// iters: 1 validation: 1 graph: 0": collbench's settings names and values, and the numbers the
// reader keeps (a field that is not printed, or not a number, is absent).
struct SettingsLine {
  std::map<std::string, std::string> settings;  // nthreads, ngpus, minbytes, maxbytes, step, check, …
  std::optional<int> iters, warmup;
  std::optional<bool> validation;
};
SettingsLine parse_settings_line(std::string_view body);

// "Rank  0 Group  0 Pid 204199 on  nid005471 device  0 [0009:01:00] NVIDIA GH200 120GB", or before
// Group existed "Rank  0 Pid     25 on host device  0 [0x10] A100-SXM4-40GB". nullopt when the line
// does not start with "Rank N"; `complete` false when it does but the host or device is missing.
struct DeviceLine {
  results::DeviceRecord device;
  bool complete = false;
};
std::optional<DeviceLine> parse_device_line(std::string_view body);

// "# nccl-tests version 2.17.6 nccl-headers=22703 nccl-library=22703": the version (the third
// word) and the NCCL versions, "2.27.3" (absent when not printed).
struct VersionsLine {
  std::optional<std::string> tool_version, nccl_library, nccl_headers;
};
VersionsLine parse_versions_line(std::string_view body);

// >= 2.17.3 widened '#wrong' to %6s, so the header reads "busbw  #wrong"; before, "busbw #wrong".
// `t` are views into the header line, so the gap between them is still there to measure.
bool wide_wrong_header(const std::vector<std::string_view>& t);

}  // namespace collbench::ingest::detail
