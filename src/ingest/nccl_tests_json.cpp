// nccl-tests -J FILE (JSON_FILE_VERSION 2 and 3, util.cu): written by hand with printf, so
// booleans are the strings "true"/"false", NaN is the string "nan", the root is a padded string
// ("    -1"), nwrong is a double or null, and a run that died leaves the file cut off mid-way.
// A cut-off file is read up to its last complete result.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "core/hash.hpp"
#include "ingest/builder.hpp"
#include "ingest/nccl_tests.hpp"
#include "results/file_io.hpp"
#include "results/metadata.hpp"

namespace collbench::ingest {
namespace {

using detail::kMaxDeviceRank;
using detail::kNaN;
using detail::Measurement;
using detail::RowContext;
using nlohmann::json;

inline constexpr int kKnownJsonVersion = 3;

double number(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "nan" || s == "-nan") return kNaN;
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      return used == s.size() ? v : kNaN;
    } catch (const std::exception&) {
      return kNaN;
    }
  }
  return kNaN;
}

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string text(const json& j, const char* key) {
  const json* m = member(j, key);
  if (m == nullptr) return "";
  if (m->is_string()) return m->get<std::string>();
  if (m->is_number_integer()) return std::to_string(m->get<std::int64_t>());
  if (m->is_number()) return fmt::format("{}", m->get<double>());
  return "";
}

// A file cut off mid-way: keep what precedes the last complete element of "results" and close
// the brackets. Returns "" when there is no "results" list to recover from.
std::string recover_cut_off(std::string_view t, std::size_t& kept) {
  kept = 0;
  const auto key = t.find("\"results\"");
  if (key == std::string_view::npos) return "";
  const auto open = t.find('[', key);
  if (open == std::string_view::npos) return "";
  int depth = 0;
  bool in_string = false, escaped = false;
  std::size_t last_end = open + 1;
  for (std::size_t i = open + 1; i < t.size(); ++i) {
    const char c = t[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (depth == 0) return "";  // the list closed: the file is not cut inside it
      if (--depth == 0) last_end = i + 1, ++kept;
    }
  }
  return std::string(t.substr(0, last_end)) + "]}";
}

void measurement_of(const json& body, const json* per_iter, Measurement& m) {
  if (const json* t = member(body, "time")) {
    m.time_us = number(*t);
  } else if (const json* c = member(body, "cpu_time")) {
    m.time_us = number(*c);
    m.host_enqueue = true;
  }
  if (const json* a = member(body, "alg_bw")) m.algbw = number(*a);
  if (const json* b = member(body, "bus_bw")) m.busbw = number(*b);
  if (const json* w = member(body, "nwrong"); w != nullptr && !w->is_null()) {
    const double v = number(*w);
    if (std::isfinite(v) && v >= 0) m.wrong = static_cast<std::int64_t>(v);
  }
  if (per_iter == nullptr || !per_iter->is_object()) return;
  if (const json* x = member(*per_iter, "min_us")) m.min_us = number(*x);
  if (const json* x = member(*per_iter, "max_us")) m.max_us = number(*x);
  if (const json* x = member(*per_iter, "p50_us")) m.p50_us = number(*x);
  if (const json* x = member(*per_iter, "p99_us")) m.p99_us = number(*x);
  if (const json* x = member(*per_iter, "cv_pct")) m.cv = number(*x) / 100.0;
  if (const json* ts = member(*per_iter, "times_us"); ts != nullptr && ts->is_array()) {
    for (const json& x : *ts) {
      const double v = number(x);
      if (std::isfinite(v)) m.samples_us.push_back(v);
    }
  }
}

}  // namespace

