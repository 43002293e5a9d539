// The patterns' promise: the expected result holds bit for bit whatever order a reduction takes.
// Each collective is simulated from the ranks' real input buffers in the data type's own
// arithmetic (half/bfloat16 through float, rounded to nearest even), in three orders.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/collective.hpp"
#include "verify/pattern.hpp"

namespace {

using collbench::core::Collective;
using collbench::core::DataType;
using collbench::core::RedOp;
namespace core = collbench::core;
namespace verify = collbench::verify;
using Buffer = std::vector<unsigned char>;

std::uint64_t combine(DataType t, RedOp op, std::uint64_t a, std::uint64_t b) {
  if (!core::is_floating(t)) {
    const auto x = static_cast<std::int64_t>(verify::from_bits(t, a));
    const auto y = static_cast<std::int64_t>(verify::from_bits(t, b));
    std::int64_t r = 0;
    switch (op) {
      case RedOp::sum: case RedOp::avg: r = x + y; break;
      case RedOp::prod: r = x * y; break;
      case RedOp::min: r = std::min(x, y); break;
      case RedOp::max: r = std::max(x, y); break;
    }
    return verify::to_bits(t, static_cast<double>(r));
  }
  if (t == DataType::float64) {
    const double x = verify::from_bits(t, a), y = verify::from_bits(t, b);
    double r = op == RedOp::prod ? x * y : op == RedOp::min ? std::min(x, y) : op == RedOp::max ? std::max(x, y) : x + y;
    return verify::to_bits(t, r);
  }
  const auto x = static_cast<float>(verify::from_bits(t, a)), y = static_cast<float>(verify::from_bits(t, b));
  float r = op == RedOp::prod ? x * y : op == RedOp::min ? std::min(x, y) : op == RedOp::max ? std::max(x, y) : x + y;
  return verify::to_bits(t, static_cast<double>(r));
}

enum class Order { forward, reverse, tree };

// Reduces element j over ranks in the given order.
std::uint64_t reduce_at(DataType t, RedOp op, const std::vector<Buffer>& in, std::uint64_t j, Order order) {
  std::vector<std::uint64_t> v;
  for (const auto& b : in) v.push_back(verify::load_bits(t, b.data(), j));
  if (order == Order::reverse) std::reverse(v.begin(), v.end());
  if (order == Order::tree) {
    while (v.size() > 1) {
      std::vector<std::uint64_t> next;
      for (std::size_t i = 0; i + 1 < v.size(); i += 2) next.push_back(combine(t, op, v[i], v[i + 1]));
      if (v.size() % 2) next.push_back(v.back());
      v = next;
    }
    return v[0];
  }
  std::uint64_t acc = v[0];
  for (std::size_t i = 1; i < v.size(); ++i) acc = combine(t, op, acc, v[i]);
  return acc;
}

std::uint64_t finish(DataType t, RedOp op, std::uint64_t bits, int n) {
  if (op != RedOp::avg) return bits;
  if (t == DataType::float64) return verify::to_bits(t, verify::from_bits(t, bits) / n);
  return verify::to_bits(t, static_cast<double>(static_cast<float>(verify::from_bits(t, bits)) / static_cast<float>(n)));
}

// Simulates `coll` from every rank's input and returns the wrong elements over the checked ranks
// (all ranks up to 8, else the first and last: reducing outputs differ only by offset).
// alltoallv as nccl-tests' run walks it (alltoallv.cu:493-524): each source sends its blocks in
// rank order from the start of its buffer; a rank receives them in source order.
std::vector<std::uint64_t> alltoallv_received(const core::Traffic& tr, DataType t, int n, std::uint64_t param_count,
                                              const std::vector<Buffer>& in, int rank) {
  const std::uint64_t w = core::size_of(t);
  const std::uint64_t total = param_count * static_cast<std::uint64_t>(n) * w;
  std::vector<std::uint64_t> out;
  for (int src = 0; src < n; ++src) {
    std::uint64_t at = 0;
    for (int dst = 0; dst < n; ++dst) {
      const std::uint64_t count = tr.peer_bytes(src, dst, n, total) / w;
      if (dst == rank)
        for (std::uint64_t k = 0; k < count; ++k) out.push_back(verify::load_bits(t, in[static_cast<std::size_t>(src)].data(), at + k));
      at += count;
    }
  }
  return out;
}

std::uint64_t simulate(Collective coll, DataType t, RedOp op, int n, std::uint64_t bytes, Order order,
                       std::uint64_t seed = 7, std::shared_ptr<const core::Traffic> traffic = nullptr) {
  const verify::Pattern pattern({coll, t, op, n, 0, seed, traffic});
  const core::Traffic default_traffic;
  const core::CollShape sh = core::shape(coll, bytes, t, n, traffic.get());
  const std::size_t w = core::size_of(t);
  std::vector<Buffer> in(static_cast<std::size_t>(n), Buffer(sh.send_count * w));
  for (int r = 0; r < n; ++r) pattern.fill_input(r, sh, in[static_cast<std::size_t>(r)].data());
  std::vector<std::uint64_t> reduced;  // each input position reduced over ranks, once
  if (core::takes_op(coll))
    for (std::uint64_t j = 0; j < sh.send_count; ++j) reduced.push_back(finish(t, op, reduce_at(t, op, in, j, order), n));
  std::vector<int> ranks;
  for (int r = 0; r < n; ++r)
    if (n <= 8 || r == 0 || r == n - 1) ranks.push_back(r);
  std::uint64_t wrong = 0;
  for (int r : ranks) {
    Buffer out(sh.recv_count * w);
    pattern.poison(out.data(), sh.recv_count);
    const auto base = sh.param_count;
    const auto ur = static_cast<std::uint64_t>(r);
    const std::vector<std::uint64_t> received =
        coll == Collective::alltoallv ? alltoallv_received(traffic ? *traffic : default_traffic, t, n, base, in, r)
                                      : std::vector<std::uint64_t>{};
    for (std::uint64_t i = 0; i < sh.recv_count; ++i) {
      std::uint64_t v = 0;
      switch (coll) {
        case Collective::allreduce:
        case Collective::reduce: v = reduced[i]; break;
        case Collective::reducescatter: v = reduced[ur * base + i]; break;
        case Collective::broadcast: v = verify::load_bits(t, in[0].data(), i); break;
        case Collective::allgather: v = verify::load_bits(t, in[i / base].data(), i % base); break;
        case Collective::alltoall: v = verify::load_bits(t, in[i / base].data(), ur * base + i % base); break;
        case Collective::sendrecv: v = verify::load_bits(t, in[static_cast<std::size_t>((r + n - 1) % n)].data(), i); break;
        case Collective::alltoallv:
          if (i >= received.size()) continue;  // beyond what this rank receives, the output stays poisoned
          v = received[i];
          break;
      }
      verify::store_bits(t, out.data(), i, v);
    }
    wrong += pattern.count_wrong(r, sh, out.data());
  }
  return wrong;
}

TEST(Pattern, ReductionsAreExactInEveryOrderForEveryTypeAndOp) {
  for (DataType t : core::kAllDataTypes)
    for (RedOp op : core::kAllRedOps) {
      if (!core::op_applies(op, t)) continue;
      for (int n : {1, 2, 3, 4, 7, 8, 33})
        for (Order order : {Order::forward, Order::reverse, Order::tree})
          EXPECT_EQ(simulate(Collective::allreduce, t, op, n, 4096, order), 0u)
              << core::name(t) << " " << core::name(op) << " n=" << n << " order=" << static_cast<int>(order);
    }
}

// sendrecv's ring either way (run --sendrecv-ring): each rank's output must hold what its source
// sent, rank-1's forward (nccl-tests) and rank+1's reversed; the other neighbour's data is wrong
// in every element.
TEST(Pattern, ASendrecvRingIsCheckedInItsDirection) {
  for (bool reverse : {false, true})
    for (int n : {2, 3, 5}) {
      const verify::Pattern pattern({Collective::sendrecv, DataType::int32, RedOp::sum, n, 0, 11, nullptr, reverse});
      const core::CollShape sh = core::shape(Collective::sendrecv, 4096, DataType::int32, n);
      std::vector<Buffer> in(static_cast<std::size_t>(n), Buffer(sh.send_count * 4));
      for (int r = 0; r < n; ++r) pattern.fill_input(r, sh, in[static_cast<std::size_t>(r)].data());
      for (int r = 0; r < n; ++r) {
        const int source = reverse ? (r + 1) % n : (r + n - 1) % n, other = reverse ? (r + n - 1) % n : (r + 1) % n;
        EXPECT_EQ(pattern.count_wrong(r, sh, in[static_cast<std::size_t>(source)].data()), 0u) << reverse << n << r;
        if (n > 2)
          EXPECT_EQ(pattern.count_wrong(r, sh, in[static_cast<std::size_t>(other)].data()), sh.recv_count) << reverse << n << r;
      }
    }
}

TEST(Pattern, StaysExactAtScalesThatOverflowNarrowTypes) {
  // bfloat16 holds integers exactly only up to 256; int8 products overflow past 2^6.
  for (int n : {100, 300, 1000}) {
    EXPECT_EQ(simulate(Collective::allreduce, DataType::bfloat16, RedOp::sum, n, 256, Order::forward), 0u) << n;
    EXPECT_EQ(simulate(Collective::allreduce, DataType::bfloat16, RedOp::sum, n, 256, Order::tree), 0u) << n;
    EXPECT_EQ(simulate(Collective::allreduce, DataType::int8, RedOp::prod, n, 256, Order::reverse), 0u) << n;
    EXPECT_EQ(simulate(Collective::allreduce, DataType::half, RedOp::prod, n, 256, Order::tree), 0u) << n;
  }
}

TEST(Pattern, EveryCollectiveVerifiesItsOwnSemantics) {
  for (Collective c : core::kAllCollectives)
    for (DataType t : {DataType::int8, DataType::half, DataType::float32, DataType::uint64})
      for (int n : {1, 2, 4, 5})
        EXPECT_EQ(simulate(c, t, RedOp::sum, n, 1024, Order::forward), 0u) << core::name(c) << " " << core::name(t) << " n=" << n;
}

TEST(Pattern, AlltoallvVerifiesEveryTrafficShape) {
  const auto matrix_of = [](const std::string& text) {
    const std::string path = ::testing::TempDir() + "/collbench_traffic_matrix.txt";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return std::make_shared<const core::Traffic>(core::Traffic::matrix_file(path, 1.0));
  };
  // Uneven: rank 0 sends most, rank 2 receives nothing from rank 1, rank 1 sends itself 0.
  const auto uneven = matrix_of("64 1024 32\n16 0 0\n4096 48 160\n");
  for (const auto& tr : {std::make_shared<const core::Traffic>(core::Traffic::generated(0.0)),
                         std::make_shared<const core::Traffic>(core::Traffic::generated(0.5)),
                         std::make_shared<const core::Traffic>(core::Traffic::generated(1.0)), uneven})
    for (DataType t : {DataType::int8, DataType::half, DataType::float64})
      for (int n : tr->from_matrix() ? std::vector<int>{2, 3} : std::vector<int>{1, 2, 3, 8})
        EXPECT_EQ(simulate(Collective::alltoallv, t, RedOp::sum, n, 64 * 1024, Order::forward, 7, tr), 0u)
            << tr->describe() << " " << core::name(t) << " n=" << n;
  // A rank that received its blocks from the wrong sources is caught: swap two ranks' inputs.
  const verify::Pattern p({Collective::alltoallv, DataType::int32, RedOp::sum, 3, 0, 1, uneven});
  const core::CollShape sh = core::shape(Collective::alltoallv, 0, DataType::int32, 3, uneven.get());
  std::vector<Buffer> in(3, Buffer(sh.send_count * 4));
  for (int r = 0; r < 3; ++r) p.fill_input((r + 1) % 3, sh, in[static_cast<std::size_t>(r)].data());
  const std::vector<std::uint64_t> got = alltoallv_received(*uneven, DataType::int32, 3, sh.param_count, in, 0);
  Buffer out(sh.recv_count * 4);
  p.poison(out.data(), sh.recv_count);
  for (std::size_t i = 0; i < got.size(); ++i) verify::store_bits(DataType::int32, out.data(), i, got[i]);
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), got.size());
}

