#include "core/traffic.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.hpp"
#include "core/input_file.hpp"

namespace collbench::core {

namespace {

constexpr std::uint64_t kAlign16 = ~std::uint64_t{15};

// Parses the whole of `s` as a finite double; false for anything else.
bool parse_double(const std::string& s, double& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return errno != ERANGE && end == s.c_str() + s.size() && std::isfinite(out);
}

}  // namespace

Traffic Traffic::generated(double spread) {
  Traffic t;
  t.m_spread = spread;
  return t;
}

Traffic Traffic::matrix_file(const std::string& path, double scale) {
  const std::string text = read_input_file(path, {"traffic matrix", kConfigMaxBytes});
  Traffic t;
  t.m_path = path;
  t.m_scale = scale;
  std::size_t rows = 0, cols = 0, row_cols = 0;
  std::size_t pos = 0;
  const auto end_row = [&] {
    if (row_cols == 0) return;
    if (rows == 0) cols = row_cols;
    if (row_cols != cols)
      throw InputError(fmt::format("traffic matrix '{}': row {} has {} values; expected {} (a square matrix of byte "
                                   "counts, one row per sending rank)", path, rows + 1, row_cols, cols));
    ++rows;
    row_cols = 0;
  };
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '\n') {
      end_row();
      ++pos;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++pos;
      continue;
    }
    std::size_t stop = pos;
    while (stop < text.size() && !std::isspace(static_cast<unsigned char>(text[stop]))) ++stop;
    const std::string token = text.substr(pos, stop - pos);
    double v = 0;
    if (!parse_double(token, v) || v < 0)
      throw InputError(fmt::format("traffic matrix '{}': row {} column {} is '{}'; expected a non-negative number of "
                                   "bytes", path, rows + 1, row_cols + 1, token.substr(0, 40)));
    const long double scaled = static_cast<long double>(v) * scale;
    if (scaled >= static_cast<long double>(std::numeric_limits<std::uint64_t>::max()) / 2)
      throw InputError(fmt::format("traffic matrix '{}': row {} column {}: {} bytes scaled by {} is too large",
                                   path, rows + 1, row_cols + 1, token.substr(0, 40), scale));
    t.m_matrix.push_back(static_cast<std::uint64_t>(scaled) & kAlign16);
    ++row_cols;
    pos = stop;
  }
  end_row();
  if (rows == 0) throw InputError("traffic matrix '" + path + "': no values; expected a square matrix of byte counts");
  if (rows != cols)
    throw InputError(fmt::format("traffic matrix '{}': {} rows of {} values; expected a square matrix", path, rows, cols));
  if (rows > 1u << 16) throw InputError(fmt::format("traffic matrix '{}': {} rows; at most 65536", path, rows));
  t.m_dim = static_cast<int>(rows);
  return t;
}

Traffic Traffic::parse(std::string_view spec, double scale, std::string_view flag) {
  const std::string s(spec);
  const auto bad = [&] {
    return InputError(fmt::format("{} '{}': expected uniform, spread:F (F from 0, uniform, to 1, distance-weighted) or "
                                  "matrix:FILE", flag, s));
  };
  if (!(scale >= 0) || !std::isfinite(scale))
    throw InputError(fmt::format("{} scale {}: expected a non-negative number", flag, scale));
  if (s == "uniform") return generated(0.0);
  if (s.rfind("spread:", 0) == 0) {
    double v = 0;
    if (!parse_double(s.substr(7), v) || v < 0 || v > 1) throw bad();
    return generated(v);
  }
  if (s.rfind("matrix:", 0) == 0 && s.size() > 7) return matrix_file(s.substr(7), scale);
  throw bad();
}

std::string Traffic::describe() const {
  if (from_matrix())
    return fmt::format("matrix {} ({}x{}, scale {:g}; bytes rank i sends rank j, 16-byte aligned)", m_path, m_dim, m_dim,
                       m_scale);
  if (m_spread == 0) return "generated, uniform (spread 0)";
  return fmt::format("generated, spread {:g} (1 = distance-weighted, nccl-tests' default)", m_spread);
}

void Traffic::require_ranks(int nranks) const {
  if (from_matrix() && nranks > m_dim)
    throw InputError(fmt::format("traffic matrix '{}': {}x{} for a job of {} ranks; expected at least {} rows", m_path,
                                 m_dim, m_dim, nranks, nranks));
}

std::uint64_t Traffic::peer_bytes(int from, int to, int nranks, std::uint64_t total_bytes) const {
  if (from_matrix()) {
    if (from >= m_dim || to >= m_dim) return 0;
    return m_matrix[static_cast<std::size_t>(from) * static_cast<std::size_t>(m_dim) + static_cast<std::size_t>(to)];
  }
  // alltoallv.cu:360-368, term for term.
  if (nranks == 1) return total_bytes & kAlign16;
  const int distance = (to - from + nranks) % nranks;
  const double sum_distances = static_cast<double>(nranks) * (nranks - 1) / 2;
  const double uniform = static_cast<double>(total_bytes) / nranks;
  const double dist = distance * static_cast<double>(total_bytes) / sum_distances;
  const double bytes = (1.0 - m_spread) * uniform + m_spread * dist;
  return static_cast<std::uint64_t>(bytes) & kAlign16;
}

PeerCounts peer_counts(const Traffic* traffic, int rank, int nranks, std::uint64_t param_count, DataType dtype) {
  static const Traffic kDefault;
  const Traffic& t = traffic ? *traffic : kDefault;
  const std::uint64_t elt = size_of(dtype);
  const std::uint64_t total = param_count * static_cast<std::uint64_t>(nranks) * elt;
  const auto n = static_cast<std::size_t>(nranks);
  PeerCounts c;
  c.send.resize(n);
  c.recv.resize(n);
  c.send_offset.resize(n);
  c.recv_offset.resize(n);
  c.source_offset.resize(n);
  std::uint64_t s = 0, r = 0;
  for (int p = 0; p < nranks; ++p) {
    const auto i = static_cast<std::size_t>(p);
    c.send[i] = t.peer_bytes(rank, p, nranks, total) / elt;
    c.recv[i] = t.peer_bytes(p, rank, nranks, total) / elt;
    c.send_offset[i] = s;
    c.recv_offset[i] = r;
    s += c.send[i];
    r += c.recv[i];
    std::uint64_t before = 0;  // what peer p sends ranks 0 .. rank-1 comes first in its buffer
    for (int k = 0; k < rank; ++k) before += t.peer_bytes(p, k, nranks, total) / elt;
    c.source_offset[i] = before;
  }
  return c;
}

}  // namespace collbench::core
