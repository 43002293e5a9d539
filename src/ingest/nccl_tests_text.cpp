// The text table of nccl-tests and rccl-tests, every generation, inside whatever the launcher and
// NCCL printed around it. One pass over the lines; a table's rows are held until the table ends
// so that the ranks (and, when the log names no test, the collective) can be read from the rows.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "ingest/builder.hpp"
#include "ingest/nccl_tests.hpp"
#include "ingest/text_lines.hpp"
#include "ingest/text_preamble.hpp"

namespace collbench::ingest {
namespace {

using detail::contains;
using detail::is_digit;
using detail::kMaxDeviceRank;
using detail::kNaN;
using detail::Measurement;
using detail::parse_int;
using detail::parse_num;
using detail::parse_u64;
using detail::program_in;
using detail::RowContext;
using detail::split;
using detail::starts_with;
using detail::strip_launcher;
using detail::trim;

struct Group {
  bool wrong_column = true;  // "#wrong"; false: "error" (<= 2.11)
  bool cputime = false;      // "cputime" (-C 1) instead of "time"
  bool millis = false;       // 2017-2019 ("bytes N type op … res"): times in ms ("%7.3f" of deltaSec * 1e3)
  bool per_iter = false;     // i_min i_max i_p99 i_cv%
  std::size_t width() const { return 4 + (per_iter ? 4 : 0); }
};

// A table's columns. Since 2.13 every test prints "size count type redop root"; before, each test
// printed its own: all_gather/sendrecv "size count type", broadcast/gather/scatter "... type
// root", reduce "... type redop root", all_reduce/reduce_scatter/alltoall "... type redop" (and
// alltoall printed an empty redop, so its rows have one token fewer than its header) — nccl-tests
// v2.11.0 src/<test>.cu:11-19.
struct Layout {
  bool redop = true;
  bool root = true;
  std::vector<Group> groups;
  std::vector<std::string> placements;
  std::string stream;
  std::size_t preamble() const { return 3 + (redop ? 1 : 0) + (root ? 1 : 0); }
  std::size_t width() const {
    std::size_t w = preamble();
    for (const auto& g : groups) w += g.width();
    return w;
  }
};

struct PendingRow {
  RowContext ctx;
  std::vector<std::pair<std::string, Measurement>> parts;
  std::size_t line = 0;
};

class TextReader {
 public:
  TextReader(std::string_view text, std::string name, const ImportOptions& options)
      : m_text(text), m_name(std::move(name)), m_collective(options.collective), m_b(m_name, options) {}

  ImportedLog read() {
    m_b.reserve(m_text.size() / 64);  // a table row is about 130 bytes and gives two records
    std::size_t pos = 0;
    std::size_t lineno = 0;
    while (pos < m_text.size()) {
      std::size_t nl = m_text.find('\n', pos);
      const bool last_unterminated = nl == std::string_view::npos;
      if (last_unterminated) nl = m_text.size();
      ++lineno;
      line(m_text.substr(pos, nl - pos), lineno, last_unterminated);
      pos = nl + 1;
    }
    end_table();
    if (!m_saw_header) {
      throw core::InputError(fmt::format(
          "'{}': not an nccl-tests or rccl-tests log: no results table (a '#  size  count  type  redop … busbw' header) "
          "found",
          m_name));
    }
    if (m_b.records() == 0 && !m_skipped_tables.empty()) throw core::InputError(m_skipped_tables.front());
    if (m_b.records() == 0) {
      throw core::InputError(fmt::format("'{}': the nccl-tests table has no data rows collbench can import{}", m_name,
                                         m_b.skipped_rows() ? " (every row was of a test or type it does not model)" : ""));
    }
    auto& info = m_b.info();
    info.complete = m_footer_seen && !m_edited;
    m_b.set_ended(m_footer_seen);
    if (!m_footer_seen) m_b.note("the log ends before its footer ('# Out of bounds values' / 'Avg bus bandwidth'): it was cut off");
    if (m_blocks > 1) m_b.note(fmt::format("the log holds {} runs", m_blocks));
    if (contains(info.program, "alltoallv_perf") && !m_b.metadata().settings.count("alltoallv_traffic"))
      m_b.note("alltoallv_perf's table does not say which traffic ran (NCCL_TESTS_ALLTOALLV_SPREAD, _MATRIX_FILE: only "
               "its -J JSON and NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY=1 do): compare it with a run of the same traffic");
    return m_b.finish(m_failed);
  }

