#pragma once
// The identifying fields of a case's record — collective, sizes (nccl-tests' shapes), type, op,
// root, placement — as every producer of records fills them (a measurement, a sweep's failure).
#include <cstdint>

#include "core/collective.hpp"
#include "core/redop.hpp"
#include "results/record.hpp"

namespace collbench::results {

ResultRecord identify_case(core::Collective c, core::DataType t, core::RedOp op, int root, bool in_place,
                           std::uint64_t requested_bytes, int nranks);

}  // namespace collbench::results
