#include "rules.hpp"

#include <array>
#include <charconv>
#include <climits>

namespace collbench::tuner {

namespace {

// Indexed by ncclFunc_t, algorithm row, protocol column.
constexpr std::array<std::string_view, kNumCollectives> kCollectiveNames = {
    "broadcast", "reduce", "allgather", "reducescatter", "allreduce"};
constexpr std::array<std::string_view, kNumAlgorithms> kAlgorithmNames = {
    "tree", "ring", "collnet_direct", "collnet_chain", "nvls", "nvls_tree", "pat"};
constexpr std::array<std::string_view, kNumProtocols> kProtocolNames = {"ll", "ll128", "simple"};

using Error = std::optional<std::string>;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string expected(std::string_view what, std::string_view got) {
  constexpr std::size_t kMaxShown = 64;
  std::string shown(got.substr(0, kMaxShown));
  if (got.size() > kMaxShown) shown += "...";
  return "expected " + std::string(what) + ", got '" + shown + "'";
}

bool is_wildcard(std::string_view s) { return s == "*" || s == "-1"; }

// The whole of `s` as a base-10 integer.
template <class T>
bool parse_integer(std::string_view s, T& out) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

template <std::size_t N>
Error parse_name(std::string_view field, const std::array<std::string_view, N>& names, bool minus_one_ok,
                 std::string_view what, int& out) {
  if (field == "*" || (minus_one_ok && field == "-1")) {
    out = kAny;
    return std::nullopt;
  }
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == field) {
      out = static_cast<int>(i);
      return std::nullopt;
    }
  }
  return expected(what, field);
}

// -1 or "*" gives `wildcard`; otherwise a non-negative integer.
Error parse_bytes(std::string_view field, std::string_view name, std::uint64_t wildcard, std::uint64_t& out) {
  if (is_wildcard(field)) {
    out = wildcard;
    return std::nullopt;
  }
  if (parse_integer(field, out)) return std::nullopt;
  return expected(std::string(name) + " a non-negative integer or -1", field);
}