ImportedLog parse_json_log(std::string_view text_in, const std::string& name, const ImportOptions& options) {
  // A key twice or a number out of range is refused as in every JSON file collbench reads; only a
  // syntax error (a file cut off mid-way) is worth the recovery below.
  const auto parse = [&name](std::string_view text) {
    core::JsonParse p = core::parse_json(text);
    if (p.status == core::JsonParse::Status::refused) throw core::InputError(fmt::format("'{}': {}", name, p.problem));
    return p.ok() ? std::move(p.value) : json(json::value_t::discarded);
  };
  json doc = parse(text_in);
  bool cut_off = false;
  std::size_t recovered = 0;
  if (doc.is_discarded()) {
    const std::string repaired = recover_cut_off(text_in, recovered);
    if (!repaired.empty()) doc = parse(repaired);
    if (repaired.empty() || doc.is_discarded()) {
      throw core::InputError(fmt::format("'{}': not an nccl-tests or rccl-tests log: it starts like JSON but is not valid JSON, and "
                                         "no nccl-tests -J 'results' list could be recovered from it",
                                         name));
    }
    cut_off = true;
  }
  const json* results = member(doc, "results");
  const json* config = member(doc, "config");
  if (!doc.is_object() || results == nullptr || !results->is_array() || member(doc, "version") == nullptr) {
    throw core::InputError(fmt::format(
        "'{}': not an nccl-tests or rccl-tests log: JSON without nccl-tests -J's \"version\" and \"results\" list", name));
  }
  detail::Builder b(name, options);
  auto& info = b.info();
  const int version = member(doc, "version")->is_number_integer() ? member(doc, "version")->get<int>() : 0;
  info.format = fmt::format("nccl-tests JSON (version {})", version);
  if (version > kKnownJsonVersion)
    b.note(fmt::format("JSON version {} is newer than collbench knows ({}): read as version {}", version,
                       kKnownJsonVersion, kKnownJsonVersion));
  auto& md = b.metadata();
  if (const json* args = member(doc, "args"); args != nullptr && args->is_array()) {
    for (const json& a : *args)
      if (a.is_string()) md.command_line.push_back(a.get<std::string>());
  }
  std::string program;
  if (!md.command_line.empty()) {
    program = md.command_line.front();
    if (const auto slash = program.rfind('/'); slash != std::string::npos) program = program.substr(slash + 1);
    info.program = program;
  }
  if (const json* env = member(doc, "env"); env != nullptr && env->is_array()) {
    // -J writes the whole environment; keep what results keep (never secrets).
    for (const json& e : *env) {
      if (!e.is_string()) continue;
      const std::string& kv = e.get_ref<const std::string&>();
      const auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      if (results::recorded_env_name(std::string_view(kv).substr(0, eq))) md.env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  if (const json* v = member(doc, "nccl_version"); v != nullptr && v->is_number_integer()) {
    const int code = v->get<int>();
    md.backend_library = "NCCL " + detail::nccl_version_of(code);
  }
  md.start_time = text(doc, "start_time");
  md.end_time = text(doc, "end_time");
  RowContext base;
  if (!md.command_line.empty()) {
    base.average = detail::average_mode({md.command_line.begin() + 1, md.command_line.end()});
    md.settings["average"] = std::to_string(base.average);
  }
  base.program = program;
  base.collective = collective_of_program(program);
  // alltoallv_perf's traffic is its environment's (md.env keeps NCCL_TESTS_*), as a run records it.
  if ((options.collective.empty() ? base.collective : options.collective) == "alltoallv")
    md.settings["alltoallv_traffic"] = detail::alltoallv_traffic_of_env(md.env);
  std::vector<results::DeviceRecord> devices;
  if (config != nullptr && config->is_object()) {
    auto& st = md.settings;
    const std::pair<const char*, const char*> keys[] = {
        {"nthreads", "nthreads"},       {"ngpus", "ngpus"},        {"minimum_bytes", "minbytes"},
        {"maximum_bytes", "maxbytes"},  {"step_factor", "step"},   {"step_bytes", "step"},
        {"warmup_iters", "warmup_iters"}, {"iterations", "iters"}, {"aggregated_iterations", "agg_iters"},
        {"validation", "check"},        {"graph", "graph"},        {"blocking_collectives", "blocking"},
        {"per_iter_timing", "per_iter_timing"}, {"per_iter_skip", "per_iter_skip"}};
    for (const auto& [key, ours] : keys)
      if (const std::string v = text(*config, key); !v.empty()) st[ours] = v;
    if (const json* it = member(*config, "iterations"); it != nullptr && it->is_number_integer()) {
      base.iters = it->get<int>();
      base.iters_known = true;
    }
    if (const json* w = member(*config, "warmup_iters"); w != nullptr && w->is_number_integer())
      base.warmup_iters = w->get<int>();
    if (const json* v = member(*config, "validation"); v != nullptr && v->is_number_integer())
      base.validation = v->get<int>() != 0;
    if (const json* devs = member(*config, "devices"); devs != nullptr && devs->is_array()) {
      for (const json& d : *devs) {
        results::DeviceRecord r;
        const json* rank = member(d, "rank");
        if (rank == nullptr || !rank->is_number_integer()) continue;
        if (rank->is_number_unsigned() ? rank->get<std::uint64_t>() > kMaxDeviceRank
                                       : rank->get<std::int64_t>() < 0 || rank->get<std::int64_t>() > kMaxDeviceRank) {
          b.note(fmt::format("config.devices: rank {} is not a rank (expected 0 to {}): that device is left out", rank->dump(),
                             kMaxDeviceRank));
          continue;
        }
        r.rank = static_cast<int>(rank->get<std::int64_t>());
        r.host = text(d, "hostname");
        r.details["device_index"] = text(d, "device");
        r.details["pid"] = text(d, "pid");
        if (const std::string hex = text(d, "device_hex"); !hex.empty()) r.details["pci_bus_id"] = hex;
        if (const std::string gpu = text(d, "device_info"); !gpu.empty()) r.details["gpu"] = gpu;
        devices.push_back(std::move(r));
      }
    }
  }
  b.set_devices(devices);
  for (const auto& d : devices) base.nranks = std::max(base.nranks, d.rank + 1);
  if (base.collective.empty() && options.collective.empty()) {
    if (program.empty())
      throw core::InputError(fmt::format("'{}': the JSON's args name no test program; pass --collective", name));
    b.note(fmt::format("{} is not a collective collbench models: its results are skipped", program));
  }
  std::size_t index = 0;
  for (const json& r : *results) {
    RowContext c = base;
    c.json = true;
    c.index = index++;
    if (!r.is_object()) continue;
    const json* size = member(r, "size");
    const json* count = member(r, "count");
    if (size == nullptr || !size->is_number_unsigned() || count == nullptr || !count->is_number_unsigned()) {
      b.note(c.where(name) + ": no integer size and count: skipped");
      continue;
    }
    c.bytes = size->get<std::uint64_t>();
    c.count = count->get<std::uint64_t>();
    c.datatype = text(r, "type");
    c.op = text(r, "redop");
    if (const std::string root = text(r, "root"); !root.empty()) {
      try {
        c.root = std::stoi(root);
      } catch (const std::exception&) {
        b.note(c.where(name) + ": root '" + root + "' is not an integer");
      }
    }
    if (const json* it = member(r, "actual_iterations"); it != nullptr && it->is_number_integer()) {
      c.iters = it->get<int>();
      c.iters_known = true;
    }
    std::vector<std::pair<std::string, Measurement>> parts;
    for (const char* placement : {"out_of_place", "in_place"}) {
      const json* body = member(r, placement);
      if (body == nullptr || body->is_null()) continue;
      Measurement m;
      measurement_of(*body, member(r, (std::string(placement) + "_per_iter").c_str()), m);
      if (!std::isfinite(m.time_us) && m.samples_us.empty()) continue;
      parts.emplace_back(placement, std::move(m));
    }
    b.add_row(c, parts);
  }
  if (b.records() == 0)
    throw core::InputError(fmt::format("'{}': the nccl-tests JSON has no results collbench can import", name));
  if (const json* oob = member(doc, "out_of_bounds")) {
    if (const json* n = member(*oob, "count"); n != nullptr && n->is_number_integer()) info.out_of_bounds = n->get<std::int64_t>();
  }
  bool failed = false;
  if (const json* avg = member(doc, "average_bus_bandwidth")) {
    if (const json* bw = member(*avg, "bandwidth")) info.avg_busbw_gbps = number(*bw);
    if (text(*avg, "okay") == "false") {
      failed = true;
      b.note("the average bus bandwidth is below NCCL_TESTS_MIN_BW ('okay': \"false\")");
    }
  }
  // util.cu writes ncclGetLastError() there: "" when nothing went wrong.
  if (const json* errors = member(doc, "errors"); errors != nullptr && errors->is_array()) {
    for (const json& e : *errors) {
      if (!e.is_string() || e.get_ref<const std::string&>().empty()) continue;
      failed = true;
      b.note("the test reports an error: " + e.get<std::string>());
    }
  }
  info.complete = !cut_off && member(doc, "end_time") != nullptr;
  if (cut_off) b.note(fmt::format("the JSON file was cut off: {} complete results read, the rest lost", recovered));
  else if (!info.complete) b.note("the JSON has no end_time: the run did not finish");
  return b.finish(failed);
}

ImportedLog import_text(std::string_view content, const std::string& name, const ImportOptions& options) {
  const std::size_t i = content.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos)
    throw core::InputError(fmt::format("'{}': not an nccl-tests or rccl-tests log: the file is empty", name));
  if (content.substr(0, 65536).find('\0') != std::string_view::npos)
    throw core::InputError(fmt::format("'{}': not an nccl-tests or rccl-tests log: a binary file", name));
  // Bytes that are not UTF-8 (a Latin-1 host name, line noise) would reach the records and make
  // every JSON writer throw; a text log keeps them as U+FFFD, with a note (fuzz/nccl_tests_text).
  std::string repaired;
  std::size_t replaced = 0;
  const std::size_t bad = core::first_invalid_utf8(content);
  if (bad != std::string_view::npos && content[i] != '{') repaired = core::replace_invalid_utf8(content, &replaced);
  ImportedLog log = content[i] == '{'      ? parse_json_log(content, name, options)
                    : repaired.empty() ? parse_text_log(content, name, options)
                                       : parse_text_log(repaired, name, options);
  if (replaced > 0) {
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    log.doc.metadata.imported->notes.push_back(
        fmt::format("the log is not valid UTF-8 (first at line {}): {} bytes read as U+FFFD", line, replaced));
  }
  log.doc.metadata.imported->source_bytes = content.size();
  log.doc.metadata.imported->fingerprint = core::fnv1a(content);
  return log;
}

ImportedLog import_log(const std::string& path, const ImportOptions& options) {
  return import_text(results::read_file_text(path), path, options);
}

}  // namespace collbench::ingest
