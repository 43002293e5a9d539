#include "results/store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <thread>
#include <utility>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/input_file.hpp"
#include "core/json_text.hpp"
#include "results/file_io.hpp"
#include "results/json.hpp"
#include "results/store_layout.hpp"

namespace collbench::results {

using nlohmann::json;

nlohmann::json read_store_manifest(const std::string& dir) {
  const std::string path = store_layout(dir).manifest();
  if (core::input_file_missing_or_regular(path, ""))
    throw core::InputError("'" + dir + "': expected a sweep store (a directory with manifest.json and results.jsonl, written by "
                           "collbench sweep --out)");
  core::JsonParse parsed = core::parse_json(core::read_input_file(path, {"", core::kResultsMaxBytes}));
  if (parsed.status == core::JsonParse::Status::refused) throw core::InputError("'" + path + "': " + parsed.problem);
  if (!parsed.ok()) throw core::InputError("'" + path + "': not a collbench sweep manifest (unreadable JSON)");
  nlohmann::json m = std::move(parsed.value);
  const auto schema = m.is_object() ? m.find("schema") : m.end();
  if (schema == m.end() || !schema->is_string() || *schema != kStoreSchemaName)
    throw core::InputError("'" + path + "': expected schema \"" + kStoreSchemaName + "\"");
  return m;
}

json read_import_manifest(const std::string& dir) {
  const std::string path = store_layout(dir).manifest();
  if (core::input_file_missing_or_regular(path, ""))
    throw core::InputError("'" + dir + "': expected an import store (a directory with manifest.json and results.jsonl, "
                           "written by collbench import --out)");
  core::JsonParse parsed = core::parse_json(core::read_input_file(path, {"", core::kResultsMaxBytes}));
  if (parsed.status == core::JsonParse::Status::refused) throw core::InputError("'" + path + "': " + parsed.problem);
  json m = parsed.ok() ? std::move(parsed.value) : json(json::value_t::discarded);
  check_import_manifest(m, path);
  return m;
}

void check_import_manifest(const json& m, const std::string& path) {
  if (m.is_discarded() || !m.is_object())
    throw core::InputError("'" + path + "': not a collbench import manifest (unreadable JSON)");
  if (m.value("schema", "") != kImportSchemaName) {
    throw core::InputError("'" + path + "': expected schema \"" + kImportSchemaName + "\", got \"" +
                           m.value("schema", "") + "\" (import into a new directory)");
  }
  if (!m.contains("sources") || !m["sources"].is_array())
    throw core::InputError("'" + path + "': expected a \"sources\" list");
  if (m.value("schema_version", 0) > kImportSchemaVersion)
    throw core::InputError(fmt::format("'{}': schema_version {} is newer than this build of collbench reads ({})", path,
                                       m.value("schema_version", 0), kImportSchemaVersion));
}

std::string store_line(const StoredCase& c) {
  json j = c.result;
  j["sweep"] = {{"case", c.case_id}, {"config_id", c.config_id}, {"knobs", c.knobs}, {"rep", c.rep}, {"launch", c.launch}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

StoredCase parse_store_line(const std::string& line, const std::string& where) {
  core::JsonParse parsed = core::parse_json(line);
  if (parsed.status == core::JsonParse::Status::refused) throw core::InputError(where + ": " + parsed.problem);
  if (!parsed.ok())
    throw core::InputError(where + ": expected one JSON object per line (a collbench sweep record): " + parsed.problem);
  if (!parsed.value.is_object()) throw core::InputError(where + ": expected one JSON object per line (a collbench sweep record)");
  const json& j = parsed.value;
  StoredCase c;
  try {
    const json& s = j.at("sweep");
    c.case_id = s.at("case").get<std::string>();
    c.config_id = s.at("config_id").get<std::string>();
    c.knobs = s.at("knobs").get<std::map<std::string, std::string>>();
    const json& rep = s.at("rep");  // get<int> would wrap 4294967298 to 2
    if (rep.is_number_integer() && (rep.is_number_unsigned() ? !std::in_range<int>(rep.get<std::uint64_t>())
                                                             : !std::in_range<int>(rep.get<std::int64_t>()) ||
                                                                   rep.get<std::int64_t>() < 0))
      throw core::InputError(where + ": sweep.rep: expected a non-negative integer below 2^31, got " + rep.dump());
    c.rep = rep.get<int>();
    c.launch = s.at("launch").get<std::string>();
  } catch (const json::exception&) {
    throw core::InputError(where + ": expected a \"sweep\" object with case, config_id, knobs, rep and launch");
  }
  try {
    c.result = j.get<ResultRecord>();
  } catch (const core::InputError& e) {
    throw core::InputError(where + ": " + e.what());
  }
  return c;
}

StoreAppender::StoreAppender(std::string path) : m_path(std::move(path)) {
  m_fd = ::open(m_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (m_fd < 0) throw core::InputError("'" + m_path + "': cannot open for appending: " + std::strerror(errno));
}

StoreAppender::~StoreAppender() {
  if (m_fd < 0) return;
  if (m_unsynced) ::fsync(m_fd);
  ::close(m_fd);
}

void StoreAppender::sync() {
  if (::fsync(m_fd) != 0) throw core::RunError("'" + m_path + "': cannot fsync: " + std::strerror(errno));
  m_unsynced = false;
  m_synced = std::chrono::steady_clock::now();
}

// Appends whole lines or nothing: a write cut short (a full disk writes part of a line, then
// fails) is undone, so that the next writer (the sweep recording the launch as failed, or a
// resume) does not glue its line to half of this one in the middle of the file.
void StoreAppender::write_lines(std::string_view text) {
  struct stat st {};
  const bool sized = ::fstat(m_fd, &st) == 0;
  if (write_all(m_fd, text)) return;
  const int err = errno;
  if (sized) (void)!::ftruncate(m_fd, st.st_size);
  throw core::RunError("'" + m_path + "': cannot append: " + std::strerror(err));
}

void StoreAppender::append(const StoredCase& c) {
  write_lines(store_line(c) + "\n");
  m_unsynced = true;
  if (std::chrono::steady_clock::now() - m_synced >= std::chrono::seconds(1)) sync();
}

void StoreAppender::append_all(const std::vector<StoredCase>& cases) {
  // Rendering the lines is the cost (nlohmann builds and dumps each record): batches are rendered
  // on every core, then written in order.
  constexpr std::size_t kBatch = 2048;
  const std::size_t workers = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  std::vector<std::string> rendered(workers);
  for (std::size_t base = 0; base < cases.size(); base += kBatch * workers) {
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < workers; ++w) {
      const std::size_t lo = std::min(cases.size(), base + w * kBatch), hi = std::min(cases.size(), lo + kBatch);
      rendered[w].clear();
      if (lo == hi) continue;
      threads.emplace_back([&, w, lo, hi] {
        for (std::size_t i = lo; i < hi; ++i) rendered[w] += store_line(cases[i]) + '\n';
      });
    }
    for (auto& t : threads) t.join();
    for (const std::string& text : rendered) write_lines(text);
  }
  if (::fsync(m_fd) != 0) throw core::RunError("'" + m_path + "': cannot fsync: " + std::strerror(errno));
}

StoreContents read_store(const std::string& path, std::uint64_t from) {
  StoreContents out;
  out.valid_bytes = from;
  if (core::input_file_missing_or_regular(path, "")) return out;  // a FIFO or device would block or never end
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError("'" + path + "': cannot read: " + std::strerror(errno));
  in.seekg(static_cast<std::streamoff>(from));
  std::string line;
  for (std::size_t line_no = 1; std::getline(in, line); ++line_no) {
    if (in.eof()) {  // no newline: cut short by a kill, or a writer mid-line
      out.torn_tail = true;
      break;
    }
    out.valid_bytes += line.size() + 1;
    if (!line.empty()) out.records.push_back(parse_store_line(line, path + ":" + std::to_string(line_no)));
  }
  return out;
}

void drop_torn_tail(const std::string& path, std::uint64_t valid_bytes) {
  if (::truncate(path.c_str(), static_cast<off_t>(valid_bytes)) != 0)
    throw core::RunError("'" + path + "': cannot cut the torn last line: " + std::strerror(errno));
}

}  // namespace collbench::results
