#pragma once
// The file a sweep hands to each launch (`collbench run --sweep-launch FILE`): the launch's blocks
// with their case ids, where to append the results, and where to write the launch's metadata.
// Every rank reads the same file, so every rank runs the same blocks in the same order.
#include <string>

#include "plan/sweep_plan.hpp"

namespace collbench::plan {

struct LaunchFile {
  std::string sweep;      // the spec's name
  std::string name;       // this start of the launch: "L003-r0", "L003-r0.s1.a2" (session 1, attempt 2)
  std::string store;      // DIR/results.jsonl
  std::string metadata;   // DIR/launches/<label>.meta.json
  std::string started;    // created by rank 0 once the backend is chosen: the launch got going
  Launch launch;          // only the cases still to measure
  // The sweep's time budget (seconds since the epoch; 0: none): the launch starts no block after it
  // (but always its first), and rank 0 then creates `stopped` and ends it normally.
  double deadline_unix_s = 0;
  std::string stopped;
};

std::string launch_file_text(const LaunchFile& f);
// Throws InputError naming the file and the field.
LaunchFile read_launch_file(const std::string& path);

}  // namespace collbench::plan
