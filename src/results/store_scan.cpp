#include "results/store_scan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <future>
#include <thread>
#include <vector>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/error.hpp"
#include "core/redop.hpp"
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
    const char* e = s;
    while (e < m_end && *e != '"') {
      if (*e == '\\') return false;
      ++e;
    }
    if (e == m_end) return false;
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
  // Walks an object, calling on_key(key) which must consume the value. A key given twice is a
  // surprise (the full parser refuses it, naming the key), as is an object of more keys than a
  // record has.
  template <class F>
  bool object(F&& on_key) {
    if (!lit('{')) return false;
    if (lit('}')) return true;
    std::array<std::string_view, 48> seen;
    std::size_t n = 0;
    do {
      std::string_view key;
      if (!str(key) || !lit(':') || n == seen.size()) return false;
      if (std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n), key) != seen.begin() + static_cast<std::ptrdiff_t>(n))
        return false;
      seen[n++] = key;
      if (!on_key(key)) return false;
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

// What the full parser would refuse in a line the fast path read (check_record in json.cpp): the
// line then goes to it, which names the field.
bool plausible(const CaseDigest& d) {
  if (!core::find_collective(d.collective)) return false;
  if (d.placement != "out_of_place" && d.placement != "in_place") return false;
  if (!core::is_record_op(d.op)) return false;
  try {
    (void)core::parse_datatype(d.datatype);
  } catch (const core::InputError&) {
    return false;
  }
  return d.nranks >= 1 && !(d.p50_us < 0) && !(d.p99_us < 0) && !(d.busbw_gbps < 0) && d.rep >= 0;
}

bool scan_line(std::string_view line, CaseDigest& d) {
  d = CaseDigest{};
  // Bytes beyond ASCII (collbench writes none: its dump escapes nothing but invalid UTF-8 becomes
  // U+FFFD) go to the full parser, which checks that they are UTF-8.
  for (const char ch : line)
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
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
         !d.case_id.empty() && !d.status.empty() && plausible(d);
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

}  // namespace

namespace {

constexpr std::size_t kBlockBytes = std::size_t{16} << 20;

// One block of complete lines, read on a worker thread; digests view into the mapping or into
// `slow` (lines the fast path could not read). An error stops the block at its line.
struct Block {
  std::string data;       // complete lines, read from the file
  std::string_view text;  // = data
  std::vector<CaseDigest> cases;
  std::deque<SlowCase> slow;
  std::uint64_t lines = 0, slow_lines = 0;
  std::optional<std::pair<std::uint64_t, std::string>> error;  // (line in the block, message after "PATH:LINE")
};

void scan_block(Block& b) {
  std::size_t pos = 0;
  CaseDigest d;
  while (pos < b.text.size()) {
    const std::size_t nl = b.text.find('\n', pos);
    const std::string_view line = b.text.substr(pos, nl - pos);
    pos = nl + 1;
    ++b.lines;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (scan_line(line, d)) {
      b.cases.push_back(d);
      continue;
    }
    ++b.slow_lines;
    try {
      SlowCase& sc = b.slow.emplace_back();
      sc.c = parse_store_line(std::string(line), "");
      sc.knobs = nlohmann::json(sc.c.knobs).dump();
      digest_of(sc, d);
      b.cases.push_back(d);
    } catch (const core::InputError& e) {
      b.error = {{b.lines, e.what()}};
      return;
    }
  }
}

// Reads the file in blocks of complete lines (the bytes after a block's last newline start the
// next one); what follows the file's last newline is a torn line.
class BlockReader {
 public:
  explicit BlockReader(const std::string& path) : m_path(path) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO would block open itself
    if (m_fd < 0) throw core::InputError("'" + path + "': cannot open the store's results: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(m_fd);
      throw core::InputError("'" + path + "': expected a regular file (a sweep's results.jsonl)");
    }
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
    m_left = static_cast<std::uint64_t>(st.st_size);
    ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  ~BlockReader() { ::close(m_fd); }
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  // The next block, or false at the end of the file (`torn` says whether bytes were left over).
  bool next(std::string& out, bool* torn) {
    out = std::move(m_carry);
    m_carry.clear();
    while (!m_eof) {
      // No more than the file holds (and 64 KiB at least, for a file still growing): a small
      // store does not zero 16 MiB for each read.
      const std::size_t want = static_cast<std::size_t>(std::clamp<std::uint64_t>(m_left + 1, 1 << 16, kBlockBytes));
      const std::size_t have = out.size();
      out.resize(have + want);
      const ssize_t n = ::read(m_fd, out.data() + have, want);
      if (n < 0) throw core::InputError("'" + m_path + "': cannot read: " + std::strerror(errno));
      out.resize(have + static_cast<std::size_t>(n));
      m_left -= std::min<std::uint64_t>(m_left, static_cast<std::uint64_t>(n));
      if (n == 0) m_eof = true;
      const std::size_t nl = out.rfind('\n');
      if (nl != std::string::npos && (out.size() >= kBlockBytes || m_eof)) {
        m_carry.assign(out, nl + 1);
        out.resize(nl + 1);
        return true;
      }
    }
    *torn = !out.empty();
    return false;
  }

 private:
  std::string m_path;
  int m_fd = -1;
  bool m_eof = false;
  std::uint64_t m_left = 0;  // bytes of the file not read yet, as its size was at open
  std::string m_carry;
};

}  // namespace

ScanStats scan_store(const std::string& path, const std::function<void(const CaseDigest&)>& on_case) {
  BlockReader reader(path);
  ScanStats stats;
  // Blocks are scanned on worker threads, a few ahead, while this thread reads the file and
  // hands the cases of the blocks already scanned to on_case, in file order.
  const std::size_t ahead = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8) + 1;
  std::deque<std::future<Block>> inflight;
  auto deliver = [&] {
    const Block b = inflight.front().get();
    inflight.pop_front();
    for (const CaseDigest& d : b.cases) on_case(d);
    if (b.error) {
      for (auto& f : inflight) f.wait();
      throw core::InputError(fmt::format("{}:{}{}", path, stats.lines + b.error->first, b.error->second));
    }
    stats.lines += b.lines;
    stats.slow_lines += b.slow_lines;
    stats.bytes += b.text.size();
  };
  std::string data;
  while (reader.next(data, &stats.torn_tail)) {
    inflight.push_back(std::async(std::launch::async, [d = std::move(data)]() mutable {
      Block b;
      b.data = std::move(d);
      b.text = b.data;
      scan_block(b);
      return b;
    }));
    data = std::string();
    if (inflight.size() >= ahead) deliver();
  }
  while (!inflight.empty()) deliver();
  return stats;
}

}  // namespace collbench::results
