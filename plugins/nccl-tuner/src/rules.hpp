#pragma once
// The collbench tuner's rules: parsing the rules file and choosing a cost-table cell for one
// collective call. Pure C++ (no NCCL, no I/O): the plugin glue (plugin.cpp) reads the file, logs,
// and calls these. Format: see plugins/nccl-tuner/README.md.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace collbench::tuner {

inline constexpr int kAny = -1;  // wildcard in a Rule's int fields
inline constexpr int kNumAlgorithms = 7;
inline constexpr int kNumProtocols = 3;
inline constexpr int kNumCollectives = 5;  // ncclFunc_t 0..4: broadcast reduce allgather reducescatter allreduce
inline constexpr int kMaxChannels = 64;
inline constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();

struct Rule {
  int line = 0;                       // 1-based line in the file
  int collective = kAny;              // ncclFunc_t value 0..4, or kAny
  std::uint64_t min_bytes = 0;        // inclusive
  std::uint64_t max_bytes = kUnbounded;  // inclusive
  int algorithm = kAny;               // cost-table row, or kAny
  int protocol = kAny;                // cost-table column, or kAny
  int channels = kAny;                // > 0: set NCCL's channel count; kAny or 0: keep it
  int n_nodes = kAny;
  int n_ranks = kAny;
  int num_pipe_ops = kAny;
  int reg_buff = kAny;                // 0, 1 or kAny
};

struct ParseError {
  int line = 0;
  std::string message;  // what was expected, e.g. "expected protocol ll|ll128|simple|-1|*, got 'x'"
};

// Either every rule of the text or the first error (then `rules` is empty: never half a file).
struct ParseResult {
  std::vector<Rule> rules;
  std::optional<ParseError> error;
  bool ok() const { return !error.has_value(); }
};

ParseResult parse_rules(std::string_view text);

// Names as written in the file; "*" for kAny or an index out of range.
std::string_view collective_name(int collective);
std::string_view algorithm_name(int algorithm);
std::string_view protocol_name(int protocol);

// The parameters of one getCollInfo call (n_nodes/n_ranks from init).
struct CallParams {
  int coll_type = 0;
  std::uint64_t n_bytes = 0;
  std::uint64_t n_nodes = 0;
  std::uint64_t n_ranks = 0;
  int num_pipe_ops = 0;
  int reg_buff = 0;
};

// NCCL's flat cost table float[num_algo][num_proto]. A cell is available when it lies inside the
// table and its cost is not negative (NCCL's -1.0 "ignore") nor NaN.
struct CostTable {
  float* cells = nullptr;
  int num_algo = 0;
  int num_proto = 0;
};

bool cell_available(const CostTable& table, int algo, int proto);

// A chosen cell; algo == proto == kAny means "leave the table alone" (only channels apply).
struct Cell {
  int algo = kAny;
  int proto = kAny;
};

// Whether `rule` applies to the call (collective, byte range, nNodes, nRanks, numPipeOps, regBuff).
bool rule_matches(const Rule& rule, const CallParams& call);

// The cell `rule` selects in `table`, resolving wildcards to the lowest available cost (ties: the
// lowest index); nullopt when no available cell fits the rule.
std::optional<Cell> choose_cell(const Rule& rule, const CostTable& table);

struct Decision {
  std::size_t rule_index = 0;
  Cell cell;
};

// The walk over the rules in file order: the first matching rule with an available cell wins.
struct Walk {
  std::optional<Decision> decision;
  std::vector<std::size_t> skipped;  // rules that matched but whose cell was unavailable, in order
};

Walk decide(std::span<const Rule> rules, const CallParams& call, const CostTable& table);

// Applies a decision: the chosen cell's cost becomes 0.0 (every other cell untouched); *n_channels
// is written only when the rule's channels > 0 (n_channels may be null).
void apply(const Rule& rule, const Cell& cell, CostTable& table, int* n_channels);

}  // namespace collbench::tuner