TEST(Pattern, DetectsCorruptionAndPoison) {
  const verify::Pattern p({Collective::allreduce, DataType::float32, RedOp::sum, 4, 0, 1});
  const auto sh = core::shape(Collective::allreduce, 1024, DataType::float32, 4);
  Buffer out(sh.recv_bytes);
  p.poison(out.data(), sh.recv_count);
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), sh.recv_count);  // nothing written: all wrong
  // A correct result, then an injected corruption: exactly 3 elements wrong.
  std::vector<Buffer> in(4, Buffer(sh.send_bytes));
  for (int r = 0; r < 4; ++r) p.fill_input(r, sh, in[static_cast<std::size_t>(r)].data());
  for (std::uint64_t i = 0; i < sh.recv_count; ++i)
    verify::store_bits(DataType::float32, out.data(), i, reduce_at(DataType::float32, RedOp::sum, in, i, Order::forward));
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), 0u);
  p.corrupt(out.data(), sh.recv_count);
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), 3u);
}

TEST(Pattern, MisplacedBlocksAreWrong) {
  // allgather with two ranks' blocks swapped must not verify.
  const int n = 3;
  const verify::Pattern p({Collective::allgather, DataType::int32, RedOp::sum, n, 0, 5});
  const auto sh = core::shape(Collective::allgather, 3 * 64, DataType::int32, n);
  std::vector<Buffer> in(n, Buffer(sh.send_bytes));
  for (int r = 0; r < n; ++r) p.fill_input(r, sh, in[static_cast<std::size_t>(r)].data());
  Buffer out(sh.recv_bytes);
  for (int blk = 0; blk < n; ++blk) {
    const int src = blk == 0 ? 1 : blk == 1 ? 0 : 2;
    std::memcpy(out.data() + static_cast<std::size_t>(blk) * sh.send_bytes, in[static_cast<std::size_t>(src)].data(), sh.send_bytes);
  }
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), 2 * sh.param_count);
}

