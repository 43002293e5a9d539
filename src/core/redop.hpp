#pragma once
// Reduction operations.
#include <array>
#include <string_view>

#include "core/datatype.hpp"

namespace collbench::core {

enum class RedOp { sum, prod, min, max, avg };

inline constexpr std::array<RedOp, 5> kAllRedOps = {RedOp::sum, RedOp::prod, RedOp::min, RedOp::max,
                                                    RedOp::avg};

std::string_view name(RedOp op);
RedOp parse_redop(std::string_view text);  // throws InputError
// Whether `op` is defined on `t`: avg needs a floating type (an integer mean truncates, and
// MPI has no average at all, so collbench would have to invent rounding for it).
bool op_applies(RedOp op, DataType t);
// An op a result record may name: collbench's ops, "none" (collectives without one) and "mulsum"
// (nccl-tests' name for ncclRedOpPreMulSum, src/common.cu test_opnames, in imported logs).
bool is_record_op(std::string_view op);

}  // namespace collbench::core
