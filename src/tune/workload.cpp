#include "tune/workload.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/collective.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"
#include "core/input_file.hpp"
#include "core/size.hpp"

namespace collbench::tune {

using nlohmann::json;

Workload parse_workload(const std::string& text, const std::string& source) {
  core::JsonParse doc = core::parse_json(text, {.comments = true});
  if (doc.status == core::JsonStatus::not_json)
    throw core::InputError(fmt::format("{}: malformed JSON (byte {}): expected a workload object", source, doc.byte));
  if (!doc.ok()) throw core::InputError(fmt::format("{}: {}", source, doc.problem));  // a key twice, 1e400
  const json j = std::move(doc.value);
  auto fail = [&](const std::string& key, const std::string& what) {
    throw core::InputError(fmt::format("{}: {}: expected {}", source, key, what));
  };
  if (!j.is_object()) fail("(top level)", "an object with \"collectives\"");
  Workload w;
  w.source = source;
  for (const auto& [key, v] : j.items()) {
    if (key == "name") {
      if (!v.is_string()) fail("name", "a string");
      w.name = v.get<std::string>();
    } else if (key != "collectives") {
      fail(key, "only \"name\" and \"collectives\"");
    }
  }
  if (!j.contains("collectives") || !j["collectives"].is_object() || j["collectives"].empty())
    fail("collectives", "an object: collective -> { size: calls }");
  for (const auto& [coll, sizes] : j["collectives"].items()) {
    const std::string key = "collectives." + coll;
    std::vector<core::Collective> parsed;
    try {
      parsed = core::parse_collectives(coll);
    } catch (const core::InputError&) {
      fail(key, "a collective name (allreduce, allgather, reducescatter, alltoall, broadcast, reduce)");
    }
    if (parsed.size() != 1) fail(key, "one collective name");
    if (!sizes.is_object() || sizes.empty()) fail(key, "an object: size (\"64K\", \"1M\" or bytes) -> number of calls");
    auto& out = w.calls[std::string(core::name(parsed[0]))];
    for (const auto& [size, calls] : sizes.items()) {
      const std::string skey = key + "." + size;
      std::uint64_t bytes = 0;
      try {
        bytes = core::parse_size(size, skey);
      } catch (const core::InputError&) {
        fail(skey, "a size such as 64K, 1M or 1048576");
      }
      if (!calls.is_number() || calls.get<double>() < 0 || !std::isfinite(calls.get<double>()))
        fail(skey, "a number of calls >= 0");
      out[bytes] += calls.get<double>();
    }
  }
  return w;
}

Workload read_workload(const std::string& path) {
  return parse_workload(core::read_input_file(path, {"--workload", core::kConfigMaxBytes}), path);
}

std::vector<WeightedCell> weigh(const TuneInput& in, const Workload& w, const std::string& collective, int nranks,
                                std::vector<std::string>* notes) {
  std::map<std::uint64_t, std::vector<const Cell*>> by_size;
  for (const Cell& c : in.cells)
    if (c.series.collective == collective && c.series.nranks == nranks) by_size[c.bytes].push_back(&c);
  std::map<std::uint64_t, double> weight;
  if (w.uniform()) {
    for (const auto& [bytes, cells] : by_size) weight[bytes] = 1.0;
  } else if (const auto it = w.calls.find(collective); it != w.calls.end() && !by_size.empty()) {
    for (const auto& [bytes, calls] : it->second) {
      std::uint64_t nearest = by_size.begin()->first;
      for (const auto& [m, cells] : by_size)
        if (std::abs(std::log2(static_cast<double>(m)) - std::log2(static_cast<double>(bytes))) <
            std::abs(std::log2(static_cast<double>(nearest)) - std::log2(static_cast<double>(bytes))))
          nearest = m;
      const double ratio = static_cast<double>(std::max(nearest, bytes)) / static_cast<double>(std::min(nearest, bytes));
      if (ratio > 2.0 && notes)
        notes->push_back(fmt::format("workload: {} {} counted at the nearest measured size, {}", collective,
                                     core::format_size(bytes), core::format_size(nearest)));
      weight[nearest] += calls;
    }
  }
  std::vector<WeightedCell> out;
  for (const auto& [bytes, wt] : weight) {
    if (wt <= 0) continue;
    const auto& cells = by_size[bytes];
    for (const Cell* c : cells) out.push_back({c, wt / static_cast<double>(cells.size())});
  }
  return out;
}

}  // namespace collbench::tune
