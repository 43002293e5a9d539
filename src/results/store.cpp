#include "results/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "results/json.hpp"

namespace collbench::results {

using nlohmann::json;

std::string store_line(const StoredCase& c) {
  json j = c.result;
  j["sweep"] = {{"case", c.case_id}, {"config_id", c.config_id}, {"knobs", c.knobs}, {"rep", c.rep}, {"launch", c.launch}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

StoredCase parse_store_line(const std::string& line, const std::string& where) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception&) {
    throw core::InputError(where + ": expected one JSON object per line (a collbench sweep record)");
  }
  StoredCase c;
  try {
    const json& s = j.at("sweep");
    c.case_id = s.at("case").get<std::string>();
    c.config_id = s.at("config_id").get<std::string>();
    c.knobs = s.at("knobs").get<std::map<std::string, std::string>>();
    c.rep = s.at("rep").get<int>();
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
  if (m_fd >= 0) ::close(m_fd);
}

void StoreAppender::append(const StoredCase& c) {
  const std::string text = store_line(c) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {  // one write() for the line in practice; a short write continues it
    const ssize_t n = ::write(m_fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw core::RunError("'" + m_path + "': cannot append: " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(m_fd) != 0) throw core::RunError("'" + m_path + "': cannot fsync: " + std::strerror(errno));
}

StoreContents read_store(const std::string& path) {
  StoreContents out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0) return out;
    throw core::InputError("'" + path + "': cannot read: " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    ++line_no;
    if (nl == std::string::npos) {  // cut short by a kill mid-write
      out.torn_tail = true;
      break;
    }
    const std::string line = text.substr(pos, nl - pos);
    if (!line.empty()) out.records.push_back(parse_store_line(line, path + ":" + std::to_string(line_no)));
    pos = nl + 1;
    out.valid_bytes = pos;
  }
  return out;
}

void drop_torn_tail(const std::string& path, std::uint64_t valid_bytes) {
  if (::truncate(path.c_str(), static_cast<off_t>(valid_bytes)) != 0)
    throw core::RunError("'" + path + "': cannot cut the torn last line: " + std::strerror(errno));
}

}  // namespace collbench::results