 private:
  void line(std::string_view raw, std::size_t lineno, bool unterminated) {
    std::string_view stream;
    std::string_view s = trim(strip_launcher(raw, stream));
    if (s.empty()) return;
    const bool hashed = s.front() == '#';
    std::string_view body = hashed ? trim(s.substr(1)) : s;
    const bool after_device = m_last_device;
    m_last_device = false;

    // Data rows: the bulk of the work, so first.
    if (!hashed && m_table && is_digit(s.front())) {
      if (stream != m_layout.stream) return;  // another process's table (a build without MPI)
      if (!m_split.empty() || contains(s, kSummary)) return split_row(s, lineno, unterminated);
      row(s, lineno, unterminated);
      return;
    }
    if (starts_with(body, "...") || starts_with(body, "\u2026") || starts_with(body, "Truncated") ||
        starts_with(body, "truncated"))
      return edited(body, lineno, after_device);
    if (contains(s, "Test failure") || contains(s, "Test NCCL failure") || contains(s, "Test CUDA failure") ||
        contains(s, "Test timeout") || (starts_with(body, "Avg bus bandwidth") && contains(body, "FAILED")))
      failure(s, lineno);
    if (starts_with(body, "nThread ")) return settings(body);
    if (starts_with(body, "nccl-tests version ")) return versions(body);
    if (starts_with(s, "rccl-tests: Version")) {
      rccl();
      m_b.info().tool_version = std::string(trim(s.substr(19)));
      return;
    }
    if (starts_with(s, "RCCL version")) {
      rccl();
      const auto colon = s.find(':');
      if (colon != std::string_view::npos) m_b.metadata().backend_library = "RCCL " + std::string(trim(s.substr(colon + 1)));
      return;
    }
    if (const auto v = s.find("NCCL version "); v != std::string_view::npos && m_b.metadata().backend_library.empty()) {
      std::vector<std::string_view> t;
      split(s.substr(v + 13), t);
      if (!t.empty()) m_b.metadata().backend_library = "NCCL " + std::string(t[0]);
    }
    if (hashed && starts_with(body, "Using devices")) {
      m_devices.clear();
      return;
    }
    if (hashed && starts_with(body, "Rank ") && contains(body, " device ")) {
      m_last_device = true;
      return device(body, lineno);
    }
    if (starts_with(body, "Out of bounds values")) return footer_oob(body);
    if (starts_with(body, "Avg bus bandwidth")) return footer_bw(body);
    if (starts_with(body, "Collective test concluded")) {
      end_table();
      return;
    }
    if (starts_with(body, "Reducing maxBytes")) m_b.note(std::string(body));
    if (starts_with(body, "Testing ") && contains(body, "cycle")) return;
    if ((contains(body, "out-of-place") || contains(body, "in-place")) && !contains(body, "size")) {
      m_title_placements.clear();
      std::size_t p = 0;
      while (p < body.size()) {
        const auto o = body.find("out-of-place", p), i = body.find("in-place", p);
        if (o == std::string_view::npos && i == std::string_view::npos) break;
        if (o != std::string_view::npos && (i == std::string_view::npos || o <= i)) {
          m_title_placements.push_back("out_of_place");
          p = o + 12;
        } else {
          m_title_placements.push_back("in_place");
          p = i + 8;
        }
      }
      return;
    }
    std::vector<std::string_view> t;
    split(body, t);
    // "bytes N type [op] … res": nccl-tests before its 2019 resync (b188a15 src/all_reduce.cu:12,
    // until cbe7f65), times in milliseconds.
    if (t.size() >= 7 && ((t[0] == "size" && t[1] == "count") || (t[0] == "bytes" && t[1] == "N")) && t[2] == "type")
      return header(t, stream, lineno);
    if (const std::string p = program_in(s); !p.empty()) {
      m_program = p;
      if (const auto a = detail::command_line_average(s, p)) {  // a command line: its -a, or nccl-tests' default
        m_average = *a;
        m_b.metadata().settings["average"] = std::to_string(*a);
      }
    }
  }

