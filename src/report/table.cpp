#include "report/table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>

#include "core/size.hpp"

namespace collbench::report {

std::string float_cell(double value, int width) {
  int power = 0;
  for (double v = 1.0; value >= v && power < 400; v *= 10.0) ++power;
  if (power < width - 2) return fmt::format("{:>{}.2f}", value, width);
  if (power < width - 1) return fmt::format("{:>{}.1f}", value, width);
  if (power < width + 1) return fmt::format("{:>{}.0f}", value, width);
  if (width >= 7) return fmt::format("{:>{}.1e}", value, width);
  return fmt::format("{:>{}.0e}", value, width);
}

std::string describe_launch(const results::RunMetadata& meta) {
  if (!meta.launch) return "";
  const core::LaunchInfo& l = *meta.launch;
  std::string out;
  if (l.launcher != "none") out = "Launched by " + (l.launcher == "collbench-launch" ? std::string("collbench launch") : l.launcher);
  // Without MPI the ranks met at NCCL's rendezvous; the control plane runs over NCCL.
  if (l.control_plane == "nccl")
    out += fmt::format(" without MPI: rendezvous {} ({}), control plane over NCCL", l.rendezvous, l.rendezvous_source);
  if (l.slurm) {
    const core::SlurmJob& s = *l.slurm;
    out += fmt::format("{}Slurm job {}", out.empty() ? "In " : ": ", s.job_id);
    if (!s.array_job_id.empty()) out += fmt::format(" (array {}_{})", s.array_job_id, s.array_task_id);
    if (!s.step_id.empty()) out += " step " + s.step_id;
    std::vector<std::string> where;
    if (!s.cluster.empty()) where.push_back("cluster " + s.cluster);
    if (!s.partition.empty()) where.push_back("partition " + s.partition);
    if (!where.empty()) out += fmt::format(" ({})", fmt::join(where, ", "));
    if (!s.nodelist.empty()) out += ", nodes " + s.nodelist;
    if (!s.tasks_per_node.empty()) out += fmt::format(", tasks per node {}", fmt::join(s.tasks_per_node, ","));
  }
  if (l.oversubscribed)
    out += fmt::format(" ({} tasks on {} CPUs: oversubscribed{})", l.local_tasks, l.cpus,
                       l.set_yield_when_idle ? ", OMPI_MCA_mpi_yield_when_idle=1 set" : "");
  return out;
}

void TablePrinter::note(std::string_view text) { fmt::print(m_out, "# {}\n", text); }

void TablePrinter::preamble(const results::RunMetadata& meta) {
  fmt::print(m_out, "# collbench {} run: backend {}{} ({}), timer {}\n", meta.version, meta.backend,
             meta.predicted ? " [PREDICTED, not measured]" : "", meta.backend_library, meta.timer);
  if (meta.standin)
    fmt::print(m_out, "# STAND-IN: CUDA and NCCL are collbench's CPU stand-ins (tests/standin); devices are simulated and "
                      "every time below is simulated, not a GPU measurement\n");
  auto setting = [&](const char* key) {
    auto it = meta.settings.find(key);
    return it == meta.settings.end() ? std::string("-") : it->second;
  };
  fmt::print(m_out, "# nRanks {} minBytes {} maxBytes {} step: {} warmup iters: {} iters: {} validation: {} placement: {}\n",
             meta.nranks, setting("minbytes"), setting("maxbytes"), setting("step"), setting("warmup_iters"),
             setting("iters"), setting("check"), setting("placement"));
  if (const std::string launch = describe_launch(meta); !launch.empty()) fmt::print(m_out, "# {}\n", launch);
  // A prediction ran nothing: it has no ranks or devices to list (its hosts are empty), only the
  // described topology in its backend details.
  if (meta.predicted)
    fmt::print(m_out, "#\n# PREDICTED by NCCL's cost model for a described topology: no collective ran, no number below was measured\n");
  else
    fmt::print(m_out, "#\n# Using devices\n");
  // nccl-tests' form for GPUs: rank, host, device index, PCI bus id and model.
  auto device_of = [&meta](int r) -> const results::DeviceRecord* {
    for (const auto& d : meta.devices)
      if (d.rank == r) return &d;
    return nullptr;
  };
  for (const auto& h : meta.hosts)
    for (int r : h.ranks) {
      if (const results::DeviceRecord* d = device_of(r)) {
        auto get = [d](const char* k) { auto it = d->details.find(k); return it == d->details.end() ? std::string("?") : it->second; };
        fmt::print(m_out, "#  Rank {:>2} on {:>10} device {:>2} [{}] {}\n", r, h.host, get("device_index"), get("pci_bus_id"), get("gpu"));
      } else {
        fmt::print(m_out, "#  Rank {:>2} on {:>10} {}\n", r, h.host, meta.backend == "mpi" ? "host memory" : meta.backend);
      }
    }
  for (const auto& [key, value] : meta.backend_details) fmt::print(m_out, "# {}: {}\n", key, value);
  std::fflush(m_out);
}

void TablePrinter::begin_collective(std::string_view collective, std::string_view nccl_tests_name,
                                    const std::vector<bool>& placements) {
  m_name = std::string(nccl_tests_name);
  m_placements = placements;
  m_rows.clear();
  m_notes.clear();
  m_wrong = 0;
  m_any_unchecked = false;
  fmt::print(m_out, "#\n# Collective test starting: {} (collbench {})\n#\n", nccl_tests_name, collective);
  if (m_nccl_tests)
    fmt::print(m_out, "# time, algbw, busbw: nccl-tests' figure (the mean over ranks of each rank's mean iteration time, "
                      "as nccl-tests -a 1 prints it)\n");
  std::string top = fmt::format("# {:>10}  {:>12}  {:>8}  {:>6}  {:>6}", "", "", "", "", "");
  std::string names = fmt::format("# {:>10}  {:>12}  {:>8}  {:>6}  {:>6}", "size", "count", "type", "redop", "root");
  std::string units = fmt::format("# {:>10}  {:>12}  {:>8}  {:>6}  {:>6}", "(B)", "(elements)", "", "", "");
  for (bool in_place : placements) {
    top += fmt::format("  {:^31}", in_place ? "in-place" : "out-of-place");
    names += fmt::format("  {:>7}  {:>6}  {:>6}  {:>6}", "time", "algbw", "busbw", "#wrong");
    units += fmt::format("  {:>7}  {:>6}  {:>6}  {:>6}", "(us)", "(GB/s)", "(GB/s)", "");
  }
  fmt::print(m_out, "{}\n{}\n{}\n", top, names, units);
  std::fflush(m_out);
}

void TablePrinter::cell(const results::ResultRecord& r) {
  if (r.status == "failed" || r.status == "timeout") {  // nothing measured: the reason is a note below
    fmt::print(m_out, "  {:>7}  {:>6}  {:>6}  {:>6}", "N/A", "N/A", "N/A", r.status);
    return;
  }
  if (!m_nccl_tests)
    fmt::print(m_out, "  {:>7}  {:>6}  {:>6}", float_cell(r.time_us.p50, 7), float_cell(r.algbw_gbps, 6),
               float_cell(r.busbw_gbps, 6));
  else if (r.nccl_tests)
    fmt::print(m_out, "  {:>7}  {:>6}  {:>6}", float_cell(r.nccl_tests->time_us, 7), float_cell(r.nccl_tests->algbw_gbps, 6),
               float_cell(r.nccl_tests->busbw_gbps, 6));
  else
    fmt::print(m_out, "  {:>7}  {:>6}  {:>6}", "N/A", "N/A", "N/A");
  if (r.checked) fmt::print(m_out, "  {:>6}", r.wrong);
  else fmt::print(m_out, "     N/A");
}

void TablePrinter::row(std::span<const results::ResultRecord> records) {
  if (records.empty()) return;
  const results::ResultRecord& first = records.front();
  if (first.status == "skipped") {
    fmt::print(m_out, "# {:>10}  skipped: {}\n", first.requested_bytes, first.error);
    std::fflush(m_out);
    return;
  }
  fmt::print(m_out, "{:>12}  {:>12}  {:>8}  {:>6}  {:>6}", first.bytes, first.count, first.datatype, first.op, first.root);
  for (const auto& r : records) {
    cell(r);
    if (r.status == "failed" || r.status == "timeout") {
      m_notes.push_back(fmt::format("{}: {} {} {}: {}", r.status, r.collective, core::format_size(r.bytes), r.placement, r.error));
      continue;
    }
    m_rows.push_back(r);
    if (r.checked) m_wrong += r.wrong;
    else m_any_unchecked = true;
    if (r.straggler)
      m_notes.push_back(fmt::format("straggler: {} {} {}: rank {} on {} spends {:.1f} us per iteration outside the "
                                    "call, others {:.1f} us: the others wait for it",
                                    r.collective, core::format_size(r.bytes), r.placement, r.straggler->rank,
                                    r.straggler->host, r.straggler->outside_call_us, r.straggler->others_us));
  }
  fmt::print(m_out, "\n");
  std::fflush(m_out);
}

// Predictions have no spread; what they do have is NCCL's choice per size.
void TablePrinter::predicted_choices() {
  fmt::print(m_out, "#\n# PREDICTED: NCCL's default choice (the cost model's argmin) and its estimated time\n");
  fmt::print(m_out, "# {:>10}  {:>12}  {:>14}  {:>6}  {:>8}  {:>10}\n", "size", "placement", "algorithm", "proto", "channels",
             "time (us)");
  for (const auto& r : m_rows) {
    auto note = [&r](const char* k) { auto it = r.backend_notes.find(k); return it == r.backend_notes.end() ? std::string("-") : it->second; };
    fmt::print(m_out, "# {:>10}  {:>12}  {:>14}  {:>6}  {:>8}  {:>10}\n", r.bytes, r.placement, note("nccl_algo"),
               note("nccl_proto"), note("nccl_channels"), note("nccl_estimated_us"));
  }
}

void TablePrinter::tail_latency() {
  if (m_rows.empty()) return;
  if (m_rows.front().backend_notes.count("predicted")) return predicted_choices();
  fmt::print(m_out, "#\n# Tail latency (us; an iteration's time is the max over ranks)\n");
  fmt::print(m_out, "# {:>10}  {:>12}  {:>7}  {:>7}  {:>7}  {:>7}  {:>7}  {:>7}  {:>6}  {:>7}  {:>6}\n", "size",
             "placement", "min", "p50", "p90", "p99", "p99.9", "max", "cv%", "ci95±%", "iters");
  for (const auto& r : m_rows)
    fmt::print(m_out, "# {:>10}  {:>12}  {}  {}  {}  {}  {}  {}  {}  {}  {:>6}\n", r.bytes, r.placement,
               float_cell(r.time_us.min, 7), float_cell(r.time_us.p50, 7), float_cell(r.time_us.p90, 7),
               float_cell(r.time_us.p99, 7), float_cell(r.time_us.p999, 7), float_cell(r.time_us.max, 7),
               float_cell(100.0 * r.time_us.cv, 6), float_cell(100.0 * r.time_us.median_ci.rel_half_width, 7), r.iters);
}

void TablePrinter::end_collective() {
  // nccl-tests' footer: the mean busbw over every printed cell, whichever figure the cells hold.
  double sum = 0.0;
  std::size_t cells = 0;
  for (const auto& r : m_rows) {
    if (m_nccl_tests && !r.nccl_tests) continue;
    sum += m_nccl_tests ? r.nccl_tests->busbw_gbps : r.busbw_gbps;
    ++cells;
  }
  const double avg = cells == 0 ? 0.0 : sum / static_cast<double>(cells);
  if (m_any_unchecked && m_wrong == 0) fmt::print(m_out, "# Out of bounds values : N/A\n");
  else fmt::print(m_out, "# Out of bounds values : {} {}\n", m_wrong, m_wrong == 0 ? "OK" : "FAILED");
  fmt::print(m_out, "# Avg bus bandwidth    : {:g} \n", avg);
  tail_latency();
  for (const auto& n : m_notes) fmt::print(m_out, "# {}\n", n);
  fmt::print(m_out, "#\n# Collective test concluded: {}\n#\n", m_name);
  std::fflush(m_out);
}

}  // namespace collbench::report
