#include "ingest/text_preamble.hpp"

#include <vector>

#include "ingest/text_lines.hpp"

namespace collbench::ingest::detail {

SettingsLine parse_settings_line(std::string_view body) {
  SettingsLine l;
  std::vector<std::string_view> t;
  split(body, t);
  auto& st = l.settings;
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    const std::string_view k = t[i], v = t[i + 1];
    if (k == "nThread") st["nthreads"] = std::string(v);
    else if (k == "nGpus") st["ngpus"] = std::string(v);
    else if (k == "minBytes") st["minbytes"] = std::string(v);
    else if (k == "maxBytes") st["maxbytes"] = std::string(v);
    else if (k == "step:") st["step"] = std::string(v);
    else if (k == "validation:") st["check"] = std::string(v), l.validation = v != "0";
    else if (k == "graph:") st["graph"] = std::string(v);
    else if (k == "unalign:") st["unalign"] = std::string(v);
    else if (k == "iters:") {
      const std::string_view prev = i > 0 ? t[i - 1] : std::string_view();
      int n = 0;
      if (!parse_int(v, n)) continue;
      if (prev == "warmup") l.warmup = n, st["warmup_iters"] = std::string(v);
      else if (prev == "agg") st["agg_iters"] = std::string(v);
      else l.iters = n, st["iters"] = std::string(v);
    }
  }
  return l;
}

std::optional<DeviceLine> parse_device_line(std::string_view body) {
  std::vector<std::string_view> t;
  split(body, t);
  DeviceLine l;
  results::DeviceRecord& d = l.device;
  std::size_t i = 0;
  auto take_int = [&](std::string_view key, int& v) {
    if (i + 1 < t.size() && t[i] == key && parse_int(t[i + 1], v)) return i += 2, true;
    return false;
  };
  int group = 0, pid = 0, dev = 0;
  if (!take_int("Rank", d.rank)) return std::nullopt;
  take_int("Group", group);
  take_int("Pid", pid);
  if (i + 1 >= t.size() || t[i] != "on") return l;
  d.host = std::string(t[i + 1]);
  i += 2;
  if (!take_int("device", dev)) return l;
  d.details["device_index"] = std::to_string(dev);
  d.details["pid"] = std::to_string(pid);
  const auto lb = body.find('['), rb = body.find(']');
  if (lb != std::string_view::npos && rb != std::string_view::npos && rb > lb) {
    d.details["pci_bus_id"] = std::string(body.substr(lb + 1, rb - lb - 1));
    const std::string_view name = trim(body.substr(rb + 1));
    if (!name.empty()) d.details["gpu"] = std::string(name);
  }
  l.complete = true;
  return l;
}

VersionsLine parse_versions_line(std::string_view body) {
  VersionsLine l;
  std::vector<std::string_view> t;
  split(body, t);
  if (t.size() >= 3) l.tool_version = std::string(t[2]);
  for (const auto tok : t) {
    int code = 0;
    if (starts_with(tok, "nccl-library=") && parse_int(tok.substr(13), code)) l.nccl_library = nccl_version_of(code);
    if (starts_with(tok, "nccl-headers=") && parse_int(tok.substr(13), code)) l.nccl_headers = nccl_version_of(code);
  }
  return l;
}

bool wide_wrong_header(const std::vector<std::string_view>& t) {
  for (std::size_t i = 0; i + 1 < t.size(); ++i)
    if (t[i] == "busbw" && t[i + 1] == "#wrong") return t[i + 1].data() - (t[i].data() + t[i].size()) >= 2;
  return false;
}

}  // namespace collbench::ingest::detail
