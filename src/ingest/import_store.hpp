#pragma once
// An import store: DIR/manifest.json (schema "collbench.import") names each imported log (its
// label, configuration id and run metadata), and DIR/results.jsonl holds its records, one line
// each in the sweep store's line format (the record plus a "sweep" object: case, config_id,
// knobs, rep, launch "import"), so that the same line reader (results::read_store) reads both.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/nccl_tests.hpp"
#include "results/store.hpp"

namespace collbench::ingest {

// The manifest's schema, and its reader, are results' (results/store.hpp): report, tune and check
// read stores without ingest.
using results::kImportSchemaName;
using results::kImportSchemaVersion;

struct ImportOutcome {
  std::vector<std::string> added;       // labels of the logs added
  std::vector<std::string> duplicates;  // "FILE (already in the store as LABEL)"
  std::size_t records = 0;              // records added
};

// "8 hex digits" of the label: the configuration id of an imported log.
std::string config_id_of(const std::string& label);

// Adds the logs to the store at DIR (created when absent; an import store is added to; any other
// directory with a manifest is refused). A log already in the store (same bytes) is skipped; a
// label already taken gets "-2", "-3" …. Records are appended before the manifest is replaced, so
// a crash leaves records the manifest does not name, which readers ignore.
ImportOutcome write_import_store(const std::string& dir, std::vector<ImportedLog> logs,
                                 const std::string& command_line, const std::string& version);

}  // namespace collbench::ingest
