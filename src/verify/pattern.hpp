#pragma once
// Data patterns whose exact result is known for any reduction order, and bit-exact checks.
//
// Every element is a small integer, exactly representable in every data type. A reduction input
// is v(rank, j) = f((j + rank + seed) mod P) for a table f of period P chosen per (type, op,
// nranks) so that every partial result of any reduction order stays exactly representable:
//   sum/avg  f(t) = t mod m, the largest m in [2, 16] with nranks*(m-1) <= exact limit
//            (sparse 1-in-P ones when even m = 2 is too much: bfloat16 beyond 256 ranks)
//   prod     f = {2, -1 (signed types) or 1, 1, …} with at most e twos in any window of nranks
//   min/max  f(t) = (7t + 3) mod 11, shifted by -5 for signed types
// The result for element j then depends only on (j + seed) mod P: expected values are a table
// of P bit patterns, and checking is a lookup and a compare per element.
// Non-reducing collectives move d(rank, j) = (j + 1009*rank + seed) mod Q, Q <= the exact limit.
// The per-element formulas live in element.hpp, shared with the GPU kernels.
// avg is sum divided once by nranks in the data type's precision; it is the only comparison
// with a tolerance (2 units in the last place, as nccl-tests), because NCCL pre-multiplies.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"
#include "core/traffic.hpp"
#include "verify/element.hpp"

namespace collbench::verify {

struct PatternSpec {
  core::Collective coll = core::Collective::allreduce;
  core::DataType dtype = core::DataType::float32;
  core::RedOp op = core::RedOp::sum;
  int nranks = 1;
  int root = 0;
  std::uint64_t seed = 0;
  std::shared_ptr<const core::Traffic> traffic;  // alltoallv's (nccl-tests' default when null)
  bool reverse_ring = false;                     // sendrecv: receiving from rank+1, not rank-1
};

class Pattern {
 public:
  explicit Pattern(const PatternSpec& spec);

  // Writes rank's input for the collective: shape.send_count elements.
  void fill_input(int rank, const core::CollShape& shape, void* buf) const;
  // Writes a value that no correct result can take (NaN bits, INT_MIN, UINT_MAX) everywhere.
  void poison(void* buf, std::uint64_t count) const;
  // Wrong elements in rank's output (shape.recv_count elements; for reduce, only the root's
  // output is checked and other ranks return 0).
  std::uint64_t count_wrong(int rank, const core::CollShape& shape, const void* out) const;
  // Fault injection (COLLBENCH_INJECT=corrupt:RANK): overwrites the first, middle and last of
  // `count` output elements with the poison value, so exactly min(count, 3) of them are wrong.
  void corrupt(void* out, std::uint64_t count) const;

  const PatternSpec& spec() const { return m_spec; }
  std::uint64_t reduce_period() const { return m_view.period; }
  // The plain view the element formulas (and the GPU kernels, on a device copy) evaluate; its
  // table pointers point into this Pattern.
  element::PatternView view() const;
  // alltoallv: rank's receive layout (element::PatternView::layout) for a call of `param_count`
  // per peer; empty for every other collective. view(layout) points the view at it.
  std::vector<std::uint64_t> receive_layout(int rank, std::uint64_t param_count) const;
  element::PatternView view(std::span<const std::uint64_t> layout) const;
  const std::vector<std::uint64_t>& input_table() const { return m_input; }
  const std::vector<std::uint64_t>& expected_table() const { return m_expected; }

 private:
  PatternSpec m_spec;
  element::PatternView m_view;            // everything but the table pointers (set by view())
  std::vector<std::uint64_t> m_input;     // bits of f(t), t in [0, P)
  std::vector<std::uint64_t> m_expected;  // expected bits by (j + seed) mod P
};

// Bit patterns of an integer-valued number in a data type (exact by construction).
std::uint64_t to_bits(core::DataType t, double value);
double from_bits(core::DataType t, std::uint64_t bits);
std::uint64_t load_bits(core::DataType t, const void* buf, std::uint64_t index);
void store_bits(core::DataType t, void* buf, std::uint64_t index, std::uint64_t bits);
// Distance in units in the last place between two values of a floating type (same sign assumed
// for small distances; different signs give the sum of distances to zero).
std::uint64_t ulp_distance(core::DataType t, std::uint64_t a, std::uint64_t b);

}  // namespace collbench::verify
