#include "results/input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/json_text.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"

namespace collbench::results {

namespace fs = std::filesystem;
using nlohmann::json;

int StoreManifest::repetitions() const { return std::max(1, raw.value("repetitions", 1)); }

std::string StoreManifest::launcher_kind() const {
  const auto l = raw.find("launcher");
  return l != raw.end() && l->is_object() ? l->value("kind", "") : "";
}

int StoreManifest::launcher_ranks() const {
  const auto l = raw.find("launcher");
  return l != raw.end() && l->is_object() ? l->value("ranks", 0) : 0;
}

namespace {

// Each accessor reads its field in its type: a number for "backend" would otherwise escape report
// or check as nlohmann's type_error (found by fuzz/store_manifest).
void check_manifest_fields(const StoreManifest& m) {
  try {
    (void)m.backend(), (void)m.status(), (void)m.repetitions(), (void)m.spec_text(), (void)m.spec_path();
    (void)m.launcher_kind(), (void)m.launcher_ranks();
  } catch (const json::exception&) {
    throw core::InputError(fmt::format("'{}': expected \"backend\", \"status\", \"spec_text\" and \"spec_path\" as strings, "
                                       "\"repetitions\" as an integer and \"launcher\" as {{\"kind\", \"ranks\"}}",
                                       m.path));
  }
}

// report and compare: either kind of store, told apart by the manifest's schema.
StoreManifest read_any_manifest(const std::string& dir) {
  StoreManifest m;
  m.path = store_layout(dir).manifest();
  core::JsonParse parsed = core::parse_json(read_file_text(m.path));
  if (parsed.status == core::JsonStatus::refused) throw core::InputError(fmt::format("'{}': {}", m.path, parsed.problem));
  m.raw = parsed.ok() ? std::move(parsed.value) : json(json::value_t::discarded);
  const auto schema = m.raw.is_object() ? m.raw.find("schema") : m.raw.end();
  m.schema = schema != m.raw.end() && schema->is_string() ? schema->get<std::string>() : "";
  if (m.schema == kImportSchemaName) {
    check_import_manifest(m.raw, m.path);
  } else if (m.schema == kStoreSchemaName) {
    check_manifest_fields(m);
  } else {
    throw core::InputError(fmt::format("'{}': expected schema \"{}\" or \"{}\"{}", m.path, kStoreSchemaName,
                                       kImportSchemaName, m.raw.is_discarded() ? " (unreadable JSON)" : ""));
  }
  return m;
}

// tune ranks by backend and repetitions: a manifest must say them, in their types.
void require_backend(const StoreManifest& m) {
  try {
    (void)m.raw.at("backend").get<std::string>();
    (void)m.repetitions();
    (void)m.spec_text();
    (void)m.spec_path();
    (void)m.launcher_kind();
    (void)m.launcher_ranks();
  } catch (const json::exception&) {
    throw core::InputError(fmt::format("'{}': expected \"backend\" (a string) and \"repetitions\" (an integer)", m.path));
  }
}

}  // namespace

bool is_store_path(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

LoadedInput load_store(const std::string& dir, const LoadOptions& options) {
  const StoreLayout layout = store_layout(dir);
  LoadedInput in;
  in.path = dir;
  in.results_path = layout.results();
  if (options.kinds == StoreKinds::sweep) {
    in.manifest.path = layout.manifest();
    in.manifest.raw = read_store_manifest(dir);
    in.manifest.schema = kStoreSchemaName;
    check_manifest_fields(in.manifest);
  } else {
    in.manifest = read_any_manifest(dir);
  }
  in.kind = in.manifest.schema == kImportSchemaName ? InputKind::import_store : InputKind::sweep_store;
  if (options.require_backend) require_backend(in.manifest);
  if (options.records) in.contents = read_store(in.results_path);
  return in;
}

LoadedInput load_run(const std::string& path) {
  LoadedInput in;
  in.kind = InputKind::run;
  in.path = path;
  in.run = read_document_file(path);
  return in;
}

LoadedInput load_input(const std::string& path, const LoadOptions& options) {
  return is_store_path(path) ? load_store(path, options) : load_run(path);
}

std::vector<ImportSource> import_sources(const StoreManifest& m) {
  std::vector<ImportSource> out;
  for (const json& src : m.raw["sources"]) {
    ImportSource s;
    try {
      s.metadata = src.at("metadata").get<RunMetadata>();
    } catch (const std::exception& e) {
      throw core::InputError(fmt::format("'{}': a source's metadata is not valid: {}", m.path, e.what()));
    }
    s.status = src.value("status", "ok");
    s.label = src.value("label", "");
    s.config_id = src.value("config_id", "");
    out.push_back(std::move(s));
  }
  return out;
}

LaunchFacts read_launch_facts(const std::string& dir) {
  LaunchFacts f;
  std::error_code ec;
  std::vector<fs::path> metas;
  for (const auto& e : fs::directory_iterator(store_layout(dir).launches(), ec))
    if (StoreLayout::is_launch_meta(e.path().filename().string())) metas.push_back(e.path());
  std::sort(metas.begin(), metas.end());
  for (const fs::path& p : metas) {
    core::JsonParse parsed;
    try {
      parsed = core::parse_json(read_file_text(p.string()));  // regular files within the size cap only
    } catch (const core::Error&) {
      continue;
    }
    const json& meta = parsed.value;
    if (!parsed.ok() || !meta.is_object()) continue;
    if (meta.value("standin", false) == true) f.standin = true;
    if (f.nodes < 0 && meta.contains("hosts") && meta["hosts"].is_array() && !meta["hosts"].empty()) {
      f.nodes = static_cast<int>(meta["hosts"].size());
      try {
        f.first = meta.get<RunMetadata>();
      } catch (const std::exception&) {
        // Not a whole run's metadata (a missing or mistyped field): its host count still stands.
      }
    }
  }
  return f;
}

}  // namespace collbench::results
