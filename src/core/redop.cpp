#include "core/redop.hpp"

#include <string>

#include "core/error.hpp"

namespace collbench::core {

std::string_view name(RedOp op) {
  switch (op) {
    case RedOp::sum: return "sum";
    case RedOp::prod: return "prod";
    case RedOp::min: return "min";
    case RedOp::max: return "max";
    case RedOp::avg: return "avg";
  }
  return "?";
}

RedOp parse_redop(std::string_view text) {
  for (RedOp op : kAllRedOps)
    if (name(op) == text) return op;
  throw InputError("--op '" + std::string(text) + "': expected one of sum prod min max avg");
}

bool is_record_op(std::string_view op) {
  for (RedOp r : kAllRedOps)
    if (name(r) == op) return true;
  return op == "none" || op == "mulsum";
}

bool op_applies(RedOp op, DataType t) { return op != RedOp::avg || is_floating(t); }

}  // namespace collbench::core
