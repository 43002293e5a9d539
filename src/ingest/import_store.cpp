#include "ingest/import_store.hpp"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"
#include "results/metadata.hpp"
#include "results/store.hpp"
#include "results/store_layout.hpp"

namespace collbench::ingest {

using nlohmann::json;

std::string config_id_of(const std::string& label) {
  return fmt::format("{:08x}", static_cast<std::uint32_t>(core::fnv1a(label) & 0xffffffffu));
}

ImportOutcome write_import_store(const std::string& dir, std::vector<ImportedLog> logs, const std::string& command_line,
                                 const std::string& version) {
  namespace fs = std::filesystem;
  std::error_code ec;
  json manifest;
  const results::StoreLayout layout = results::store_layout(dir);
  if (fs::exists(layout.manifest())) {
    manifest = results::read_import_manifest(dir);
  } else {
    if (fs::exists(dir) && !fs::is_directory(dir)) throw core::InputError("--out '" + dir + "': exists and is not a directory");
    fs::create_directories(dir, ec);
    if (ec) throw core::InputError("--out '" + dir + "': cannot create: " + ec.message());
    manifest = {{"schema", kImportSchemaName}, {"schema_version", kImportSchemaVersion}, {"tool", "collbench"},
                {"version", version}, {"sources", json::array()}, {"imports", json::array()}};
  }
  std::set<std::string> labels;
  std::map<std::uint64_t, std::string> fingerprints;
  for (const json& s : manifest["sources"]) {
    labels.insert(s.value("label", ""));
    if (s.contains("metadata") && s["metadata"].contains("imported"))
      fingerprints[s["metadata"]["imported"].value("fingerprint", std::uint64_t{0})] = s.value("label", "");
  }
  ImportOutcome out;
  std::vector<ImportedLog*> fresh;
  for (ImportedLog& log : logs) {
    const auto& info = *log.doc.metadata.imported;
    if (const auto it = fingerprints.find(info.fingerprint); it != fingerprints.end() && info.fingerprint != 0) {
      out.duplicates.push_back(fmt::format("{} (already in the store as {})", info.source, it->second));
      continue;
    }
    std::string label = log.label;
    for (int k = 2; labels.count(label); ++k) label = fmt::format("{}-{}", log.label, k);
    log.label = label;
    labels.insert(label);
    fingerprints[info.fingerprint] = label;
    fresh.push_back(&log);
  }
  {
    std::vector<results::StoredCase> cases;
    for (ImportedLog* log : fresh) {
      const std::string cid = config_id_of(log->label);
      for (std::size_t i = 0; i < log->doc.results.size(); ++i) {
        auto& r = log->doc.results[i];
        results::StoredCase c;
        c.case_id = fmt::format("{}:{}:{}:{}:{}:{}:{}:{}", log->label, r.collective, r.datatype, r.op, r.root,
                                r.placement, r.nranks, r.bytes);
        c.config_id = cid;
        c.rep = log->reps[i];
        c.launch = "import";
        c.result = std::move(r);  // the manifest needs the metadata only
        cases.push_back(std::move(c));
      }
    }
    results::StoreAppender(layout.results()).append_all(cases);
    out.records = cases.size();
  }
  for (const ImportedLog* log : fresh) {
    manifest["sources"].push_back({{"label", log->label}, {"config_id", config_id_of(log->label)},
                                   {"status", log->doc.status}, {"records", log->reps.size()},
                                   {"metadata", log->doc.metadata}});
    out.added.push_back(log->label);
  }
  manifest["imports"].push_back({{"time", results::iso8601_utc(std::chrono::system_clock::now())},
                                 {"command_line", command_line}, {"added", out.added}});
  results::write_file_atomically(layout.manifest(), manifest.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
  return out;
}

}  // namespace collbench::ingest
