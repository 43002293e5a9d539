#pragma once
// What the importer's tests share: parsing a synthetic text log, and looking into a record's
// missing list and a log's notes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/nccl_tests.hpp"

namespace importsupport {

inline collbench::ingest::ImportedLog parse(std::string_view text, const collbench::ingest::ImportOptions& options = {}) {
  return collbench::ingest::parse_text_log(text, "synthetic.log", options);
}

inline bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

inline bool has_note(const collbench::ingest::ImportedLog& log, const std::string& part) {
  for (const auto& n : log.doc.metadata.imported->notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

inline std::string notes_of(const collbench::ingest::ImportedLog& log) {
  return ::testing::PrintToString(log.doc.metadata.imported->notes);
}

// nccl-tests' algbw: bytes / time, GB/s = 1e9 B/s.
inline double algbw(std::uint64_t bytes, double us) { return static_cast<double>(bytes) / us / 1e3; }

}  // namespace importsupport