TEST(Pattern, AvgToleratesTwoUlpsAndNoMore) {
  const verify::Pattern p({Collective::allreduce, DataType::float32, RedOp::avg, 3, 0, 0});
  const auto sh = core::shape(Collective::allreduce, 64, DataType::float32, 3);
  std::vector<Buffer> in(3, Buffer(sh.send_bytes));
  for (int r = 0; r < 3; ++r) p.fill_input(r, sh, in[static_cast<std::size_t>(r)].data());
  Buffer out(sh.recv_bytes);
  for (std::uint64_t i = 0; i < sh.recv_count; ++i)
    verify::store_bits(DataType::float32, out.data(), i,
                       finish(DataType::float32, RedOp::avg, reduce_at(DataType::float32, RedOp::sum, in, i, Order::forward), 3));
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), 0u);
  const std::uint64_t v0 = verify::load_bits(DataType::float32, out.data(), 1);
  verify::store_bits(DataType::float32, out.data(), 1, v0 + 2);
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), 0u);
  verify::store_bits(DataType::float32, out.data(), 1, v0 + 3);
  EXPECT_EQ(p.count_wrong(0, sh, out.data()), 1u);
}

TEST(Pattern, ConsecutiveSeedsGiveDifferentData) {
  const auto sh = core::shape(Collective::allreduce, 256, DataType::float32, 2);
  Buffer a(sh.send_bytes), b(sh.send_bytes);
  verify::Pattern({Collective::allreduce, DataType::float32, RedOp::sum, 2, 0, 1}).fill_input(0, sh, a.data());
  verify::Pattern({Collective::allreduce, DataType::float32, RedOp::sum, 2, 0, 2}).fill_input(0, sh, b.data());
  EXPECT_NE(a, b);
}

}  // namespace
