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
    case DataType::fp8_e4m3: return 8;    // 2^8 = 256 <= 448
    case DataType::fp8_e5m2: return 15;   // 2^15 <= 57344
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
    case DataType::fp8_e4m3: return 17;   // 0..16
    case DataType::fp8_e5m2: return 7;    // 0..6
    default: return 65521;
  }
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
    case DataType::fp8_e4m3: return core::float_to_fp8_e4m3(static_cast<float>(value));
    case DataType::fp8_e5m2: return core::float_to_fp8_e5m2(static_cast<float>(value));
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
    case DataType::fp8_e4m3: return core::fp8_e4m3_to_float(static_cast<std::uint8_t>(bits));
    case DataType::fp8_e5m2: return core::fp8_e5m2_to_float(static_cast<std::uint8_t>(bits));
    case DataType::float32: return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    case DataType::float64: return std::bit_cast<double>(bits);
  }
  return 0.0;
}

std::uint64_t load_bits(DataType t, const void* buf, std::uint64_t index) { return element::load(t, buf, index); }

void store_bits(DataType t, void* buf, std::uint64_t index, std::uint64_t bits) { element::store(t, buf, index, bits); }

std::uint64_t ulp_distance(DataType t, std::uint64_t a, std::uint64_t b) { return element::ulp_distance(t, a, b); }

Pattern::Pattern(const PatternSpec& spec) : m_spec(spec) {
  const auto n = static_cast<std::uint64_t>(std::max(spec.nranks, 1));
  m_view.dtype = spec.dtype;
  m_view.coll = spec.coll;
  m_view.nranks = spec.nranks;
  m_view.root = spec.root;
  m_view.seed = spec.seed;
  m_view.reverse_ring = spec.coll == core::Collective::sendrecv && spec.reverse_ring;
  m_view.reduces = core::takes_op(spec.coll);
  m_view.data_period = data_period(spec.dtype);
  m_view.poison = element::poison_bits(spec.dtype);
  m_view.tolerance_ulp = m_view.reduces && spec.op == RedOp::avg && core::is_floating(spec.dtype) ? 2 : 0;
  if (!m_view.reduces) return;
  std::vector<std::int64_t> table = reduce_table(spec.dtype, spec.op, n);
  const std::uint64_t period = table.size();
  std::int64_t full = table[0];
  for (std::uint64_t i = 1; i < period; ++i) full = combine(spec.op, full, table[i]);
  const std::uint64_t q = n / period;
  const std::uint64_t rem = n % period;
  m_expected.resize(period);
  for (std::uint64_t s = 0; s < period; ++s) {
    bool have = q > 0;
    std::int64_t acc = have ? power(spec.op, full, q) : 0;
    for (std::uint64_t k = 0; k < rem; ++k) {
      const std::int64_t v = table[(s + k) % period];
      acc = have ? combine(spec.op, acc, v) : v;
      have = true;
    }
    if (spec.op == RedOp::avg) {
      const bool wide = spec.dtype == DataType::float64;
      const double mean = wide ? static_cast<double>(acc) / static_cast<double>(n)
                               : static_cast<double>(static_cast<float>(acc) / static_cast<float>(n));
      m_expected[s] = to_bits(spec.dtype, mean);
    } else {
      m_expected[s] = element::int_to_bits(spec.dtype, acc);
    }
  }
  m_input.resize(period);
  for (std::uint64_t t = 0; t < period; ++t) m_input[t] = element::int_to_bits(spec.dtype, table[t]);
  m_view.period = period;
}

element::PatternView Pattern::view() const {
  element::PatternView v = m_view;
  v.input_table = m_input.empty() ? nullptr : m_input.data();
  v.expected_table = m_expected.empty() ? nullptr : m_expected.data();
  return v;
}

std::vector<std::uint64_t> Pattern::receive_layout(int rank, std::uint64_t param_count) const {
  if (m_spec.coll != core::Collective::alltoallv) return {};
  const core::PeerCounts c = core::peer_counts(m_spec.traffic.get(), rank, m_spec.nranks, param_count, m_spec.dtype);
  const auto n = static_cast<std::size_t>(m_spec.nranks);
  std::vector<std::uint64_t> layout(2 * n + 1);
  for (std::size_t p = 0; p < n; ++p) {
    layout[p] = c.recv_offset[p];
    layout[n + 1 + p] = c.source_offset[p];
  }
  layout[n] = n == 0 ? 0 : c.recv_offset[n - 1] + c.recv[n - 1];
  return layout;
}

element::PatternView Pattern::view(std::span<const std::uint64_t> layout) const {
  element::PatternView v = view();
  v.layout = layout.empty() ? nullptr : layout.data();
  return v;
}

void Pattern::fill_input(int rank, const core::CollShape& shape, void* buf) const {
  const element::PatternView v = view();
  for (std::uint64_t j = 0; j < shape.send_count; ++j) element::store(v.dtype, buf, j, element::input_bits(v, rank, j));
}

void Pattern::poison(void* buf, std::uint64_t count) const {
  for (std::uint64_t i = 0; i < count; ++i) element::store(m_view.dtype, buf, i, m_view.poison);
}

void Pattern::corrupt(void* out, std::uint64_t count) const {
  if (count == 0) return;
  for (std::uint64_t i : {std::uint64_t{0}, count / 2, count - 1}) element::store(m_view.dtype, out, i, m_view.poison);
}

std::uint64_t Pattern::count_wrong(int rank, const core::CollShape& shape, const void* out) const {
  const std::vector<std::uint64_t> layout = receive_layout(rank, shape.param_count);
  const element::PatternView v = view(layout);
  if (!element::output_checked(v, rank)) return 0;
  std::uint64_t wrong = 0;
  for (std::uint64_t i = 0; i < shape.recv_count; ++i) {
    const std::uint64_t want = element::expected_bits(v, rank, shape.param_count, i);
    wrong += !element::matches(v, element::load(v.dtype, out, i), want);
  }
  return wrong;
}

}  // namespace collbench::verify
