#pragma once
// The model backend: predictions written as results records, so that sweep, tune, report and
// check read them like measurements. Every record and document it makes says it is a prediction
// (metadata.backend "model", metadata.predicted true, backend_notes.predicted "true").
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backend/model/cost_model.hpp"
#include "backend/model/graphs.hpp"
#include "backend/model/topology.hpp"
#include "core/collective.hpp"
#include "core/datatype.hpp"
#include "core/redop.hpp"
#include "results/record.hpp"

namespace collbench::model {

inline constexpr const char* kModelNcclVersion = "2.28.9";  // the NCCL whose tuning.cc the model is
inline constexpr const char* kModelLibrary = "NCCL 2.28.9 cost model (src/graph/tuning.cc, src/enqueue.cc)";
inline constexpr const char* kModelTimer = "none: predicted by NCCL's cost model, not measured";

// NCCL's TUNING log spelling, as the nccl backend records nccl_algo / nccl_proto ("RING", "NVLS_TREE", "SIMPLE").
std::string_view log_name(Algo a);
std::string_view log_name(Proto p);
// From a recorded nccl_algo / nccl_proto (either spelling); nullopt for anything else.
std::optional<Algo> algo_from_text(std::string_view s);
std::optional<Proto> proto_from_text(std::string_view s);

// The call the model sees for a case of `bytes` (nccl-tests' size); nullopt for all-to-all.
std::optional<Call> call_for(core::Collective c, core::DataType t, core::RedOp op, std::uint64_t bytes);

// The fabric at another job size: whole nodes of the same kind (ranks a multiple of its GPUs per
// node), or part of one node. Throws InputError naming `flag` when neither fits.
Topology scaled_to(const Topology& t, int nranks, const std::string& flag);

// NCCL's default choice for one case, or why there is none.
struct CasePrediction {
  std::uint64_t bytes = 0;      // nccl-tests' size at the predictor's rank count
  std::optional<Call> call;     // empty for all-to-all
  std::optional<Choice> choice; // empty: see why_not
  std::string why_not;
  int channels = 0;             // the chosen algorithm's graph channels
  double algbw_gbps = 0, busbw_gbps = 0;
};

class Predictor {
 public:
  Predictor(Topology topology, const Settings& settings);

  // One case, as `collbench run` would record it: the time is NCCL's default choice (the
  // argmin under the settings' NCCL_ALGO/NCCL_PROTO), its algorithm and protocol are in
  // backend_notes (nccl_algo, nccl_proto, nccl_estimated_us), and so is every usable
  // (algorithm, protocol) cell's time ("model_us.Ring/LL128"). All-to-all, which the model does
  // not cover, and a call for which no cell is usable are recorded as skipped, with the reason.
  results::ResultRecord predict(core::Collective c, core::DataType t, core::RedOp op, int root, bool in_place,
                                std::uint64_t requested_bytes) const;
  // The same choice without the record (whatif, check): no strings are made.
  CasePrediction choose(core::Collective c, core::DataType t, core::RedOp op, std::uint64_t requested_bytes) const;

  const Topology& topology() const { return m_topology; }
  const System& system() const { return m_model.system(); }
  const CostModel& model() const { return m_model; }
  int nranks() const { return m_topology.nranks(); }
  // Recorded in the run metadata's backend_details: the topology, its graphs, the settings.
  std::map<std::string, std::string> details() const;

 private:
  Topology m_topology;
  CostModel m_model;
};

// A record's time summary for a predicted time: one "sample", every statistic equal to it.
stats::Summary predicted_summary(double time_us);

}  // namespace collbench::model
