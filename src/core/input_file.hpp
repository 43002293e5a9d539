#pragma once
// Every file a user hands collbench is read through here: a regular file only (a FIFO would block
// the reader for ever, /dev/zero would grow its memory until it dies), no larger than a cap per
// kind of input, and a UTF-8 byte-order mark at its start skipped (one rule for every reader).
// The caps are documented in README.md ("Input files").
#include <cstdint>
#include <string>
#include <string_view>

namespace collbench::core {

struct InputKind {
  std::string_view what;    // how messages name it: "sweep spec", "topology", "run JSON" …
  std::uint64_t max_bytes;  // larger files are refused
};

// Hand-written settings: sweep specs, topologies, baselines, rules, expect and workload files.
inline constexpr std::uint64_t kConfigMaxBytes = 16ull << 20;
// What collbench or nccl-tests wrote: run JSON (with --samples), store manifests, logs.
inline constexpr std::uint64_t kResultsMaxBytes = 1ull << 30;

// The file's bytes, without a leading UTF-8 byte-order mark. Throws InputError "WHAT 'PATH': …":
// cannot be read (the reason), is not a regular file (what it is), or is larger than the cap.
std::string read_input_file(const std::string& path, const InputKind& kind);

// The same checks for a file read piece by piece (a store's results.jsonl): throws as above for a
// path that is not a regular file or cannot be opened; true when it does not exist.
bool input_file_missing_or_regular(const std::string& path, std::string_view what);

// Strips a leading UTF-8 byte-order mark.
std::string_view without_bom(std::string_view text);

}  // namespace collbench::core
