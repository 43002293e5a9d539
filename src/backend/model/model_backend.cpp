#include "backend/model/model_backend.hpp"

#include <algorithm>

namespace collbench::model {

void ModelBackend::run_timed(std::span<double> out_us) {
  const CasePrediction cp = m_predictor.choose(m_case.coll, m_case.dtype, m_case.op, m_case.requested_bytes);
  std::fill(out_us.begin(), out_us.end(), cp.choice ? cp.choice->time_us : 0.0);
}

void ModelBackend::run_probe(std::span<double> outside_us, std::span<double> inside_us) {
  std::fill(outside_us.begin(), outside_us.end(), 0.0);
  run_timed(inside_us);
}

results::ResultRecord ModelBackend::predict(const backend::CaseSpec& c) const {
  return m_predictor.predict(c.coll, c.dtype, c.op, c.root, c.in_place, c.requested_bytes);
}

void ModelBackend::describe(results::RunMetadata& m) const {
  m.nranks = m_predictor.nranks();
  m.settings["topology_name"] = m_predictor.topology().name;
  m.settings["nodes"] = std::to_string(m_predictor.topology().nodes);
  m.settings["gpus_per_node"] = std::to_string(m_predictor.topology().gpus_per_node);
  m.backend_details = m_predictor.details();
}

}  // namespace collbench::model
