#include "app/whatif.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "app/output.hpp"
#include "backend/model/whatif.hpp"
#include "core/error.hpp"
#include "core/size.hpp"
#include "core/text.hpp"
#include "report/whatif.hpp"
#include "results/json.hpp"

namespace collbench::app {

namespace {

// The non-empty items of a comma list.
std::vector<std::string> items(const std::string& s) {
  std::vector<std::string> out;
  for (std::string& t : core::split(s, ','))
    if (!t.empty()) out.push_back(std::move(t));
  return out;
}

std::vector<int> parse_nodes(const std::string& text) {
  std::vector<int> out;
  for (const std::string& t : items(text)) {
    int n = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc() || ptr != t.data() + t.size() || n < 1 || n > (1 << 20))
      throw core::InputError(fmt::format("--nodes '{}': '{}' is not a node count; expected e.g. 1,2,4,8", text, t));
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  }
  if (out.empty()) throw core::InputError(fmt::format("--nodes '{}': expected node counts, e.g. 1,2,4,8", text));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

int whatif(const WhatIfRequest& a) {
  if (a.format != "md" && a.format != "html" && a.format != "json")
    throw core::InputError("--format '" + a.format + "': expected md, html or json");
  if (a.out != "-") results::check_writable(a.out, "--out");
  const std::vector<int> nodes = parse_nodes(a.nodes);
  const std::vector<core::Collective> colls = core::parse_collectives(a.coll);
  for (core::Collective c : colls)
    if (c == core::Collective::alltoall || c == core::Collective::sendrecv || c == core::Collective::alltoallv)
      throw core::InputError("--coll '" + a.coll + "': " +
                             (c == core::Collective::alltoall ? std::string("all-to-all") : std::string(core::name(c))) +
                             " runs on NCCL's send/recv path, which its cost model does not cover; expected allreduce, "
                             "allgather, reducescatter, broadcast or reduce");
  std::vector<std::uint64_t> sizes;
  for (const std::string& s : items(a.sizes)) sizes.push_back(core::parse_size(s, "--sizes"));
  if (sizes.empty()) throw core::InputError("--sizes '" + a.sizes + "': expected sizes, e.g. 1M,1G");
  const model::Topology t = model::read_topology(a.topology);
  const model::WhatIf w = model::what_if(t, model::settings_from_environment(), colls, sizes, nodes, core::parse_datatype(a.datatype));
  const std::string text = a.format == "json"   ? model::what_if_json(w).dump(2) + "\n"
                           : a.format == "html" ? report::what_if_html(w)
                                                : report::what_if_markdown(w);
  write_output(a.out, text, "--out");
  if (a.out != "-")
    std::fprintf(stderr, "whatif: %zu predictions (%zu node counts x %zu sizes x %zu collectives), PREDICTED -> %s (%s)\n",
                 w.points.size(), nodes.size(), sizes.size(), colls.size(), a.out.c_str(), a.format.c_str());
  return 0;
}

}  // namespace collbench::app
