#include "verify/pattern.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/float16.hpp"

namespace collbench::verify {

namespace {

using core::DataType;
using core::RedOp;

// Largest magnitude an expected value may reach; unsigned types keep all-ones for the poison.
double value_limit(DataType t) {
  switch (t) {
    case DataType::uint8: return 254.0;
    case DataType::uint32: return 4294967294.0;
    default: return core::exact_integer_limit(t);
  }
}

// Largest power of two a product may reach (kept within int64 for the expected-value math).
int max_twos(DataType t) {
  switch (t) {
    case DataType::int8: return 6;
    case DataType::uint8: return 7;
    case DataType::half: return 15;
    case DataType::int32: return 30;
    case DataType::uint32: return 31;
    default: return 62;
  }
}

std::uint64_t div_ceil(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

std::int64_t combine(RedOp op, std::int64_t a, std::int64_t b) {
  switch (op) {
    case RedOp::sum:
    case RedOp::avg: return a + b;
    case RedOp::prod: return a * b;
    case RedOp::min: return std::min(a, b);
    case RedOp::max: return std::max(a, b);
  }
  return a;
}

std::int64_t power(RedOp op, std::int64_t x, std::uint64_t q) {
  if (op == RedOp::min || op == RedOp::max) return x;
  if (op == RedOp::prod) {
    std::int64_t r = 1;
    for (std::uint64_t i = 0; i < q; ++i) r *= x;
    return r;
  }
  return x * static_cast<std::int64_t>(q);
}

std::vector<std::int64_t> reduce_table(DataType t, RedOp op, std::uint64_t n) {
  const bool sgn = core::is_signed(t);
  std::vector<std::int64_t> f;
  if (op == RedOp::sum || op == RedOp::avg) {
    const double limit = value_limit(t);
    std::uint64_t m = 16;
    while (m > 2 && static_cast<double>(n) * static_cast<double>(m - 1) > limit) --m;
    if (static_cast<double>(n) * static_cast<double>(m - 1) <= limit) {
      for (std::uint64_t i = 0; i < m; ++i) f.push_back(static_cast<std::int64_t>(i));
    } else {  // sparse ones: at most ceil(n/P) in any window of n
      std::uint64_t p = div_ceil(n, static_cast<std::uint64_t>(limit));
      while (static_cast<double>(div_ceil(n, p)) > limit) ++p;
      f.assign(std::max<std::uint64_t>(p, 2), 0);
      f[0] = 1;
    }
  } else if (op == RedOp::prod) {
    const std::uint64_t p = std::max<std::uint64_t>(2, div_ceil(n, static_cast<std::uint64_t>(max_twos(t))));
    f.assign(p, 1);
    f[0] = 2;
    if (sgn) f[1] = -1;
  } else {
    for (std::int64_t i = 0; i < 11; ++i) f.push_back((7 * i + 3) % 11 - (sgn ? 5 : 0));
  }
  return f;
}

std::uint64_t data_period(DataType t) {
  switch (t) {
    case DataType::int8: return 127;
    case DataType::uint8:
    case DataType::bfloat16: return 251;
    case DataType::half: return 2039;
    default: return 65521;
  }
}

std::uint64_t poison_bits(DataType t) {
  switch (t) {
    case DataType::int8: return 0x80;
    case DataType::int32: return 0x80000000ull;
    case DataType::int64: return 0x8000000000000000ull;
    default: return ~0ull >> (64 - 8 * core::size_of(t));  // all ones: NaN or UINT_MAX
  }
}

// Maps float bits onto integers that order like the values, for ULP distances.
std::int64_t ordered(std::uint64_t bits, int width) {
  const std::uint64_t sign = 1ull << (width - 1);
  const std::uint64_t mag = bits & (sign - 1);
  return (bits & sign) ? -static_cast<std::int64_t>(mag) : static_cast<std::int64_t>(mag);
}

}  // namespace

std::uint64_t to_bits(DataType t, double value) {
  switch (t) {
    case DataType::int8:
    case DataType::int32:
    case DataType::int64: {
      const auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
      return core::size_of(t) == 8 ? v : v & ((1ull << (8 * core::size_of(t))) - 1);
    }
    case DataType::uint8:
    case DataType::uint32:
    case DataType::uint64: return static_cast<std::uint64_t>(value);
    case DataType::half: return core::float_to_half(static_cast<float>(value));
    case DataType::bfloat16: return core::float_to_bf16(static_cast<float>(value));
    case DataType::float32: return std::bit_cast<std::uint32_t>(static_cast<float>(value));
    case DataType::float64: return std::bit_cast<std::uint64_t>(value);
  }
  return 0;
}

double from_bits(DataType t, std::uint64_t bits) {
  switch (t) {
    case DataType::int8: return static_cast<std::int8_t>(bits);
    case DataType::int32: return static_cast<std::int32_t>(bits);
    case DataType::int64: return static_cast<double>(static_cast<std::int64_t>(bits));
    case DataType::uint8:
    case DataType::uint32:
    case DataType::uint64: return static_cast<double>(bits);
    case DataType::half: return core::half_to_float(static_cast<std::uint16_t>(bits));
    case DataType::bfloat16: return core::bf16_to_float(static_cast<std::uint16_t>(bits));
    case DataType::float32: return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    case DataType::float64: return std::bit_cast<double>(bits);
  }
  return 0.0;
}

std::uint64_t load_bits(DataType t, const void* buf, std::uint64_t index) {
  const std::size_t w = core::size_of(t);
  std::uint64_t v = 0;
  std::memcpy(&v, static_cast<const unsigned char*>(buf) + index * w, w);  // little endian
  return v;
}

void store_bits(DataType t, void* buf, std::uint64_t index, std::uint64_t bits) {
  const std::size_t w = core::size_of(t);
  std::memcpy(static_cast<unsigned char*>(buf) + index * w, &bits, w);
}

std::uint64_t ulp_distance(DataType t, std::uint64_t a, std::uint64_t b) {
  const int width = static_cast<int>(8 * core::size_of(t));
  const std::int64_t d = ordered(a, width) - ordered(b, width);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

Pattern::Pattern(const PatternSpec& spec) : m_spec(spec), m_poison(poison_bits(spec.dtype)) {
  const auto n = static_cast<std::uint64_t>(std::max(spec.nranks, 1));
  const std::uint64_t q_data = data_period(spec.dtype);
  m_data.resize(q_data);
  for (std::uint64_t i = 0; i < q_data; ++i) m_data[i] = to_bits(spec.dtype, static_cast<double>(i));
  if (!reduces()) return;
  m_table = reduce_table(spec.dtype, spec.op, n);
  m_period = m_table.size();
  std::int64_t full = m_table[0];
  for (std::uint64_t i = 1; i < m_period; ++i) full = combine(spec.op, full, m_table[i]);
  const std::uint64_t q = n / m_period;
  const std::uint64_t rem = n % m_period;
  m_expected.resize(m_period);
  for (std::uint64_t s = 0; s < m_period; ++s) {
    bool have = q > 0;
    std::int64_t acc = have ? power(spec.op, full, q) : 0;
    for (std::uint64_t k = 0; k < rem; ++k) {
      const std::int64_t v = m_table[(s + k) % m_period];
      acc = have ? combine(spec.op, acc, v) : v;
      have = true;
    }
    if (spec.op == RedOp::avg) {
      const bool wide = spec.dtype == DataType::float64;
      const double mean = wide ? static_cast<double>(acc) / static_cast<double>(n)
                               : static_cast<double>(static_cast<float>(acc) / static_cast<float>(n));
      m_expected[s] = to_bits(spec.dtype, mean);
    } else {
      m_expected[s] = to_bits(spec.dtype, static_cast<double>(acc));
    }
  }
  for (auto& v : m_table) v = static_cast<std::int64_t>(to_bits(spec.dtype, static_cast<double>(v)));
}

bool Pattern::reduces() const { return core::takes_op(m_spec.coll); }

std::uint64_t Pattern::input_value_bits(int rank, std::uint64_t j) const {
  return static_cast<std::uint64_t>(m_table[(j + static_cast<std::uint64_t>(rank) + m_spec.seed) % m_period]);
}

std::uint64_t Pattern::expected_reduced_bits(std::uint64_t j) const {
  return m_expected[(j + m_spec.seed) % m_period];
}

std::uint64_t Pattern::data_bits(int rank, std::uint64_t j) const {
  return m_data[(j + 1009ull * static_cast<std::uint64_t>(rank) + m_spec.seed) % m_data.size()];
}

bool Pattern::matches(std::uint64_t got, std::uint64_t want) const {
  if (got == want) return true;
  return m_spec.op == RedOp::avg && reduces() && ulp_distance(m_spec.dtype, got, want) <= 2;
}

void Pattern::fill_input(int rank, const core::CollShape& shape, void* buf) const {
  const DataType t = m_spec.dtype;
  if (reduces()) {
    for (std::uint64_t j = 0; j < shape.send_count; ++j) store_bits(t, buf, j, input_value_bits(rank, j));
  } else {
    for (std::uint64_t j = 0; j < shape.send_count; ++j) store_bits(t, buf, j, data_bits(rank, j));
  }
}

void Pattern::poison(void* buf, std::uint64_t count) const {
  for (std::uint64_t i = 0; i < count; ++i) store_bits(m_spec.dtype, buf, i, m_poison);
}

void Pattern::corrupt(void* out, std::uint64_t count) const {
  if (count == 0) return;
  for (std::uint64_t i : {std::uint64_t{0}, count / 2, count - 1}) store_bits(m_spec.dtype, out, i, m_poison);
}

std::uint64_t Pattern::count_wrong(int rank, const core::CollShape& shape, const void* out) const {
  using core::Collective;
  const DataType t = m_spec.dtype;
  const auto r = static_cast<std::uint64_t>(rank);
  const std::uint64_t base = shape.param_count;
  std::uint64_t wrong = 0;
  auto check = [&](std::uint64_t i, std::uint64_t want) { wrong += !matches(load_bits(t, out, i), want); };
  switch (m_spec.coll) {
    case Collective::reduce:
      if (rank != m_spec.root) return 0;
      [[fallthrough]];
    case Collective::allreduce:
      for (std::uint64_t i = 0; i < shape.recv_count; ++i) check(i, expected_reduced_bits(i));
      break;
    case Collective::reducescatter:
      for (std::uint64_t i = 0; i < shape.recv_count; ++i) check(i, expected_reduced_bits(r * base + i));
      break;
    case Collective::broadcast:
      for (std::uint64_t i = 0; i < shape.recv_count; ++i) check(i, data_bits(m_spec.root, i));
      break;
    case Collective::allgather:
    case Collective::alltoall: {
      const std::uint64_t offset = m_spec.coll == Collective::alltoall ? r * base : 0;
      for (int p = 0; p < m_spec.nranks; ++p)
        for (std::uint64_t i = 0; i < base; ++i)
          check(static_cast<std::uint64_t>(p) * base + i, data_bits(p, offset + i));
      break;
    }
  }
  return wrong;
}

}  // namespace collbench::verify
