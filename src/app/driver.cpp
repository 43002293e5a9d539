#include "app/driver.hpp"

#include "app/backend_factory.hpp"
#include "app/job.hpp"
#include "backend/model/model_backend.hpp"

namespace collbench::app {

measure::SessionOptions session_options(const RunConfig& cfg, const backend::Backend& be) {
  const bool own_timeout = be.info().aborts_on_timeout && cfg.timeout_s > 0;
  measure::SessionOptions opt{cfg.measure, own_timeout ? cfg.timeout_s + 30.0 : cfg.timeout_s, cfg.traffic, cfg.reverse_ring, {}};
  // The model's adapter: a prediction's record is the model's, not a measurement of it.
  if (const auto* model = dynamic_cast<const model::ModelBackend*>(&be))
    opt.predict = [model](const backend::CaseSpec& c) { return model->predict(c); };
  return opt;
}

namespace {

[[noreturn]] void fail(const Drive& d, const plan::Block& b, const core::Error& e) {
  if (d.world.is_root() && d.on_failure) d.on_failure();
  abort_job(d.world, e, d.context ? d.context(b) : "");
}

}  // namespace

std::optional<measure::Outcome> drive(const Drive& d, std::span<const plan::Block> blocks, const BackendFor& backend_for) {
  measure::Outcome all;
  for (std::size_t first = 0; first < blocks.size();) {
    const CommConfig comm = comm_config(blocks[first]);
    std::size_t last = first + 1;
    while (last < blocks.size() && comm_config(blocks[last]) == comm) ++last;
    const std::span<const plan::Block> group = blocks.subspan(first, last - first);
    const std::unique_ptr<backend::Backend> be = backend_for(group.front());
    if (!be) return std::nullopt;
    const measure::SessionOptions opt = session_options(d.cfg, *be);
    measure::Session session(*be, d.world, opt, d.sink);
    try {
      session.reserve_for(group);
    } catch (const core::Error& e) {
      fail(d, group.front(), e);
    }
    bool stopped = false;
    for (std::size_t i = first; i < last && !stopped; ++i) {
      if ((stopped = d.stop_before && d.stop_before(i))) break;
      try {
        session.run(blocks[i]);
      } catch (const core::Error& e) {
        fail(d, blocks[i], e);
      }
    }
    all.wrong = all.wrong || session.outcome().wrong;
    all.failed = all.failed || session.outcome().failed;
    if (stopped) break;
    first = last;
  }
  return all;
}

}  // namespace collbench::app