  // alltoallv_perf with NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY=1 prints its per-rank summary from
  // inside each placement's bandwidth (alltoallv.cu AlltoAllvGetBw, called at common.cu:796), so a
  // row comes in pieces: "size count type redop root# NCCL_TESTS_…", the summary's "#   rank=…"
  // lines, "time algbw busbw #wrong# NCCL_TESTS_…", more summary, "time algbw busbw #wrong". The
  // pieces are joined into the row the line would have been; the summary is not imported (a note).
  static constexpr std::string_view kSummary = "# NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY";
  void split_row(std::string_view s, std::size_t lineno, bool unterminated) {
    const std::size_t hash = s.find(kSummary);
    if (m_split.empty()) m_split_line = lineno;
    m_split.append(s.substr(0, hash)).push_back(' ');
    if (hash != std::string_view::npos) {
      std::vector<std::string_view> t;
      split(s.substr(hash + kSummary.size()), t);
      traffic(detail::alltoallv_traffic_of_summary(t));
      m_b.note("alltoallv_perf's per-rank summary (NCCL_TESTS_ALLTOALLV_PRINT_SUMMARY) splits its rows: each row is read "
               "across it; the per-rank lines are left out");
      return;
    }
    const std::string joined = std::move(m_split);
    m_split.clear();
    row(joined, m_split_line, unterminated);
  }

  // The traffic an alltoallv_perf summary line names, into settings.alltoallv_traffic as a run's.
  void traffic(const std::string& described) {
    if (described.empty()) return;
    auto& st = m_b.metadata().settings;
    const auto [it, fresh] = st.try_emplace("alltoallv_traffic", described);
    if (!fresh && it->second != described)
      m_b.note(fmt::format("alltoallv runs of different traffic ('{}', then '{}'): settings.alltoallv_traffic is the first's",
                           it->second, described));
  }

  void rccl() {
    m_b.info().tool = "rccl-tests";
    m_b.metadata().tool = "rccl-tests";
    m_rccl = true;
  }

  // Someone cut lines out of the log: "# Truncated …" anywhere, "..." inside a table or its device
  // list. What remains imports; the log is not complete, and an elided device list does not give
  // the ranks (end_table).
  void edited(std::string_view body, std::size_t lineno, bool after_device) {
    const bool truncated = body.front() == 'T' || body.front() == 't';
    if (!truncated && !m_table && !after_device) return;  // an ellipsis elsewhere: prose, not the log
    m_edited = true;
    if (!truncated && after_device) {
      m_last_device = true;  // the list may go on after it
      m_devices_elided = true;
      m_b.note(fmt::format("line {}: the device list is elided ('{}'): the log is not complete", lineno,
                           std::string(core::utf8_prefix(body, 60))));
    } else {
      m_b.note(fmt::format("line {}: '{}': lines were left out of the log: it is not complete", lineno,
                           std::string(core::utf8_prefix(body, 60))));
    }
  }

  // A table collbench cannot read is skipped with a note naming its line; the others still import.
  // When none imports, the first reason is the error.
  void skip_table(std::size_t lineno, const std::string& why) {
    m_table = false;
    m_rows.clear();
    m_skipped_tables.push_back(fmt::format("'{}:{}': {}", m_name, lineno, why));
    m_b.note(fmt::format("line {}: table skipped: {}", lineno, why));
  }

