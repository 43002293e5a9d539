#pragma once
// The model backend behind the same seam as mpi and nccl (backend::Backend), so the one run
// driver runs it: its durations are predictions (BackendInfo.predicted), nothing is measured and
// nothing is checked. A prediction's record is not a measurement's (one "sample", no warm-up, no
// check, the model's cells in backend_notes), so the driver takes each case's record whole from
// predict() (measure::SessionOptions::predict) instead of timing run_timed().
#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "backend/backend.hpp"
#include "backend/model/predictor.hpp"
#include "results/record.hpp"

namespace collbench::model {

class ModelBackend final : public backend::Backend {
 public:
  explicit ModelBackend(Predictor predictor) : m_predictor(std::move(predictor)) {}

  backend::BackendInfo info() const override { return {"model", kModelLibrary, kModelTimer, true}; }
  void reserve(std::uint64_t, std::uint64_t) override {}
  // Cases the model does not cover are recorded by predict() as skipped, with its reason.
  std::string unsupported(const backend::CaseSpec&) const override { return {}; }
  void prepare(const backend::CaseSpec& c) override { m_case = c; }
  // Each iteration takes the predicted time (0 when the model has no prediction for the case).
  void run_timed(std::span<double> out_us) override;
  void run_probe(std::span<double> outside_us, std::span<double> inside_us) override;
  std::uint64_t check(const verify::Pattern&) override { return 0; }  // nothing ran: nothing to check
  std::map<std::string, std::string> job_details() const override { return m_predictor.details(); }

  // The case's record, as `collbench run --backend model` records it (Predictor::predict).
  results::ResultRecord predict(const backend::CaseSpec& c) const;
  // The job predicted, into the run's metadata: its rank count and topology (no hosts: nothing ran).
  void describe(results::RunMetadata& m) const;
  const Predictor& predictor() const { return m_predictor; }

 private:
  Predictor m_predictor;
  backend::CaseSpec m_case;
};

}  // namespace collbench::model
