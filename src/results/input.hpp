#pragma once
// The one reader of what tune, check and report take as input: a sweep store (collbench sweep
// --out), an import store (collbench import --out) or a run JSON file (collbench run --json), as
// plain records plus what the input says of itself (its manifest or run metadata).
//
// The commands saw different messages for some faults before they shared this reader, and users
// still do: `StoreKinds` picks them (tune, check and baseline take sweep stores, with
// read_store_manifest's messages; report and compare take both kinds, with their own), and
// `require_backend` keeps tune's message for a manifest without a backend.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/record.hpp"
#include "results/store.hpp"
#include "results/store_layout.hpp"

namespace collbench::results {

enum class InputKind { run, sweep_store, import_store };

enum class StoreKinds {
  sweep,            // tune, check, baseline: "'DIR': expected a sweep store (…)", "expected schema \"collbench.sweep\""
  sweep_or_import,  // report, compare: "'DIR/manifest.json': expected schema \"collbench.sweep\" or \"collbench.import\""
};

struct LoadOptions {
  StoreKinds kinds = StoreKinds::sweep;
  bool records = true;           // false: the manifest only (tune scans results.jsonl itself, fast)
  bool require_backend = false;  // "'PATH': expected \"backend\" (a string) and \"repetitions\" (an integer)"
};

// A store's manifest. The accessors read it as each command always has (a field of the wrong type
// throws nlohmann's type_error, as it did).
struct StoreManifest {
  std::string path;     // DIR/manifest.json
  std::string schema;   // kStoreSchemaName or kImportSchemaName
  nlohmann::json raw;

  std::string backend() const { return raw.value("backend", ""); }
  std::string status() const { return raw.value("status", ""); }
  int repetitions() const;              // at least 1
  std::string spec_text() const { return raw.value("spec_text", ""); }
  std::string spec_path() const { return raw.value("spec_path", ""); }
  std::string launcher_kind() const;    // "" when the manifest does not say (launcher.kind)
  int launcher_ranks() const;           // 0 when the manifest does not say (launcher.ranks)
};

// One imported log of an import store, as its manifest names it.
struct ImportSource {
  std::string label, config_id, status;  // status "ok" when not said
  RunMetadata metadata;
};

struct LoadedInput {
  InputKind kind = InputKind::run;
  std::string path;          // as given
  RunDocument run;           // kind run
  StoreManifest manifest;    // stores
  std::string results_path;  // stores: DIR/results.jsonl
  StoreContents contents;    // stores, when LoadOptions::records
};

// What the launches' metadata (DIR/launches/*.meta.json, each a run's metadata) says of a sweep:
// the first launch (by name) that names its hosts, with their count (-1: none does), and whether
// any ran on the GPU stand-in. Best effort: a meta file that cannot be read or parsed is passed over.
struct LaunchFacts {
  int nodes = -1;
  bool standin = false;
  std::optional<RunMetadata> first;  // its library, versions, devices and Slurm job
};

// Whether `path` names a store (a directory) rather than a run file.
bool is_store_path(const std::string& path);

// A store directory: its manifest checked against `options.kinds`, then its records. Throws
// InputError naming the input (see StoreKinds for the messages).
LoadedInput load_store(const std::string& dir, const LoadOptions& options);
// A run JSON file (read_document_file's messages).
LoadedInput load_run(const std::string& path);
// Either, by what `path` is.
LoadedInput load_input(const std::string& path, const LoadOptions& options);

// The sources an import store's manifest names. Throws InputError "'DIR/manifest.json': a
// source's metadata is not valid: …".
std::vector<ImportSource> import_sources(const StoreManifest& m);

LaunchFacts read_launch_facts(const std::string& dir);

}  // namespace collbench::results
