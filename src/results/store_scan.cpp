#include "results/store_scan.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "results/store.hpp"

namespace collbench::results {

namespace {

// A cursor over one line of JSON that reads what it is asked for and skips the rest. Any
// surprise (an escape in a string it reads, a type it does not expect) makes the caller fall
// back to the full parser; it never guesses.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : m_p(s.data()), m_end(s.data() + s.size()) {}

  bool at_end() {
    ws();
    return m_p == m_end;
  }
  bool lit(char c) {
    ws();
    if (m_p < m_end && *m_p == c) return ++m_p, true;
    return false;
  }
  // A string without escapes (keys and the values read are plain ASCII in the store).
  bool str(std::string_view& out) {
    ws();
    if (m_p >= m_end || *m_p != '"') return false;
    const char* s = ++m_p;
    const void* q = std::memchr(s, '"', static_cast<std::size_t>(m_end - s));
    if (!q) return false;
    const char* e = static_cast<const char*>(q);
    if (std::memchr(s, '\\', static_cast<std::size_t>(e - s))) return false;
    out = std::string_view(s, static_cast<std::size_t>(e - s));
    m_p = e + 1;
    return true;
  }
  template <class T>
  bool number(T& v) {
    ws();
    if (m_end - m_p >= 4 && std::memcmp(m_p, "null", 4) == 0) return m_p += 4, v = T{}, true;  // NaN/inf dump as null
    const auto [q, ec] = std::from_chars(m_p, m_end, v);
    if (ec != std::errc()) return false;
    m_p = q;
    return true;
  }
  bool skip() {
    ws();
    if (m_p >= m_end) return false;
    if (*m_p == '"') return skip_string();
    if (*m_p == '{' || *m_p == '[') return skip_nested();
    while (m_p < m_end && *m_p != ',' && *m_p != '}' && *m_p != ']') ++m_p;
    return true;
  }
  // The raw text of the next value (an object): for the knobs, parsed later and only once.
  bool raw(std::string_view& out) {
    ws();
    const char* s = m_p;
    if (!skip()) return false;
    out = std::string_view(s, static_cast<std::size_t>(m_p - s));
    return true;
  }
  // Walks an object, calling on_key(key) which must consume the value.
  template <class F>
  bool object(F&& on_key) {
    if (!lit('{')) return false;
    if (lit('}')) return true;
    do {
      std::string_view key;
      if (!str(key) || !lit(':') || !on_key(key)) return false;
    } while (lit(','));
    return lit('}');
  }

