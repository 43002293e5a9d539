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

backend::CaseSpec make_spec(const plan::Block& b, const plan::PlannedCase& c, int nranks, const SessionOptions& opt) {
  const std::shared_ptr<const core::Traffic>& traffic = opt.traffic;
  backend::CaseSpec spec;
  spec.coll = b.coll;
  spec.dtype = b.dtype;
  spec.op = b.op;
  spec.root = b.root;
  spec.in_place = c.in_place;
  spec.requested_bytes = c.bytes;
  spec.shape = core::shape(b.coll, c.bytes, b.dtype, nranks, traffic.get());
  if (b.coll == core::Collective::alltoallv) spec.traffic = traffic;
  spec.reverse_ring = b.coll == core::Collective::sendrecv && opt.reverse_ring;
  return spec;
}

results::ResultRecord unmeasured(const backend::CaseSpec& spec, int nranks, const char* status, std::string error) {
  results::ResultRecord rec = describe_case(spec, nranks);
  rec.status = status;
  rec.error = std::move(error);
  return rec;
}

}  // namespace

struct Session::Impl {
  Impl(backend::Backend& be, const World& world, const SessionOptions& opt, RecordSink& sink)
      : m_be(be), m_world(world), m_opt(opt), m_sink(sink),
        m_watchdog(opt.predict ? 0.0 : opt.timeout_s, fmt::format("rank {} on {}", world.rank(), world.host()), exit_run_failed) {}

  void run(const plan::Block& b) {
    if (m_world.is_root()) m_sink.begin_block(b);
    const std::span<const plan::PlannedCase> cases(b.cases);
    for (std::size_t first = 0; first < cases.size();) {
      std::vector<results::ResultRecord> row;
      std::size_t i = first;
      for (; i < cases.size() && cases[i].bytes == cases[first].bytes; ++i) {
        const backend::CaseSpec spec = make_spec(b, cases[i], m_world.size(), m_opt);
        row.push_back(one(spec, [&](results::ResultRecord timed_out) {
          if (!m_world.is_root()) return;
          row.push_back(std::move(timed_out));
          m_sink.row(b, cases.subspan(first, row.size()), row);
        }));
      }
      if (m_world.is_root()) m_sink.row(b, cases.subspan(first, row.size()), row);
      first = i;
    }
    if (m_world.is_root()) m_sink.end_block(b);
  }
  // One case: its record, or a timeout thrown after rank 0 sent the row so far (with the timed-out
  // case's record) to the sink.
  template <class OnTimeout>
  results::ResultRecord one(const backend::CaseSpec& spec, OnTimeout&& on_timeout) {
    if (m_opt.predict) return m_opt.predict(spec);
    if (std::string why = m_be.unsupported(spec); !why.empty()) return unmeasured(spec, m_world.size(), "skipped", why);
    const std::string what = fmt::format("{} {} {} {} {}", core::name(spec.coll), core::format_size(spec.requested_bytes),
                                         core::name(spec.dtype), core::name(spec.op), spec.in_place ? "in-place" : "out-of-place");
    m_watchdog.arm(what);
    results::ResultRecord rec;
    try {
      rec = measure_case(m_be, m_world, spec, m_opt.measure);
    } catch (const core::CaseSkipped& e) {
      // The backend could not set the case up as asked (its buffers' registration, say), on every
      // rank alike and before launching anything: recorded as skipped with the reason, as
      // unsupported() cases are.
      m_watchdog.disarm();
      return unmeasured(spec, m_world.size(), "skipped", e.what());
    } catch (const core::CaseRefused& e) {
      // The library refused the case's arguments on every rank alike (nothing was launched):
      // the case is recorded as failed with the library's own message, and the run goes on.
      // A rank alone in refusing leaves the others inside the call: the watchdog ends that.
      m_watchdog.disarm();
      m_outcome.failed = true;
      return unmeasured(spec, m_world.size(), "failed", std::string("the library refused the case: ") + e.what());
    } catch (const core::TimeoutError& e) {
      // The backend aborted its communicator: record the case as timed out, then stop.
      const std::string message = "case " + what + " timed out: " + e.what();
      on_timeout(unmeasured(spec, m_world.size(), "timeout", message));
      throw core::TimeoutError(message);
    }
    m_watchdog.disarm();
    m_outcome.wrong = m_outcome.wrong || rec.wrong > 0;
    return rec;
  }

  backend::Backend& m_be;
  const World& m_world;
  // A copy, not a reference: a caller may pass a temporary (Session s(be, w, options(), sink)),
  // which a reference would outlive (ASan: stack-use-after-scope). The options are small.
  const SessionOptions m_opt;
  RecordSink& m_sink;
  Watchdog m_watchdog;
  Outcome m_outcome;
};

Session::Session(backend::Backend& be, const World& world, const SessionOptions& opt, RecordSink& sink)
    : m_impl(std::make_unique<Impl>(be, world, opt, sink)) {}

Session::~Session() = default;

void Session::reserve_for(std::span<const plan::Block> blocks) {
  std::uint64_t max_bytes = 0;
  for (const plan::Block& b : blocks)
    for (const plan::PlannedCase& c : b.cases) {
      const core::CollShape sh = core::shape(b.coll, c.bytes, b.dtype, m_impl->m_world.size(), m_impl->m_opt.traffic.get());
      max_bytes = std::max({max_bytes, sh.send_bytes, sh.recv_bytes});
    }
  m_impl->m_be.reserve(max_bytes, max_bytes);
}

void Session::run(const plan::Block& b) { m_impl->run(b); }

const Outcome& Session::outcome() const { return m_impl->m_outcome; }

}  // namespace collbench::measure
