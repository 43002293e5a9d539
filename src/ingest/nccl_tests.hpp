#pragma once
// nccl-tests and rccl-tests output into the results schema (collbench import). Every generation of
// the text table (<= 2.11 with its 'error' column, 2.13-2.17.2, >= 2.17.3 adaptive floats, -I
// per-iteration columns, rccl-tests banners and in-place-only tables), wrapped in launcher output
// ([1,0]<stdout>: prefixes, NCCL INFO lines, shell traces, indentation), cut off mid-table or
// holding several runs and collectives; and nccl-tests' -J JSON. What a log does not give is
// recorded in each record's `missing` and left NaN / -1 / empty, never made up.
// Format facts: ../shared/reference/nccl-tests-format.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "results/record.hpp"

namespace collbench::ingest {

struct ImportOptions {
  std::string label;       // the source's label in stores and reports; default: the file's stem
  std::string collective;  // overrides what the log says or implies ("allgather" …); "" = from the log
};

struct ImportedLog {
  std::string label;
  results::RunDocument doc;  // metadata.imported is set; records in log order
  std::vector<int> reps;     // per record: 0, then 1 … when the same case appears again (-N cycles)
};

// Reads PATH and imports it as text or JSON (by its first non-blank character). Throws InputError
// "'PATH': not an nccl-tests or rccl-tests log (…)" for a file that is not one, and "'PATH:LINE':
// …" for a table it cannot read.
ImportedLog import_log(const std::string& path, const ImportOptions& options = {});

// The same on the file's text already read; `name` is what messages call it.
ImportedLog import_text(std::string_view content, const std::string& name, const ImportOptions& options = {});
// Text or JSON alone.
ImportedLog parse_text_log(std::string_view text, const std::string& name, const ImportOptions& options = {});
ImportedLog parse_json_log(std::string_view text, const std::string& name, const ImportOptions& options = {});

// "all_reduce_perf" -> "allreduce"; "" for a program collbench does not model (gather_perf …).
std::string collective_of_program(std::string_view program);

// The label a path gets by default: its file name without directories and the last extension.
std::string default_label(const std::string& path);

}  // namespace collbench::ingest
