#pragma once
// A sweep's store: DIR/manifest.json and DIR/results.jsonl, one line per case in the run schema
// with a "sweep" object that names the case. Lines are appended and fsynced as each case
// completes, so a crash or kill loses at most the case in flight; a line cut short by a kill is
// recognised (no trailing newline) and dropped when the store is read for --resume.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "results/record.hpp"

namespace collbench::results {

inline constexpr const char* kStoreSchemaName = "collbench.sweep";
inline constexpr int kStoreSchemaVersion = 1;

struct StoredCase {
  std::string case_id;    // unique in the sweep (plan::case_id)
  std::string config_id;  // 8 hex digits of the configuration
  std::map<std::string, std::string> knobs;  // the configuration as it applies to the collective
  int rep = 0;
  std::string launch;     // "L003-r0"
  ResultRecord result;
};

// DIR/manifest.json, checked to be a sweep store's. Throws InputError: "'DIR': expected a sweep
// store …" (no manifest), "'PATH': not a collbench sweep manifest (unreadable JSON)", "'PATH':
// expected schema \"collbench.sweep\"".
nlohmann::json read_store_manifest(const std::string& dir);

// An import store's manifest (collbench import --out; its writer is ingest::write_import_store).
inline constexpr const char* kImportSchemaName = "collbench.import";
inline constexpr int kImportSchemaVersion = 1;
// DIR/manifest.json when it is an import store's; throws InputError naming it otherwise ("'DIR':
// expected an import store …", "'PATH': not a collbench import manifest (unreadable JSON)", …).
nlohmann::json read_import_manifest(const std::string& dir);
// The checks of read_import_manifest on a manifest already parsed from `path` (a schema, a
// "sources" list, a schema_version this build reads).
void check_import_manifest(const nlohmann::json& m, const std::string& path);

std::string store_line(const StoredCase& c);  // one JSON line, no newline
// Throws InputError naming `where` ("DIR/results.jsonl:12") when the line is not a stored case.
StoredCase parse_store_line(const std::string& line, const std::string& where);

// Appends one line and fsyncs it. Opened with O_APPEND: writers in turn (a launch's rank 0, then
// the sweep itself) never interleave within a line.
class StoreAppender {
 public:
  explicit StoreAppender(std::string path);  // throws InputError when the file cannot be opened
  ~StoreAppender();
  StoreAppender(const StoreAppender&) = delete;
  StoreAppender& operator=(const StoreAppender&) = delete;
  // Writes the line at once (a killed process loses nothing) and fsyncs it at most a second later:
  // an fsync costs milliseconds, more than many measured cases, and a machine crash then loses at
  // most the last second's records, which --resume measures again. Throws RunError when the write
  // or an fsync fails.
  void append(const StoredCase& c);
  // fsyncs what was appended; also done, best effort, on destruction.
  void sync();
  // Many cases at once (collbench import): written in large chunks, one fsync at the end. A crash
  // may leave a torn last line, which readers drop.
  void append_all(const std::vector<StoredCase>& cases);

 private:
  void write_lines(std::string_view text);
  std::string m_path;
  int m_fd = -1;
  bool m_unsynced = false;
  std::chrono::steady_clock::time_point m_synced = std::chrono::steady_clock::now();
};

struct StoreContents {
  std::vector<StoredCase> records;  // in file order; a later record of a case supersedes earlier ones
  std::uint64_t valid_bytes = 0;    // offset of the end of the last complete line
  bool torn_tail = false;           // the file ends in a line without its newline (cut short, or
                                    // still being written): not read
};

// The complete lines from byte `from` on (0: the whole store; a sweep follows a launch's records
// by passing the previous valid_bytes). A missing file is an empty store. A malformed complete
// line throws InputError "PATH:LINE: …" (lines counted from `from`).
StoreContents read_store(const std::string& path, std::uint64_t from = 0);
// Cuts a torn last line off, so the next append starts on a line of its own.
void drop_torn_tail(const std::string& path, std::uint64_t valid_bytes);

}  // namespace collbench::results
