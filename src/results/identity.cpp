#include "results/identity.hpp"

#include <string>

namespace collbench::results {

ResultRecord identify_case(core::Collective c, core::DataType t, core::RedOp op, int root, bool in_place,
                           std::uint64_t requested_bytes, int nranks) {
  const core::CollShape shape = core::shape(c, requested_bytes, t, nranks);
  ResultRecord rec;
  rec.collective = std::string(core::name(c));
  rec.bytes = shape.bytes;
  rec.requested_bytes = requested_bytes;
  rec.count = shape.param_count;
  rec.datatype = std::string(core::name(t));
  rec.op = core::takes_op(c) ? std::string(core::name(op)) : "none";
  rec.root = core::has_root(c) ? root : -1;
  rec.placement = in_place ? "in_place" : "out_of_place";
  rec.nranks = nranks;
  return rec;
}

}  // namespace collbench::results
