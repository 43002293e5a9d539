#include "ingest/builder.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/redop.hpp"
#include "core/traffic.hpp"
#include "ingest/algbw_definition.hpp"
#include "results/metadata.hpp"
#include "stats/bandwidth.hpp"
#include "stats/summary.hpp"

namespace collbench::ingest {

std::string collective_of_program(std::string_view program) {
  // A build's NAME_SUFFIX follows "_perf" (nccl-tests src/Makefile:38, README: `make MPI=1
  // NAME_SUFFIX=_mpi` gives all_reduce_perf_mpi).
  if (const auto at = program.rfind("_perf"); at != std::string_view::npos) program = program.substr(0, at + 5);
  const auto c = core::find_nccl_tests_program(program);
  return c ? std::string(core::name(*c)) : std::string();
}

std::string default_label(const std::string& path) {
  std::filesystem::path p(path);
  std::string stem = p.stem().string();
  return stem.empty() ? p.filename().string() : stem;
}

namespace detail {
namespace {

// nccl-tests' type names are collbench's; rccl-tests and older builds have a few others.
std::optional<std::string> datatype_name(const std::string& printed) {
  try {
    return std::string(core::name(core::parse_datatype(printed)));
  } catch (const core::InputError&) {
    return std::nullopt;
  }
}

std::optional<std::string> op_name(const std::string& printed) {
  if (printed == "none") return printed;
  try {
    return std::string(core::name(core::parse_redop(printed)));
  } catch (const core::InputError&) {
    return std::nullopt;
  }
}

// strtol(s, NULL, 0) as nccl-tests reads -a (src/common.cu:1301): leading blanks, a sign, then
// decimal, 0x hex or 0 octal digits as far as they go; 0 when there are none.
int strtol_int(const std::string& s) {
  return static_cast<int>(std::strtol(s.c_str(), nullptr, 0));
}

// The mode's meaning, for notes (src/common.cu:119, 320-326).
std::string average_name(int mode) {
  switch (mode) {
    case 0: return "rank 0's time";
    case 2: return "the minimum over ranks";
    case 3: return "the maximum over ranks";
    case 4: return "the sum over ranks";
    default: return fmt::format("mode {}", mode);
  }
}

}  // namespace

int average_mode(const std::vector<std::string>& args) {
  int mode = 1;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool next = i + 1 < args.size();
    if ((a == "-a" || a == "--average") && next) mode = strtol_int(args[++i]);
    else if (a.starts_with("--average=")) mode = strtol_int(a.substr(10));
    else if (a.starts_with("-a") && a.size() > 2 && !a.starts_with("--")) mode = strtol_int(a.substr(2));
  }
  return mode;
}

std::optional<int> command_line_average(std::string_view line, std::string_view program) {
  const std::size_t at = line.rfind(program);
  if (program.empty() || at == std::string_view::npos) return std::nullopt;
  std::size_t i = line.find_first_of(" \t", at + program.size());
  std::vector<std::string> args;
  while (i < line.size()) {
    i = line.find_first_not_of(" \t\r", i);
    if (i == std::string_view::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t\r", i), line.size());
    args.emplace_back(line.substr(i, end - i));
    i = end;
  }
  if (args.empty()) return std::nullopt;
  return average_mode(args);
}

namespace {

// strtod of the whole string, as alltoallv.cu:157-168 reads its variables; nullopt otherwise.
std::optional<double> whole_number(std::string_view text) {
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE) return std::nullopt;
  return v;
}

std::string generated_traffic(double spread) {
  return core::Traffic::generated(std::clamp(spread, 0.0, 1.0)).describe();
}

}  // namespace

std::string alltoallv_traffic_of_env(const std::map<std::string, std::string>& env) {
  const auto get = [&env](const char* key) {
    const auto it = env.find(key);
    return it == env.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
  };
  if (const auto file = get("NCCL_TESTS_ALLTOALLV_MATRIX_FILE")) {
    double scale = 1.0;
    if (const auto s = get("NCCL_TESTS_ALLTOALLV_MATRIX_SCALE"))
      if (const auto v = whole_number(*s)) scale = std::max(*v, 0.0);
    return fmt::format("matrix {} (scale {:g}; bytes rank i sends rank j, 16-byte aligned)", *file, scale);
  }
  double spread = 1.0;
  if (const auto s = get("NCCL_TESTS_ALLTOALLV_SPREAD"))
    if (const auto v = whole_number(*s)) spread = *v;
  return generated_traffic(spread);
}

std::string alltoallv_traffic_of_summary(const std::vector<std::string_view>& words) {
  std::map<std::string_view, std::string_view> kv;
  for (const std::string_view w : words)
    if (const auto eq = w.find('='); eq != std::string_view::npos) kv[w.substr(0, eq)] = w.substr(eq + 1);
  const auto number = [&kv](std::string_view key) {
    const auto it = kv.find(key);
    return it == kv.end() ? std::nullopt : whole_number(it->second);
  };
  if (kv["mode"] == "generated") {
    const auto spread = number("spread");
    return spread ? generated_traffic(*spread) : "";
  }
  if (kv["mode"] == "matrix") {
    const auto dim = number("matrix_dim"), scale = number("scale");
    if (!dim || !scale) return "";
    return fmt::format("matrix ({:g}x{:g}, scale {:g}; bytes rank i sends rank j, 16-byte aligned)", *dim, *dim, *scale);
  }
  return "";
}

std::string nccl_version_of(int code) {
  if (code >= 10000) return fmt::format("{}.{}.{}", code / 10000, code % 10000 / 100, code % 100);
  if (code > 0) return fmt::format("{}.{}.{}", code / 1000, code % 1000 / 100, code % 100);
  return "";
}

int nranks_from_factor(const std::string& collective, double algbw, double busbw) {
  if (!(algbw > 0) || !(busbw > 0)) return 0;
  const double f = busbw / algbw;
  double n = 0;
  if (collective == "allreduce") {
    if (f >= 2.0) return 0;
    n = 2.0 / (2.0 - f);
  } else if (collective == "allgather" || collective == "reducescatter" || collective == "alltoall" ||
             collective == "alltoallv") {
    if (f >= 1.0) return 0;
    n = 1.0 / (1.0 - f);
  } else {
    return 0;
  }
  const double rounded = std::round(n);
  // Printed with two decimals: only trust a ratio that lands near an integer.
  return (rounded >= 1 && std::abs(n - rounded) < 0.05 * rounded) ? static_cast<int>(rounded) : 0;
}

std::string infer_collective(const std::string& op, std::optional<int> root, std::uint64_t bytes, std::uint64_t count,
                             int element_bytes, int nranks) {
  const bool rooted = root && *root >= 0;
  const std::uint64_t one = count * static_cast<std::uint64_t>(element_bytes);
  if (op != "none") {
    if (rooted) return "reduce";
    if (one == bytes) return "allreduce";
    if (nranks > 0 && one * static_cast<std::uint64_t>(nranks) == bytes) return "reducescatter";
    return "";
  }
  if (rooted) return "broadcast";
  return "";  // allgather and alltoall print the same columns
}

std::string RowContext::where(const std::string& file) const {
  return json ? fmt::format("{} results[{}]", file, index) : fmt::format("{}:{}", file, line);
}

Builder::Builder(std::string name, const ImportOptions& options) : m_name(std::move(name)), m_options(options) {
  m_doc.metadata.tool = "nccl-tests";
  m_doc.metadata.backend = "nccl";
  // No timer is claimed: nccl-tests' main figure is a host clock around the loop, but what a log
  // went through (its version, -C, -I, rccl-tests) cannot always be told from the text.
  m_doc.metadata.imported.emplace();
  m_doc.metadata.imported->source = m_name;
  m_doc.metadata.imported->tool = "nccl-tests";
  m_doc.metadata.imported->avg_busbw_gbps = kNaN;
}

void Builder::note(const std::string& text) {
  if (m_notes_seen.insert(text).second) info().notes.push_back(text);
}

void Builder::set_devices(const std::vector<results::DeviceRecord>& devices) {
  if (devices.empty()) return;
  if (!m_doc.metadata.devices.empty()) {
    std::vector<std::string> a, b;
    for (const auto& d : m_doc.metadata.devices) a.push_back(d.host + "/" + d.details.at("device_index"));
    for (const auto& d : devices) b.push_back(d.host + "/" + d.details.at("device_index"));
    if (a != b) note("the log holds runs on different devices; hosts and devices are the first run's");
    return;
  }
  m_doc.metadata.devices = devices;
  // Hosts in the order of their lowest rank, each with the ranks the list shows (an elided list
  // shows some: 0-7 and 56-63 stay 0-7 and 56-63). No array indexed by rank: a rank is a number
  // the log printed.
  std::vector<const results::DeviceRecord*> by_rank;
  for (const auto& d : devices) by_rank.push_back(&d);
  std::sort(by_rank.begin(), by_rank.end(), [](const auto* a, const auto* b) { return a->rank < b->rank; });
  std::vector<results::HostRanks> hosts;
  for (const auto* d : by_rank) {
    auto it = std::find_if(hosts.begin(), hosts.end(), [&](const results::HostRanks& h) { return h.host == d->host; });
    if (it == hosts.end()) it = hosts.insert(hosts.end(), {d->host, {}, ""});
    it->ranks.push_back(d->rank);
  }
  m_doc.metadata.hosts = std::move(hosts);
  m_doc.metadata.nranks = std::max(m_doc.metadata.nranks, by_rank.back()->rank + 1);
}

void Builder::add_row(const RowContext& row, const std::vector<std::pair<std::string, Measurement>>& parts) {
  const std::string collective = m_options.collective.empty() ? row.collective : m_options.collective;
  if (collective.empty()) {
    ++m_skipped[fmt::format("rows of {} (collbench imports all_reduce, all_gather, reduce_scatter, alltoall, "
                            "broadcast, reduce, sendrecv and alltoallv)", row.program.empty() ? "an unknown test" : row.program)];
    return;
  }
  const auto dtype = datatype_name(row.datatype);
  if (!dtype) {
    ++m_skipped[fmt::format("rows of data type '{}' (not a type collbench knows)", row.datatype)];
    return;
  }
  // sendrecv_perf prints the op it loops over (sum by default, sendrecv.cu:99-124; -o all adds
  // mulsum, which collbench does not model) though none is applied; collbench's records of a
  // collective without an op say "none", so the two match.
  const auto coll = core::find_collective(collective);
  const bool opless = coll && !core::takes_op(*coll);
  auto op = op_name(row.op);
  if (opless && (op || row.op == "mulsum")) op = "none";
  if (!op) {
    ++m_skipped[fmt::format("rows of op '{}' (not an op collbench knows)", row.op)];
    return;
  }
  if (opless && row.op != "none" && !row.op.empty()) m_printed_ops[collective].insert(row.op);
  for (const auto& [placement, m] : parts) {
    // A duration is positive and a bandwidth is not negative: anything else is a damaged row, which
    // would show as "latency floor -5" in a report.
    const auto bad = [](double v, bool positive) { return std::isfinite(v) && (positive ? !(v > 0) : v < 0); };
    const char* what = bad(m.time_us, true) ? "time" : bad(m.algbw, false) ? "algbw" : bad(m.busbw, false) ? "busbw" : nullptr;
    if (what != nullptr) {
      const double v = what[0] == 't' ? m.time_us : what[0] == 'a' ? m.algbw : m.busbw;
      drop_row(fmt::format("{}: {} {} {}: expected a positive time and bandwidths of 0 or more; not imported",
                           row.where(m_name), placement, what, v));
      continue;
    }
    add(row, collective, *dtype, *op, placement, m);
  }
}

void Builder::drop_row(const std::string& text) {
  m_dropped = true;
  note(text);
}

void Builder::add(const RowContext& row, const std::string& collective, const std::string& datatype, const std::string& op,
                  const std::string& placement, const Measurement& m) {
  results::ResultRecord r;
  std::vector<std::string>& missing = r.missing;
  missing.reserve(16);
  r.collective = collective;
  r.bytes = row.bytes;
  r.requested_bytes = row.bytes;
  missing.push_back("requested_bytes");
  r.count = row.count;
  r.datatype = datatype;
  r.op = op;
  if (row.root) {
    r.root = *row.root;
  } else {
    r.root = -1;
    if (collective == "broadcast" || collective == "reduce") missing.push_back("root");
  }
  r.placement = placement;
  r.nranks = row.nranks;
  if (row.nranks <= 0) missing.push_back("nranks");
  r.wrong = m.wrong;
  // A printed count is a check. So is the <= 2.11 'error' column (the largest deviation, nccl-tests
  // v2.11.0 src/common.cu) under the header's "validation: 1"; N/A (validation: 0, or in-place
  // alltoall, which nccl-tests does not verify) is none.
  r.checked = m.wrong >= 0 || (!m.max_error.empty() && m.max_error != "N/A" && row.validation.value_or(false));
  if (m.wrong < 0) missing.push_back("wrong");
  if (!m.max_error.empty()) r.backend_notes["max_abs_error"] = m.max_error;
  r.status = m.wrong > 0 ? "wrong" : "ok";
  r.warmup_iters = row.warmup_iters;
  r.iters = row.iters;
  if (!row.iters_known) missing.insert(missing.end(), {"iters", "warmup_iters"});
  r.stop_reason = "iters";
  r.backend_notes[row.json ? "source_index" : "source_line"] = std::to_string(row.json ? row.index : row.line);

  stats::Summary& t = r.time_us;
  if (!m.samples_us.empty()) {
    t = stats::summarize(m.samples_us);
    r.samples_us = m.samples_us;
  } else {
    t.n = row.iters_known ? static_cast<std::size_t>(row.iters) : 0;
    t.mean = m.time_us;
    t.min = m.min_us, t.max = m.max_us, t.p50 = m.p50_us, t.p99 = m.p99_us, t.cv = m.cv;
    t.p90 = t.p999 = t.stddev = kNaN;
    t.median_ci = {kNaN, kNaN, kNaN, kNaN};
    if (std::isfinite(t.cv) && std::isfinite(t.mean)) t.stddev = t.cv * t.mean;
    const std::pair<const char*, double> parts[] = {{"time_us.min", t.min}, {"time_us.p50", t.p50}, {"time_us.p90", t.p90},
                                                    {"time_us.p99", t.p99}, {"time_us.p999", t.p999}, {"time_us.max", t.max},
                                                    {"time_us.stddev", t.stddev}, {"time_us.cv", t.cv}};
    for (const auto& [key, value] : parts)
      if (!std::isfinite(value)) missing.push_back(key);
    missing.push_back("time_us.median_ci");
    missing.push_back("samples_us");
    if (!row.iters_known) missing.push_back("time_us.n");
  }
  if (!m.samples_us.empty() && std::isfinite(m.time_us)) r.backend_notes["host_time_us"] = fmt::format("{}", m.time_us);
  // algbw = size / time in every nccl-tests test; busbw = algbw x the collective's factor.
  // Recomputed from the printed time (more digits than the printed bandwidths at small sizes);
  // the printed value is kept when the ranks are not known.
  const double mean_us = std::isfinite(m.time_us) ? m.time_us : t.mean;
  const double factor = core::bus_factor(collective, row.nranks);
  if (mean_us > 0) {
    r.algbw_mean_gbps = stats::algbw_gbps(row.bytes, mean_us);
    r.busbw_mean_gbps = factor > 0 ? r.algbw_mean_gbps * factor : m.busbw;
  } else {
    r.algbw_mean_gbps = m.algbw;
    r.busbw_mean_gbps = m.busbw;
  }
  if (std::isfinite(m.busbw) && factor > 0 && std::isfinite(r.busbw_mean_gbps) &&
      std::abs(r.busbw_mean_gbps - m.busbw) > std::max(0.011, 0.02 * m.busbw)) {
    note(fmt::format("{}: busbw printed {} differs from size / time x factor = {:.4g} (the log's -a averaging "
                     "or a different rank count?); the printed value is kept", row.where(m_name), m.busbw, r.busbw_mean_gbps));
    r.busbw_mean_gbps = m.busbw;
  }
  if (std::isfinite(t.p50) && t.p50 > 0) {
    r.algbw_gbps = stats::algbw_gbps(row.bytes, t.p50);
    r.busbw_gbps = factor > 0 ? r.algbw_gbps * factor : kNaN;
  } else {
    r.algbw_gbps = r.busbw_gbps = kNaN;
    missing.insert(missing.end(), {"algbw_gbps", "busbw_gbps"});
  }
  missing.push_back("per_rank");
  nccl_tests_figure(row, m, r);
  // What the row printed, kept as it was: the figures above are recomputed (more digits, today's
  // algbw definition), these are the log's.
  r.printed = results::PrintedFigure{m.time_us, m.algbw, m.busbw};

  // The case's repetition: how often the log printed it before (-N cycles, a log of several runs).
  std::uint64_t key = core::fnv1a(r.collective);
  key = core::fnv1a(r.datatype, key ^ 0x1f);
  key = core::fnv1a(r.op, key ^ 0x2f);
  key = core::fnv1a(r.placement, key ^ 0x3f);
  for (const std::uint64_t x : {std::uint64_t(r.bytes), std::uint64_t(std::uint32_t(r.root)), std::uint64_t(r.nranks)})
    key = (key ^ x) * 1099511628211ull;
  m_reps.push_back(m_seen[key]++);
  m_doc.results.push_back(std::move(r));
}

// The printed time is nccl-tests' figure (results::NcclTestsFigure) when the log ran with its
// default -a 1: each process's mean time, averaged over ranks. With another -a it is rank 0's, the
// min or the max over ranks; with -C 1 a host enqueue time: no figure then, and a note says why.
// The bandwidths are the record's algbw/busbw_mean_gbps: from the printed time, or as printed.
void Builder::nccl_tests_figure(const RowContext& row, const Measurement& m, results::ResultRecord& r) {
  const bool timed = std::isfinite(m.time_us) && m.time_us > 0;
  if (timed && row.average == 1 && !m.host_enqueue) {
    r.nccl_tests = results::NcclTestsFigure{m.time_us, r.algbw_mean_gbps, r.busbw_mean_gbps};
    return;
  }
  r.missing.push_back("nccl_tests");
  if (row.average != 1)
    note(fmt::format("the log's command line sets -a {} ({}), not nccl-tests' default -a 1 (the mean over ranks): its "
                     "times are not nccl-tests' usual figure, and its records carry no nccl_tests figure",
                     row.average, average_name(row.average)));
  else if (m.host_enqueue)
    note("host enqueue times (-C 1) are not nccl-tests' figure: records carry no nccl_tests figure");
}

std::size_t Builder::skipped_rows() const {
  std::size_t n = 0;
  for (const auto& [why, rows] : m_skipped) n += static_cast<std::size_t>(rows);
  return n;
}

// Which algbw the log's all_gather / reduce_scatter tables printed (nccl-tests #45): by the printed
// version, else from each table's rows. The records' algbw_mean_gbps is size / time whatever it is.
void Builder::record_algbw_definition() {
  const auto by_version = definition_of_version(info().tool, info().tool_version);
  const auto tables = algbw_tables(m_doc.results, by_version);
  info().algbw_definition = document_definition(tables);
  for (const AlgbwTable& t : tables) {
    if (t.definition != AlgbwDefinition::pre_2020) continue;
    const auto& notes = m_doc.results[t.first].backend_notes;
    const auto line = notes.find("source_line"), index = notes.find("source_index");
    const std::string where = line != notes.end()    ? fmt::format("{}:{}", m_name, line->second)
                              : index != notes.end() ? fmt::format("{} results[{}]", m_name, index->second)
                                                     : m_name;
    note(fmt::format("{}: the {} table prints algbw as nccl-tests did before mid-2020 (nccl-tests #45, fixed by "
                     "ec1b5e2): size x (n-1)/n / time, with busbw = algbw; printed.algbw_gbps keeps it, "
                     "algbw_mean_gbps is today's size / time (busbw is the same in both)",
                     where, t.collective));
  }
}

ImportedLog Builder::finish(bool failed) {
  for (const auto& [why, rows] : m_skipped) note(fmt::format("{} {} skipped", rows, why));
  // Merged: sendrecv_perf -o all times the same transfer once per op; as op none they are one case.
  for (const auto& [collective, ops] : m_printed_ops) {
    if (ops.size() < 2) continue;
    std::string list;
    for (const auto& o : ops) list += (list.empty() ? "" : ", ") + o;
    note(fmt::format("{} rows printed under {} ops ({}; -o all): no op is applied, so each size's rows are "
                     "repetitions of one case, op none (rep 0, 1 …)", collective, ops.size(), list));
  }
  record_algbw_definition();
  auto& inf = info();
  // What no record has: the intersection of the records' missing lists (most are the same list).
  if (!m_doc.results.empty()) {
    std::vector<std::string> common = m_doc.results.front().missing;
    std::sort(common.begin(), common.end());
    const std::vector<std::string>* last = &m_doc.results.front().missing;
    for (const auto& r : m_doc.results) {
      if (r.missing == *last) continue;
      last = &r.missing;
      std::vector<std::string> mine = r.missing, keep;
      std::sort(mine.begin(), mine.end());
      std::set_intersection(common.begin(), common.end(), mine.begin(), mine.end(), std::back_inserter(keep));
      common = std::move(keep);
    }
    inf.missing = common;
  }
  for (const auto& r : m_doc.results) m_doc.metadata.nranks = std::max(m_doc.metadata.nranks, r.nranks);
  bool wrong = false;
  for (const auto& r : m_doc.results) wrong = wrong || r.wrong > 0;
  if (m_dropped) inf.complete = false;
  if (failed) {
    m_doc.status = "failed";
  } else if (!m_ended.value_or(inf.complete)) {
    m_doc.status = "running";
  } else {
    m_doc.status = wrong ? "wrong" : "ok";
  }
  ImportedLog out;
  out.label = m_options.label.empty() ? default_label(m_name) : m_options.label;
  out.doc = std::move(m_doc);
  out.reps = std::move(m_reps);
  return out;
}

}  // namespace detail
}  // namespace collbench::ingest