// -1 or "*" gives kAny; otherwise an integer in [lo, hi].
Error parse_int_field(std::string_view field, int lo, int hi, std::string_view what, int& out) {
  if (is_wildcard(field)) {
    out = kAny;
    return std::nullopt;
  }
  if (parse_integer(field, out) && out >= lo && out <= hi) return std::nullopt;
  return expected(what, field);
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  while (true) {
    const std::size_t comma = line.find(',');
    fields.push_back(trim(line.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

Error parse_byte_range(std::string_view min_field, std::string_view max_field, Rule& rule) {
  if (auto e = parse_bytes(min_field, "min_bytes", 0, rule.min_bytes)) return e;
  if (auto e = parse_bytes(max_field, "max_bytes", kUnbounded, rule.max_bytes)) return e;
  if (rule.min_bytes > rule.max_bytes) {
    return "expected min_bytes <= max_bytes, got " + std::to_string(rule.min_bytes) + " > " +
           std::to_string(rule.max_bytes);
  }
  return std::nullopt;
}

// One rule line (comment already removed, not blank).
Error parse_rule(std::string_view line, Rule& rule) {
  const std::vector<std::string_view> f = split_fields(line);
  if (f.size() < 8 || f.size() > 10) {
    return "expected 8 to 10 comma-separated fields (collective,min_bytes,max_bytes,algorithm,protocol,"
           "channels,nNodes,nRanks[,numPipeOps[,regBuff]]), got " + std::to_string(f.size());
  }
  if (auto e = parse_name(f[0], kCollectiveNames, false,
                          "collective allreduce|allgather|reducescatter|broadcast|reduce|*", rule.collective)) {
    return e;
  }
  if (auto e = parse_byte_range(f[1], f[2], rule)) return e;
  if (auto e = parse_name(f[3], kAlgorithmNames, true,
                          "algorithm tree|ring|collnet_direct|collnet_chain|nvls|nvls_tree|pat|-1|*", rule.algorithm)) {
    return e;
  }
  if (auto e = parse_name(f[4], kProtocolNames, true, "protocol ll|ll128|simple|-1|*", rule.protocol)) return e;
  if (auto e = parse_int_field(f[5], 0, kMaxChannels, "channels -1, 0 or 1..64", rule.channels)) return e;
  if (auto e = parse_int_field(f[6], 1, INT_MAX, "nNodes a positive integer or -1", rule.n_nodes)) return e;
  if (auto e = parse_int_field(f[7], 1, INT_MAX, "nRanks a positive integer or -1", rule.n_ranks)) return e;
  if (f.size() > 8) {
    if (auto e = parse_int_field(f[8], 1, INT_MAX, "numPipeOps a positive integer or -1", rule.num_pipe_ops)) {
      return e;
    }
  }
  if (f.size() > 9) {
    if (auto e = parse_int_field(f[9], 0, 1, "regBuff 0, 1 or -1", rule.reg_buff)) return e;
  }
  return std::nullopt;
}

template <std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, int i) {
  if (i < 0 || static_cast<std::size_t>(i) >= N) return "*";
  return names[static_cast<std::size_t>(i)];
}

bool matches(int wanted, int actual) { return wanted == kAny || wanted == actual; }

bool matches(int wanted, std::uint64_t actual) {
  return wanted == kAny || static_cast<std::uint64_t>(wanted) == actual;
}

// [lo, hi) over one table dimension: the rule's index alone, or all of them for a wildcard.
std::pair<int, int> span_of(int wanted, int size) {
  if (wanted == kAny) return {0, size};
  return {wanted, wanted + 1};
}

}  // namespace

ParseResult parse_rules(std::string_view text) {
  ParseResult result;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    Rule rule;
    rule.line = line_no;
    if (auto e = parse_rule(line, rule)) {
      result.rules.clear();
      result.error = ParseError{line_no, std::move(*e)};
      return result;
    }
    result.rules.push_back(rule);
  }
  return result;
}

std::string_view collective_name(int collective) { return name_of(kCollectiveNames, collective); }
std::string_view algorithm_name(int algorithm) { return name_of(kAlgorithmNames, algorithm); }
std::string_view protocol_name(int protocol) { return name_of(kProtocolNames, protocol); }

bool cell_available(const CostTable& table, int algo, int proto) {
  if (table.cells == nullptr || algo < 0 || proto < 0 || algo >= table.num_algo || proto >= table.num_proto) {
    return false;
  }
  const float cost = table.cells[static_cast<std::size_t>(algo) * static_cast<std::size_t>(table.num_proto) +
                                 static_cast<std::size_t>(proto)];
  return cost >= 0.0f;  // false for NCCL's -1.0 and for NaN
}

bool rule_matches(const Rule& rule, const CallParams& call) {
  if (call.coll_type < 0 || call.coll_type >= kNumCollectives) return false;
  return matches(rule.collective, call.coll_type) && call.n_bytes >= rule.min_bytes &&
         call.n_bytes <= rule.max_bytes && matches(rule.n_nodes, call.n_nodes) &&
         matches(rule.n_ranks, call.n_ranks) && matches(rule.num_pipe_ops, call.num_pipe_ops) &&
         matches(rule.reg_buff, call.reg_buff);
}

std::optional<Cell> choose_cell(const Rule& rule, const CostTable& table) {
  if (rule.algorithm == kAny && rule.protocol == kAny) return Cell{};
  const auto [algo_lo, algo_hi] = span_of(rule.algorithm, table.num_algo);
  const auto [proto_lo, proto_hi] = span_of(rule.protocol, table.num_proto);
  std::optional<Cell> best;
  float best_cost = 0.0f;
  for (int a = algo_lo; a < algo_hi; ++a) {
    for (int p = proto_lo; p < proto_hi; ++p) {
      if (!cell_available(table, a, p)) continue;
      const float cost = table.cells[a * table.num_proto + p];
      if (!best || cost < best_cost) {
        best = Cell{a, p};
        best_cost = cost;
      }
    }
  }
  return best;
}

Walk decide(std::span<const Rule> rules, const CallParams& call, const CostTable& table) {
  Walk walk;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (!rule_matches(rules[i], call)) continue;
    if (const std::optional<Cell> cell = choose_cell(rules[i], table)) {
      walk.decision = Decision{i, *cell};
      break;
    }
    walk.skipped.push_back(i);
  }
  return walk;
}

void apply(const Rule& rule, const Cell& cell, CostTable& table, int* n_channels) {
  if (cell_available(table, cell.algo, cell.proto)) {
    table.cells[cell.algo * table.num_proto + cell.proto] = 0.0f;
  }
  if (rule.channels > 0 && n_channels != nullptr) *n_channels = rule.channels;
}

}  // namespace collbench::tuner
