#include "measure/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/error.hpp"
#include "core/size.hpp"
#include "measure/watchdog.hpp"

namespace collbench::measure {

namespace {

[[noreturn]] void exit_run_failed(const std::string&) { std::_Exit(static_cast<int>(core::ExitCode::run_failed)); }

backend::CaseSpec make_spec(const plan::RunPlan& plan, core::Collective c, std::uint64_t bytes, bool in_place,
                            int nranks) {
  backend::CaseSpec spec;
  spec.coll = c;
  spec.dtype = plan.dtype;
  spec.op = plan.op;
  spec.root = plan.root;
  spec.in_place = in_place;
  spec.requested_bytes = bytes;
  spec.shape = core::shape(c, bytes, plan.dtype, nranks);
  return spec;
}

}  // namespace

core::ExitCode run_session(backend::Backend& be, const World& world, const plan::RunPlan& plan,
                           const SessionOptions& opt, ResultSink& sink) {
  std::uint64_t max_bytes = 0;
  for (core::Collective c : plan.collectives)
    for (std::uint64_t s : plan.sizes) {
      const core::CollShape sh = core::shape(c, s, plan.dtype, world.size());
      max_bytes = std::max({max_bytes, sh.send_bytes, sh.recv_bytes});
    }
  be.reserve(max_bytes, max_bytes);

  Watchdog watchdog(opt.timeout_s, fmt::format("rank {} on {}", world.rank(), world.host()), exit_run_failed);
  bool any_wrong = false, any_failed = false;
  for (core::Collective c : plan.collectives) {
    if (world.is_root()) sink.begin_collective(c);
    for (std::uint64_t bytes : plan.sizes) {
      std::vector<results::ResultRecord> row;
      for (bool in_place : plan.placements) {
        const backend::CaseSpec spec = make_spec(plan, c, bytes, in_place, world.size());
        if (opt.want && !opt.want(spec)) continue;
        if (std::string why = be.unsupported(spec); !why.empty()) {
          results::ResultRecord rec = describe_case(spec, world.size());
          rec.status = "skipped";
          rec.error = why;
          row.push_back(std::move(rec));
          continue;
        }
        const std::string what = fmt::format("{} {} {} {} {}", core::name(c), core::format_size(bytes),
                                             core::name(plan.dtype), core::name(plan.op),
                                             in_place ? "in-place" : "out-of-place");
        watchdog.arm(what);
        try {
          row.push_back(measure_case(be, world, spec, opt.measure));
        } catch (const core::CaseRefused& e) {
          // The library refused the case's arguments on every rank alike (nothing was launched):
          // the case is recorded as failed with the library's own message, and the run goes on.
          // A rank alone in refusing leaves the others inside the call: the watchdog ends that.
          watchdog.disarm();
          results::ResultRecord rec = describe_case(spec, world.size());
          rec.status = "failed";
          rec.error = std::string("the library refused the case: ") + e.what();
          row.push_back(std::move(rec));
          any_failed = true;
          continue;
        } catch (const core::TimeoutError& e) {
          // The backend aborted its communicator: record the case as timed out, then stop.
          const std::string message = "case " + what + " timed out: " + e.what();
          if (world.is_root()) {
            results::ResultRecord rec = describe_case(spec, world.size());
            rec.status = "timeout";
            rec.error = message;
            row.push_back(std::move(rec));
            sink.row(row);
          }
          throw core::TimeoutError(message);
        }
        watchdog.disarm();
        any_wrong = any_wrong || row.back().wrong > 0;
      }
      if (world.is_root() && !row.empty()) sink.row(row);
    }
    if (world.is_root()) sink.end_collective(c);
  }
  if (any_failed) return core::ExitCode::run_failed;  // every record is kept; not every case was measured
  return any_wrong ? core::ExitCode::wrong : core::ExitCode::ok;
}

}  // namespace collbench::measure