  void failure(std::string_view s, std::size_t lineno) {
    m_failed = true;
    m_b.note(fmt::format("line {}: the test reports a failure: {}", lineno, std::string(core::utf8_prefix(s, 200))));
  }

  void settings(std::string_view body) {
    end_table();
    ++m_blocks;
    m_devices.clear();
    m_devices_elided = false;
    const detail::SettingsLine l = detail::parse_settings_line(body);
    for (const auto& [k, v] : l.settings) m_b.metadata().settings[k] = v;
    m_iters_known = l.iters.has_value();
    if (l.iters) m_iters = *l.iters;
    if (l.warmup) m_warmup = *l.warmup;
    m_validation = l.validation;
  }

  void versions(std::string_view body) {
    const detail::VersionsLine v = detail::parse_versions_line(body);
    if (v.tool_version) m_b.info().tool_version = *v.tool_version;
    if (v.nccl_library) m_b.metadata().backend_library = "NCCL " + *v.nccl_library;
    if (v.nccl_headers) m_b.metadata().backend_details["nccl_headers"] = *v.nccl_headers;
  }

  // A device line (detail::parse_device_line): a rank out of range or listed twice is left out.
  void device(std::string_view body, std::size_t lineno) {
    std::optional<detail::DeviceLine> l = detail::parse_device_line(body);
    if (!l) return;
    const int rank = l->device.rank;
    if (rank < 0 || rank > kMaxDeviceRank) {
      m_b.note(fmt::format("line {}: rank {} is not a rank (expected 0 to {}): the line is left out", lineno, rank, kMaxDeviceRank));
      return;
    }
    if (!l->complete) return;
    if (std::any_of(m_devices.begin(), m_devices.end(), [&](const results::DeviceRecord& o) { return o.rank == rank; })) {
      m_b.note(fmt::format("line {}: rank {} is listed twice: independent jobs in one log (nccl-tests built without "
                           "MPI, launched by mpirun?); each table is imported as printed",
                           lineno, rank));
      return;
    }
    m_devices.push_back(std::move(l->device));
  }

  void header(const std::vector<std::string_view>& t, std::string_view stream, std::size_t lineno) {
    end_table();
    m_saw_header = true;
    m_table_line = lineno;
    Layout l;
    l.stream = std::string(stream);
    std::size_t i = 3;
    const bool legacy = t[0] == "bytes";
    l.redop = t[i] == "redop" || (legacy && t[i] == "op");
    if (l.redop) ++i;
    l.root = i < t.size() && t[i] == "root";
    if (l.root) ++i;
    if (i >= t.size() || (t[i] != "time" && t[i] != "cputime"))
      return skip_table(lineno, fmt::format("a table header with '{}' after 'size count type{}{}', where 'time' belongs: not "
                                            "a layout collbench knows",
                                            i < t.size() ? t[i] : "", l.redop ? " redop" : "", l.root ? " root" : ""));
    bool old_error = false;
    while (i < t.size()) {
      if (t[i] != "time" && t[i] != "cputime") {
        ++i;  // timestamp, or columns collbench does not read
        continue;
      }
      if (t[i] == "cputime") m_b.note("times are host enqueue times (nccl-tests -C 1 'cputime'), not completion times");
      Group g;
      g.cputime = t[i] == "cputime";
      if (i + 3 >= t.size() || t[i + 1] != "algbw" || t[i + 2] != "busbw")
        return skip_table(lineno, "expected 'time algbw busbw #wrong' in the table header");
      g.wrong_column = t[i + 3] != "error" && t[i + 3] != "res";
      g.millis = legacy;
      old_error = old_error || !g.wrong_column;
      i += 4;
      if (i < t.size() && t[i] == "i_min") {
        g.per_iter = true;
        i += 4;
      }
      l.groups.push_back(g);
    }
    if (m_title_placements.size() == l.groups.size()) {
      l.placements = m_title_placements;
    } else if (l.groups.size() == 2) {
      l.placements = {"out_of_place", "in_place"};
    } else {
      l.placements.assign(l.groups.size(), "out_of_place");
    }
    m_title_placements.clear();
    // The generation, from what the header shows.
    std::string& fmt_name = m_b.info().format;
    const std::string tool = "nccl-tests text";
    // rccl-tests forked from nccl-tests and versions on its own: its generations are not nccl-tests'.
    if (m_rccl) fmt_name = l.groups.size() == 1 ? "rccl-tests text (one placement)" : "rccl-tests text";
    else if (legacy) fmt_name = tool + " (2017-2019, times in ms, 'res' column)";
    else if (old_error) fmt_name = tool + " (<= 2.11, 'error' column)";
    else if (l.groups.front().per_iter) fmt_name = tool + " (>= 2.19.2, -I per-iteration columns)";
    else if (!l.root) fmt_name = tool + " (2.12, no root column)";
    else if (detail::wide_wrong_header(t)) fmt_name = tool + " (>= 2.17.3)";
    else fmt_name = tool + " (2.13-2.17.2)";
    m_layout = std::move(l);
    m_table = true;
    m_footer_seen = false;
    m_table_program = m_program;
    m_table_average = m_average;
  }

