#pragma once
// What `collbench run --per-node / --pairs` prints after the whole-job table: per phase, one line
// per case comparing the slowest group with the median of the others, then the suspects.
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

namespace collbench::report {

// One case of one phase: the slowest group against the median of the other groups.
struct GroupComparison {
  std::string collective;
  std::uint64_t bytes = 0;
  std::string placement;
  std::size_t groups = 0;       // groups that measured the case
  double others_us = 0;         // the others' median time (p50)
  std::string slowest;          // "node vm:2-3 (ranks 2-3)"
  double slowest_us = 0;
  bool wrong = false;           // the slowest group had wrong elements
};

// "#\n# TEXT\n": a phase's title, or why a phase was not run.
void print_group_heading(std::FILE* out, const std::string& text);
// The phase's title, its column heads and a line per case.
void print_group_phase(std::FILE* out, const std::string& title, std::span<const GroupComparison> rows);
// The suspects as check::Suspect::describe() says them, or that there is none.
void print_group_suspects(std::FILE* out, std::span<const std::string> suspects);

}  // namespace collbench::report
