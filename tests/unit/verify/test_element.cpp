// The per-element formulas shared by the host and the GPU kernels (verify/element.hpp), checked
// against the independent host conversions (verify::to_bits / from_bits) and against a simple
// host simulation of every collective.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"
#include "verify/element.hpp"
#include "verify/pattern.hpp"

namespace {

using collbench::core::Collective;
using collbench::core::DataType;
using collbench::core::RedOp;
namespace core = collbench::core;
namespace verify = collbench::verify;
namespace element = collbench::verify::element;
using Buffer = std::vector<unsigned char>;

// Usable at compile time, as on the device.
static_assert(element::int_to_bits(DataType::float32, 3) == 0x40400000u);
static_assert(element::int_to_bits(DataType::half, -2) == 0xC000u);
static_assert(element::int_to_bits(DataType::fp8_e4m3, 16) == 0x58u);
static_assert(element::int_to_bits(DataType::int8, -1) == 0xFFu);
static_assert(element::width_bytes(DataType::bfloat16) == 2);

bool is_signed_int(DataType t) { return core::is_signed(t) && !core::is_floating(t); }

// Mantissa bits of the floating types, written out independently of element::float_format.
int mantissa_bits(DataType t) {
  switch (t) {
    case DataType::half: return 10;      case DataType::bfloat16: return 7;
    case DataType::float32: return 23;   case DataType::float64: return 52;
    case DataType::fp8_e4m3: return 3;   case DataType::fp8_e5m2: return 2;
    default: return 0;
  }
}

// Largest integer magnitude to try (kept within int64 and the type's finite range).
std::int64_t max_magnitude(DataType t) {
  switch (t) {
    case DataType::int8: return 127;            case DataType::uint8: return 255;
    case DataType::int32: return 2147483647;    case DataType::uint32: return 4294967295;
    case DataType::half: return 65504;          case DataType::fp8_e4m3: return 448;
    case DataType::fp8_e5m2: return 57344;      default: return std::int64_t{1} << 62;
  }
}

// Integers exactly representable in t: [-L, L] (or [0, L]), powers of two, and wide significands
// (3, 2^p - 1 and 2^(p-1) + 1 for p significand bits) shifted up to the type's range.
std::vector<std::int64_t> exact_values(DataType t) {
  const auto lim = static_cast<std::int64_t>(std::min(core::exact_integer_limit(t), 70000.0));
  const std::int64_t top = max_magnitude(t);
  std::vector<std::int64_t> mags{top};
  for (std::int64_t v = 0; v <= lim; ++v) mags.push_back(v);
  // m, 2m, 4m, ... up to top (no signed overflow: doubling stops above top / 2).
  auto doublings = [&](std::int64_t m) {
    for (std::int64_t v = m; v <= top; v *= 2) {
      mags.push_back(v);
      if (v > top / 2) break;
    }
  };
  doublings(1);
  if (core::is_floating(t)) {
    const int sig = std::min(mantissa_bits(t) + 1, 62);
    doublings(3);
    doublings((std::int64_t{1} << sig) - 1);
    doublings((std::int64_t{1} << (sig - 1)) + 1);
  }
  std::vector<std::int64_t> out;
  for (std::int64_t v : mags) {
    out.push_back(v);
    if (core::is_signed(t) && v != 0) out.push_back(-v);
  }
  if (is_signed_int(t))  // INT_MIN
    out.push_back(core::size_of(t) == 8 ? std::numeric_limits<std::int64_t>::min() : -top - 1);
  return out;
}

TEST(Element, IntToBitsAgreesWithTheHostConversionForEveryType) {
  for (DataType t : core::kAllDataTypes) {
    std::uint64_t wrong = 0;
    std::ostringstream first;
    for (std::int64_t v : exact_values(t)) {
      const std::uint64_t bits = element::int_to_bits(t, v);
      const std::uint64_t want = verify::to_bits(t, static_cast<double>(v));
      const double back = verify::from_bits(t, bits);
      if ((bits != want || back != static_cast<double>(v)) && wrong++ == 0)
        first << "v=" << v << " int_to_bits=0x" << std::hex << bits << " to_bits=0x" << want << std::dec << " from_bits=" << back;
    }
    EXPECT_EQ(wrong, 0u) << core::name(t) << ": first " << first.str();
  }
}

TEST(Element, WidthAndPoison) {
  for (DataType t : core::kAllDataTypes) {
    EXPECT_EQ(static_cast<std::size_t>(element::width_bytes(t)), core::size_of(t)) << core::name(t);
    EXPECT_EQ(element::float_format(t).mbits, mantissa_bits(t)) << core::name(t);
    const std::uint64_t p = element::poison_bits(t);
    const int bits = 8 * static_cast<int>(core::size_of(t));
    const std::uint64_t all = bits == 64 ? ~0ull : (1ull << bits) - 1;
    if (core::is_floating(t))
      EXPECT_TRUE(std::isnan(verify::from_bits(t, p))) << core::name(t);
    else if (is_signed_int(t))  // INT_MIN
      EXPECT_EQ(verify::from_bits(t, p), -std::ldexp(1.0, bits - 1)) << core::name(t);
    else
      EXPECT_EQ(p, all) << core::name(t);
    EXPECT_EQ(p & ~all, 0u) << core::name(t);  // fits the element width
  }
}

TEST(Element, UlpDistanceBasics) {
  for (DataType t : core::kAllDataTypes) {
    if (!core::is_floating(t)) continue;
    const int m = mantissa_bits(t);
    const int w = 8 * static_cast<int>(core::size_of(t));
    const std::uint64_t one = verify::to_bits(t, 1.0);
    ASSERT_EQ(verify::from_bits(t, one + 1), 1.0 + std::ldexp(1.0, -m)) << core::name(t);       // next above 1
    ASSERT_EQ(verify::from_bits(t, one - 1), 1.0 - std::ldexp(1.0, -m - 1)) << core::name(t);   // next below 1
    EXPECT_EQ(element::ulp_distance(t, one, one), 0u) << core::name(t);
    EXPECT_EQ(element::ulp_distance(t, one, one + 1), 1u) << core::name(t);
    EXPECT_EQ(element::ulp_distance(t, one + 1, one), 1u) << core::name(t);
    EXPECT_EQ(element::ulp_distance(t, one - 1, one + 1), 2u) << core::name(t);
    const std::uint64_t neg = 1ull << (w - 1);
    EXPECT_EQ(element::ulp_distance(t, 0, neg), 0u) << core::name(t);          // +0 and -0
    EXPECT_EQ(element::ulp_distance(t, 1, neg | 1), 2u) << core::name(t);      // ± smallest subnormal
    const std::uint64_t mone = verify::to_bits(t, -1.0);
    EXPECT_EQ(element::ulp_distance(t, mone, mone + 1), 1u) << core::name(t);  // away from zero
    EXPECT_EQ(verify::ulp_distance(t, one, one + 1), 1u) << core::name(t);
  }
}

TEST(Element, LoadStoreRoundTripForEveryWidth) {
  for (DataType t : core::kAllDataTypes) {
    const std::size_t w = core::size_of(t);
    Buffer buf(16 * w, 0x5A), shadow(16 * w, 0x5A);
    for (std::uint64_t idx : {0ull, 1ull, 6ull, 15ull}) {
      const std::uint64_t v = 0x8123456789ABCDEFull ^ (idx * 0x0101010101010101ull);
      element::store(t, buf.data(), idx, v);
      unsigned char* dst = shadow.data() + idx * w;
      if (w == 1) { const auto x = static_cast<std::uint8_t>(v); std::memcpy(dst, &x, 1); }
      if (w == 2) { const auto x = static_cast<std::uint16_t>(v); std::memcpy(dst, &x, 2); }
      if (w == 4) { const auto x = static_cast<std::uint32_t>(v); std::memcpy(dst, &x, 4); }
      if (w == 8) std::memcpy(dst, &v, 8);
      EXPECT_EQ(element::load(t, buf.data(), idx), v & element::width_mask(t)) << core::name(t) << " " << idx;
      EXPECT_EQ(verify::load_bits(t, buf.data(), idx), v & element::width_mask(t)) << core::name(t);
    }
    EXPECT_EQ(buf, shadow) << core::name(t) << ": store wrote outside its element or in the wrong layout";
  }
}

// Simulates the collective on the host with exact integer arithmetic on the ranks' real inputs and
// checks the element formulas and Pattern::count_wrong against the simulated outputs.
void check_collective(Collective c, DataType t, RedOp op, int n) {
  const int root = core::has_root(c) ? n - 1 : 0;
  const verify::Pattern pattern({c, t, op, n, root, 11});
  element::PatternView v = pattern.view();  // alltoallv: pointed at each rank's receive layout below
  const core::CollShape sh = core::shape(c, 1000, t, n);
  ASSERT_GT(sh.recv_count, 0u);
  std::ostringstream os;
  os << core::name(c) << " " << core::name(t) << " " << core::name(op) << " n=" << n;
  const std::string what = os.str();
  std::vector<Buffer> in(static_cast<std::size_t>(n), Buffer(sh.send_bytes));
  for (int r = 0; r < n; ++r) pattern.fill_input(r, sh, in[static_cast<std::size_t>(r)].data());
  auto value = [&](int r, std::uint64_t j) {
    const std::uint64_t bits = element::load(t, in[static_cast<std::size_t>(r)].data(), j);
    const double x = verify::from_bits(t, bits);
    EXPECT_EQ(verify::to_bits(t, x), bits) << what;  // an exact, canonically encoded integer
    EXPECT_EQ(x, std::floor(x)) << what;
    return static_cast<std::int64_t>(x);
  };
  std::vector<std::uint64_t> reduced;
  if (core::takes_op(c)) {
    for (std::uint64_t j = 0; j < sh.send_count; ++j) {
      std::int64_t acc = value(0, j);
      for (int r = 1; r < n; ++r) {
        const std::int64_t x = value(r, j);
        acc = op == RedOp::prod ? acc * x : op == RedOp::min ? std::min(acc, x) : op == RedOp::max ? std::max(acc, x) : acc + x;
      }
      double res = static_cast<double>(acc);
      if (op == RedOp::avg)
        res = t == DataType::float64 ? res / n : static_cast<double>(static_cast<float>(acc) / static_cast<float>(n));
      reduced.push_back(verify::to_bits(t, res));
    }
  }
  const std::uint64_t pc = sh.param_count;
  for (int r = 0; r < n; ++r) {
    const auto ur = static_cast<std::uint64_t>(r);
    const std::vector<std::uint64_t> layout = pattern.receive_layout(r, pc);
    v = pattern.view(layout);
    Buffer out(sh.recv_bytes);
    std::uint64_t wrong = 0, first = 0;
    // alltoallv (nccl-tests' default traffic, balanced): the sources' blocks for rank r in source
    // order, each source's blocks laid out in destination order (alltoallv.cu:493-524).
    std::vector<std::uint64_t> received;
    if (c == Collective::alltoallv) {
      const core::Traffic tr;
      const std::uint64_t total = pc * static_cast<std::uint64_t>(n) * core::size_of(t);
      for (int src = 0; src < n; ++src) {
        std::uint64_t at = 0;
        for (int dst = 0; dst < n; ++dst) {
          const std::uint64_t count = tr.peer_bytes(src, dst, n, total) / core::size_of(t);
          for (std::uint64_t k = 0; dst == r && k < count; ++k)
            received.push_back(element::load(t, in[static_cast<std::size_t>(src)].data(), at + k));
          at += count;
        }
      }
      ASSERT_EQ(received.size(), sh.recv_count) << what;
    }
    for (std::uint64_t i = 0; i < sh.recv_count; ++i) {
      std::uint64_t want = 0;
      switch (c) {
        case Collective::allreduce:
        case Collective::reduce: want = reduced[i]; break;
        case Collective::reducescatter: want = reduced[ur * pc + i]; break;
        case Collective::broadcast: want = element::load(t, in[static_cast<std::size_t>(root)].data(), i); break;
        case Collective::allgather: want = element::load(t, in[i / pc].data(), i % pc); break;
        case Collective::alltoall: want = element::load(t, in[i / pc].data(), ur * pc + i % pc); break;
        case Collective::sendrecv: want = element::load(t, in[static_cast<std::size_t>((r + n - 1) % n)].data(), i); break;
        case Collective::alltoallv: want = received[i]; break;
      }
      element::store(t, out.data(), i, want);
      if (element::expected_bits(v, r, pc, i) != want && wrong++ == 0) first = i;
    }
    EXPECT_EQ(wrong, 0u) << what << " rank " << r << ": first wrong element " << first;
    EXPECT_EQ(element::output_checked(v, r), c != Collective::reduce || r == root) << what << " rank " << r;
    EXPECT_EQ(pattern.count_wrong(r, sh, out.data()), 0u) << what << " rank " << r;
    element::store(t, out.data(), sh.recv_count - 1, v.poison);
    EXPECT_EQ(pattern.count_wrong(r, sh, out.data()), element::output_checked(v, r) ? 1u : 0u) << what << " rank " << r;
  }
}

TEST(Element, ExpectedBitsMatchASimulationOfEveryCollective) {
  for (Collective c : core::kAllCollectives)
    for (DataType t : {DataType::fp8_e4m3, DataType::fp8_e5m2, DataType::bfloat16, DataType::int8, DataType::uint8, DataType::float64})
      for (int n : {1, 2, 3, 5})
        for (RedOp op : core::kAllRedOps) {
          if (!core::op_applies(op, t) || (!core::takes_op(c) && op != RedOp::sum)) continue;
          check_collective(c, t, op, n);
        }
}

TEST(Element, AvgOnFloatsToleratesTwoUlpsSumIsExact) {
  for (DataType t : core::kAllDataTypes) {
    const verify::Pattern sum({Collective::allreduce, t, RedOp::sum, 3, 0, 0});
    const element::PatternView& s = sum.view();
    EXPECT_EQ(s.tolerance_ulp, 0u) << core::name(t);
    const std::uint64_t want = verify::to_bits(t, 5.0);
    EXPECT_TRUE(element::matches(s, want, want)) << core::name(t);
    EXPECT_FALSE(element::matches(s, want + 1, want)) << core::name(t);
    EXPECT_FALSE(element::matches(s, want - 1, want)) << core::name(t);
    if (!core::is_floating(t)) continue;
    const verify::Pattern avg({Collective::allreduce, t, RedOp::avg, 3, 0, 0});
    const element::PatternView& a = avg.view();
    EXPECT_EQ(a.tolerance_ulp, 2u) << core::name(t);
    for (std::uint64_t d : {1u, 2u}) {
      EXPECT_TRUE(element::matches(a, want + d, want)) << core::name(t) << " +" << d;
      EXPECT_TRUE(element::matches(a, want - d, want)) << core::name(t) << " -" << d;
    }
    EXPECT_FALSE(element::matches(a, want + 3, want)) << core::name(t);
    EXPECT_FALSE(element::matches(a, want - 3, want)) << core::name(t);
    // The poison never matches, not even a value 1 ULP from it (e4m3: 0xFF next to -448 = 0xFE).
    EXPECT_FALSE(element::matches(a, a.poison, want)) << core::name(t);
    EXPECT_FALSE(element::matches(a, a.poison, a.poison - 1)) << core::name(t);
    for (std::uint64_t k = 0; k < a.period; ++k)
      EXPECT_FALSE(element::matches(a, a.poison, a.expected_table[k])) << core::name(t);
  }
}

}  // namespace