  void row(std::string_view s, std::size_t lineno, bool unterminated) {
    std::vector<std::string_view>& t = m_tokens;
    split(s, t);
    const Layout& l = m_layout;
    std::size_t groups = l.groups.size();
    std::size_t first_group = 0;
    // Before 2.13 alltoall printed an empty redop under its 'redop' header: one token fewer, and
    // a number where the op belongs.
    double number = 0;
    const bool empty_redop = l.redop && !l.root && t.size() + 1 == l.width() && t.size() > 3 && parse_num(t[3], number);
    const std::size_t pre = l.preamble() - (empty_redop ? 1 : 0);
    const std::size_t need = l.width() - (empty_redop ? 1 : 0);
    if (t.size() < need) {
      // Trace replay prints 32 blanks for the out-of-place body; otherwise the row was cut short.
      const bool blank_body = t.size() > pre && t[pre].data() - (t[pre - 1].data() + t[pre - 1].size()) >= 32;
      if (groups == 2 && t.size() >= need - l.groups[0].width() && blank_body) {
        first_group = 1;
      } else {
        m_b.drop_row(fmt::format("line {}: a row with {} of the header's {} columns{} was not imported", lineno, t.size(),
                             need, unterminated ? " (the log ends inside it)" : ""));
        return;
      }
    }
    if (unterminated) {
      m_b.drop_row(fmt::format("line {}: the log ends inside this row (no newline): not imported", lineno));
      return;
    }
    PendingRow p;
    p.line = lineno;
    RowContext& c = p.ctx;
    if (!parse_u64(t[0], c.bytes) || !parse_u64(t[1], c.count)) {
      m_b.drop_row(fmt::format("line {}: not a table row (size and count are not integers): skipped", lineno));
      return;
    }
    c.datatype = std::string(t[2]);
    c.op = l.redop && !empty_redop ? std::string(t[3]) : std::string("none");
    if (l.root) {
      int root = -1;
      const std::string_view r = t[l.redop ? 4 : 3];
      if (!parse_int(r, root)) {
        m_b.drop_row(fmt::format("line {}: root '{}' is not an integer: skipped", lineno, r));
        return;
      }
      c.root = root;
    }
    c.iters = m_iters;
    c.warmup_iters = m_warmup;
    c.iters_known = m_iters_known;
    c.validation = m_validation;
    c.line = lineno;
    std::size_t at = pre;
    for (std::size_t g = first_group; g < groups; ++g) {
      const Group& gl = l.groups[g];
      Measurement m;
      m.host_enqueue = gl.cputime;
      double wrong = kNaN;
      bool huge_wrong = false;
      parse_num(t[at], m.time_us);
      if (gl.millis) m.time_us *= 1e3;
      parse_num(t[at + 1], m.algbw);
      parse_num(t[at + 2], m.busbw);
      std::string_view w = t[at + 3];
      if (gl.wrong_column) {
        while (!w.empty() && w.back() == '*') w.remove_suffix(1);
        // 2^62: above any element count (and a double that large does not fit an int64_t: UBSan,
        // fuzz/regressions/nccl_tests_text/wrong-beyond-int64.txt). Such a count stays unknown.
        if (w != "N/A" && parse_num(w, wrong) && std::isfinite(wrong) && wrong >= 0 && wrong > 0x1p62) {
          m_b.drop_row(fmt::format("line {}: #wrong '{}' is more than any count of elements: not imported", lineno, w));
          huge_wrong = true;
        } else if (w != "N/A" && parse_num(w, wrong) && std::isfinite(wrong) && wrong >= 0) {
          m.wrong = static_cast<std::int64_t>(wrong);
          if (w.find_first_of("eE") != std::string_view::npos)  // '%6g' (src/util.cu): 6 significant digits
            m_b.note(fmt::format("line {}: #wrong printed as '{}' (%g notation): the count {} is rounded to 6 significant "
                                 "digits",
                                 lineno, w, m.wrong));
        }
      } else {
        m.max_error = std::string(w);
      }
      if (gl.per_iter) {
        parse_num(t[at + 4], m.min_us);
        parse_num(t[at + 5], m.max_us);
        parse_num(t[at + 6], m.p99_us);
        if (parse_num(t[at + 7], m.cv)) m.cv /= 100.0;
      }
      at += gl.width();
      if (huge_wrong) continue;
      if (!std::isfinite(m.time_us)) {
        m_b.drop_row(fmt::format("line {}: a {} time '{}' that is not a number: not imported", lineno, l.placements[g],
                             t[at - gl.width()]));
        continue;
      }
      p.parts.emplace_back(l.placements[g], std::move(m));
    }
    m_rows.push_back(std::move(p));
  }

