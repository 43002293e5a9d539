#pragma once
// TEST-ONLY fault injector. Off unless COLLBENCH_INJECT is set; documented in README.md so that
// rack checks and CI can prove they catch what they claim to catch.
//   corrupt:RANK          RANK flips bits in its result before verification (wrong > 0, exit 1)
//   delay:RANK:US         RANK waits US microseconds before each collective call (a straggler)
//   crash:RANK            RANK dies (SIGSEGV) at its first timed collective
//   hang:RANK             RANK stops responding at its first timed collective (timeout path)
//   pause:RANK            RANK blocks before its world starts until a signal ends it (the launchers'
//                         signal handling is tested with it)
//   link:RANK:PEER:US     RANK waits US microseconds before each call of a communicator that PEER
//                         is in too: a slow link between their nodes (slow in every group holding
//                         both, fast wherever one of them measures without the other)
// Several faults may be given separated by ','.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace collbench::core {

enum class FaultKind { corrupt, delay, crash, hang, pause, link };

struct Fault {
  FaultKind kind = FaultKind::corrupt;
  int rank = 0;
  std::uint64_t delay_us = 0;
  int peer = -1;  // link: the other end
};

// The faults that apply to `rank`. Throws InputError naming COLLBENCH_INJECT on bad syntax.
struct FaultPlan {
  bool corrupt = false;
  bool crash = false;
  bool hang = false;
  bool pause = false;
  std::uint64_t delay_us = 0;
  bool any() const { return corrupt || crash || hang || pause || delay_us != 0; }
};

std::vector<Fault> parse_faults(std::string_view spec);
// `peers` are the job ranks of the communicator the plan is for (link faults apply only where the
// other end is one of them); empty: the whole job.
FaultPlan faults_for_rank(const std::vector<Fault>& faults, int rank, const std::vector<int>& peers = {});

// The delay fault's wait: sleeps through delays of 2 ms and more, spins through shorter ones so
// they are accurate at microsecond scale. Every backend applies delay:RANK:US with it.
void delay_us(std::uint64_t us);

}  // namespace collbench::core