 private:
  void ws() {
    while (m_p < m_end && (*m_p == ' ' || *m_p == '\t' || *m_p == '\r')) ++m_p;
  }
  bool skip_string() {
    for (++m_p; m_p < m_end; ++m_p) {
      if (*m_p == '\\') ++m_p;
      else if (*m_p == '"') return ++m_p, true;
    }
    return false;
  }
  bool skip_nested() {
    int depth = 0;
    while (m_p < m_end) {
      const char c = *m_p;
      if (c == '"') {
        if (!skip_string()) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      else if ((c == '}' || c == ']') && --depth == 0) return ++m_p, true;
      ++m_p;
    }
    return false;
  }

  const char* m_p;
  const char* m_end;
};

bool read_time(Cursor& c, CaseDigest& d) {
  return c.object([&](std::string_view k) {
    if (k == "p50") return c.number(d.p50_us);
    if (k == "p99") return c.number(d.p99_us);
    if (k == "n") return c.number(d.n);
    if (k == "median_ci")
      return c.object([&](std::string_view m) {
        if (m == "lo") return c.number(d.ci_lo_us);
        if (m == "hi") return c.number(d.ci_hi_us);
        return c.skip();
      });
    return c.skip();
  });
}

bool read_sweep(Cursor& c, CaseDigest& d, bool& seen) {
  seen = true;
  return c.object([&](std::string_view k) {
    if (k == "case") return c.str(d.case_id);
    if (k == "config_id") return c.str(d.config_id);
    if (k == "knobs") return c.raw(d.knobs_json);
    if (k == "rep") return c.number(d.rep);
    return c.skip();
  });
}

}  // namespace

bool scan_line(std::string_view line, CaseDigest& d) {
  d = CaseDigest{};
  Cursor c(line);
  bool sweep = false, coll = false, bytes = false, time = false;
  const bool ok = c.object([&](std::string_view k) {
    switch (k.empty() ? '\0' : k[0]) {
      case 'b':
        if (k == "bytes") return bytes = true, c.number(d.bytes);
        if (k == "busbw_gbps") return c.number(d.busbw_gbps);
        break;
      case 'c':
        if (k == "collective") return coll = true, c.str(d.collective);
        break;
      case 'd':
        if (k == "datatype") return c.str(d.datatype);
        break;
      case 'e':
        if (k == "error") return c.str(d.error);
        break;
      case 'n':
        if (k == "nranks") return c.number(d.nranks);
        break;
      case 'o':
        if (k == "op") return c.str(d.op);
        break;
      case 'p':
        if (k == "placement") return c.str(d.placement);
        break;
      case 's':
        if (k == "status") return c.str(d.status);
        if (k == "sweep") return read_sweep(c, d, sweep);
        break;
      case 't':
        if (k == "time_us") return time = true, read_time(c, d);
        break;
      case 'w':
        if (k == "wrong") return c.number(d.wrong);
        break;
      default: break;
    }
    return c.skip();
  });
  return ok && c.at_end() && sweep && coll && bytes && time && !d.config_id.empty() && !d.knobs_json.empty() &&
         !d.case_id.empty() && !d.status.empty();
}

namespace {

// The full parser's view of a line the fast path could not read.
struct SlowCase {
  StoredCase c;
  std::string knobs;
};

void digest_of(const SlowCase& s, CaseDigest& d) {
  const ResultRecord& r = s.c.result;
  d = CaseDigest{};
  d.case_id = s.c.case_id;
  d.config_id = s.c.config_id;
  d.knobs_json = s.knobs;
  d.collective = r.collective;
  d.datatype = r.datatype;
  d.op = r.op;
  d.placement = r.placement;
  d.status = r.status;
  d.error = r.error;
  d.bytes = r.bytes;
  d.nranks = r.nranks;
  d.rep = s.c.rep;
  d.wrong = r.wrong;
  d.n = r.time_us.n;
  d.p50_us = r.time_us.p50;
  d.p99_us = r.time_us.p99;
  d.ci_lo_us = r.time_us.median_ci.lo;
  d.ci_hi_us = r.time_us.median_ci.hi;
  d.busbw_gbps = r.busbw_gbps;
}

class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw core::InputError("'" + path + "': cannot open the store's results: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      throw core::InputError("'" + path + "': expected a regular file (a sweep's results.jsonl)");
    }
    m_size = static_cast<std::size_t>(st.st_size);
    if (m_size > 0) {
      void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        throw core::InputError("'" + path + "': cannot map: " + std::strerror(errno));
      }
      m_data = static_cast<const char*>(p);
      ::madvise(p, m_size, MADV_SEQUENTIAL);
    }
    ::close(fd);
  }
  ~Mapped() {
    if (m_data) ::munmap(const_cast<char*>(m_data), m_size);
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  std::string_view view() const { return {m_data ? m_data : "", m_size}; }

 private:
  const char* m_data = nullptr;
  std::size_t m_size = 0;
};

}  // namespace

ScanStats scan_store(const std::string& path, const std::function<void(const CaseDigest&)>& on_case) {
  const Mapped file(path);
  const std::string_view all = file.view();
  ScanStats stats;
  CaseDigest d;
  std::size_t pos = 0;
  while (pos < all.size()) {
    const std::size_t nl = all.find('\n', pos);
    if (nl == std::string_view::npos) {
      stats.torn_tail = true;
      break;
    }
    const std::string_view line = all.substr(pos, nl - pos);
    ++stats.lines;
    stats.bytes += line.size() + 1;
    pos = nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (scan_line(line, d)) {
      on_case(d);
      continue;
    }
    ++stats.slow_lines;
    SlowCase s;
    s.c = parse_store_line(std::string(line), path + ":" + std::to_string(stats.lines));
    s.knobs = nlohmann::json(s.c.knobs).dump();
    digest_of(s, d);
    on_case(d);
  }
  return stats;
}

}  // namespace collbench::results