  void end_table() {
    if (!m_table) return;
    m_table = false;
    if (!m_split.empty()) {
      m_b.drop_row(fmt::format("line {}: a row split by alltoallv_perf's per-rank summary ends before its last column: "
                               "not imported", m_split_line));
      m_split.clear();
    }
    if (m_rows.empty()) return;
    // Ranks: the device list of this run, else what the bandwidth ratio of the widest row says.
    int nranks = 0;
    for (const auto& d : m_devices) nranks = std::max(nranks, d.rank + 1);
    if (m_devices_elided) nranks = 0;  // the highest rank shown may not be the last: the ratio decides below
    std::string program = m_table_program;
    std::string collective = collective_of_program(program);
    const auto elt = [](const std::string& type) {
      try {
        return core::element_bytes(core::parse_datatype(type));
      } catch (const core::InputError&) {
        return 0;
      }
    };
    const PendingRow* widest = &m_rows.front();
    for (const auto& r : m_rows)
      if (!r.parts.empty() && !widest->parts.empty() && r.parts[0].second.algbw > widest->parts[0].second.algbw) widest = &r;
    if (program.empty()) {
      const auto& r = widest->ctx;
      // allgather vs reducescatter need the ranks: try both readings of the factor.
      int n = nranks;
      if (n == 0 && !widest->parts.empty())
        n = std::max(detail::nranks_from_factor("allreduce", widest->parts[0].second.algbw, widest->parts[0].second.busbw),
                     0);
      collective = detail::infer_collective(r.op, r.root, r.bytes, r.count, elt(r.datatype), n);
      if (collective.empty() && nranks == 0 && !widest->parts.empty())
        collective = detail::infer_collective(r.op, r.root, r.bytes, r.count, elt(r.datatype),
                                              detail::nranks_from_factor("reducescatter", widest->parts[0].second.algbw,
                                                                         widest->parts[0].second.busbw));
      if (collective.empty() && m_collective.empty()) {
        skip_table(m_table_line, fmt::format("the log does not name its test (no '*_perf' program) and this table's "
                                             "columns fit more than one collective (op '{}', root {}); pass --collective",
                                             r.op, r.root ? std::to_string(*r.root) : "none"));
        m_rows.clear();
        return;
      }
      if (!collective.empty())
        m_b.note(fmt::format("the log does not name its test: line {}'s table read as {} from its columns",
                             m_rows.front().line, collective));
    }
    if (!m_collective.empty()) collective = m_collective;
    if (nranks == 0 && !collective.empty() && !widest->parts.empty()) {
      nranks = detail::nranks_from_factor(collective, widest->parts[0].second.algbw, widest->parts[0].second.busbw);
      if (nranks > 0 && !m_devices_elided)
        m_b.note(fmt::format("the log lists no devices: {} ranks read from the busbw/algbw ratio", nranks));
    }
    if (m_devices_elided) {
      int shown = 0;
      for (const auto& d : m_devices) shown = std::max(shown, d.rank + 1);
      m_b.note(fmt::format("the device list is elided ('...'): {} ranks, from the highest rank shown ({}){}", std::max(nranks, shown),
                           shown - 1, nranks > shown ? fmt::format(" and the busbw/algbw ratio ({})", nranks) : ""));
      nranks = std::max(nranks, shown);
    }
    m_b.set_devices(m_devices);
    // Every test the log ran, in order: "all_reduce_perf,all_gather_perf".
    std::string& programs = m_b.info().program;
    if (!program.empty() && (',' + programs + ',').find(',' + program + ',') == std::string::npos)
      programs += (programs.empty() ? "" : ",") + program;
    for (auto& r : m_rows) {
      r.ctx.collective = collective;
      r.ctx.program = program;
      r.ctx.nranks = nranks;
      r.ctx.average = m_table_average;
      m_b.add_row(r.ctx, r.parts);
    }
    m_rows.clear();
  }

