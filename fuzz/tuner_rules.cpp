// The NCCL tuner plugin's rules file (plugins/nccl-tuner/README.md). The plugin runs inside a
// training job: parse_rules never throws; it returns every rule or the first error (line >= 1, a
// message, no rules). The rules it accepts are then walked for a few calls over a cost table, as
// getCollInfo does, and the chosen cell must lie inside the table.
#include <array>
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "rules.hpp"

namespace {

namespace tuner = collbench::tuner;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "tuner_rules: contract broken: %s\n", what);
  std::abort();
}

void walk(const std::vector<tuner::Rule>& rules) {
  std::array<float, tuner::kNumAlgorithms * tuner::kNumProtocols> cells{};
  for (std::size_t i = 0; i < cells.size(); ++i) cells[i] = i % 4 == 3 ? -1.0f : static_cast<float>(i);
  tuner::CostTable table{cells.data(), tuner::kNumAlgorithms, tuner::kNumProtocols};
  for (const std::uint64_t bytes : {std::uint64_t{0}, std::uint64_t{1} << 20, tuner::kUnbounded}) {
    for (int coll = 0; coll < tuner::kNumCollectives; ++coll) {
      const tuner::CallParams call{coll, bytes, 2, 16, 1, 0};
      const tuner::Walk w = tuner::decide(rules, call, table);
      if (!w.decision) continue;
      const tuner::Cell cell = w.decision->cell;
      if (w.decision->rule_index >= rules.size()) broken("decision names no rule");
      if (cell.algo != tuner::kAny && !tuner::cell_available(table, cell.algo, cell.proto)) broken("unavailable cell chosen");
      int channels = 0;
      tuner::apply(rules[w.decision->rule_index], cell, table, &channels);
      if (channels < 0 || channels > tuner::kMaxChannels) broken("channel count out of range");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  return collbench::fuzz::expect_contract("tuner_rules", [&] {
    const tuner::ParseResult parsed = tuner::parse_rules(text);
    if (parsed.error) {
      if (!parsed.rules.empty()) broken("an error with rules kept");
      if (parsed.error->line < 1 || parsed.error->message.empty()) broken("an error without a line or a message");
      return;
    }
    walk(parsed.rules);
  });
}