  void footer_oob(std::string_view body) {
    end_table();
    std::vector<std::string_view> t;
    split(body.substr(body.find(':') == std::string_view::npos ? body.size() : body.find(':') + 1), t);
    std::uint64_t n = 0;
    if (!t.empty() && parse_u64(t[0], n)) m_b.info().out_of_bounds = static_cast<std::int64_t>(n);
    m_footer_seen = true;
  }

  void footer_bw(std::string_view body) {
    end_table();
    std::vector<std::string_view> t;
    split(body.substr(body.find(':') == std::string_view::npos ? body.size() : body.find(':') + 1), t);
    double v = kNaN;
    if (!t.empty() && parse_num(t[0], v)) m_b.info().avg_busbw_gbps = v;
    m_footer_seen = true;
  }

  std::string_view m_text;
  std::string m_name;
  std::string m_collective;  // --collective: what every table is, whatever the log says
  detail::Builder m_b;
  bool m_table = false, m_saw_header = false, m_footer_seen = false;
  bool m_failed = false, m_rccl = false;
  int m_blocks = 0;
  Layout m_layout;
  std::vector<std::string> m_title_placements;
  std::string m_program, m_table_program;
  int m_average = 1, m_table_average = 1;  // -a of the last command line seen, and of the table
  int m_iters = 0, m_warmup = 0;
  bool m_iters_known = false;
  std::optional<bool> m_validation;  // the run's "validation: N"
  bool m_devices_elided = false;     // a '...' line in the device list
  bool m_last_device = false;        // the previous line was a device line
  bool m_edited = false;             // '# Truncated …' or '...' inside a table: lines were left out
  std::size_t m_table_line = 0;      // the current table's header line
  std::vector<std::string> m_skipped_tables;  // why each unreadable table was skipped
  std::vector<results::DeviceRecord> m_devices;
  std::vector<PendingRow> m_rows;
  std::vector<std::string_view> m_tokens;
  std::string m_split;             // the pieces so far of a row split by alltoallv's summary (split_row)
  std::size_t m_split_line = 0;    // the line of its first piece
};

}  // namespace

ImportedLog parse_text_log(std::string_view text, const std::string& name, const ImportOptions& options) {
  return TextReader(text, name, options).read();
}

}  // namespace collbench::ingest
