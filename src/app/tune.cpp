#include "app/tune.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "core/launcher.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/sweep_spec.hpp"
#include "results/file_io.hpp"
#include "results/store_layout.hpp"
#include "sweep/runner.hpp"
#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/validate.hpp"
#include "tune/validate_plan.hpp"
#include "tune/workload.hpp"
#include "tune/writers.hpp"

namespace collbench::app {

namespace fs = std::filesystem;

namespace {

void check_args(const TuneRequest& a) {
  if (a.stores.empty()) throw core::InputError("tune: expected one or more sweep stores (directories written by collbench sweep --out)");
  if (a.out.empty()) throw core::InputError("--out: expected a directory for the recommended settings");
  if (!(a.tail_weight >= 0)) throw core::InputError(fmt::format("--tail-weight {}: expected a number >= 0", a.tail_weight));
  if (!(a.max_p99_vs_default >= 0))
    throw core::InputError(fmt::format("--max-p99-ratio {}: expected a number >= 0 (0: no limit)", a.max_p99_vs_default));
  if (a.validate && a.stores.size() != 1)
    throw core::InputError("--validate: expected exactly one store (its spec and launcher run the validation)");
  if (a.validate_reps < 1 || a.validate_reps > 100)
    throw core::InputError(fmt::format("--validate-reps {}: expected 1..100", a.validate_reps));
  if (core::launcher_rank() >= 0) throw core::InputError("collbench tune runs as a plain process, not under mpirun or srun");
}

void write_outputs(const tune::Recommendation& r, const std::string& out) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) throw core::InputError(fmt::format("--out '{}': cannot create the directory: {}", out, ec.message()));
  std::vector<std::string> names;
  for (const auto& [name, text] : tune::outputs(r)) {
    results::write_file_atomically(out + "/" + name, text);
    names.push_back(name);
  }
  std::fputs(tune::console_written(out, names).c_str(), stdout);
}

int run_validation(const TuneRequest& a, const tune::TuneInput& in, const tune::Recommendation& r, const tune::Workload& w,
                   const tune::TuneOptions& opt, const RunArgsCheck& check) {
  if (r.deploy.empty() && tune::level1_ranges_to_validate(r) == 0) {
    std::fputs(tune::console_validation_plan(r, a.validate_reps, 0, 0, "").c_str(), stdout);
    return 0;
  }
  const tune::StoreInfo& store = in.stores.front();
  const std::string manifest = results::store_layout(store.dir).manifest();
  if (store.spec_text.empty()) throw core::InputError(fmt::format("--validate: '{}' holds no spec_text", manifest));
  plan::SweepSpec spec = plan::parse_sweep_spec(store.spec_text, manifest + " spec_text");
  // Launched as the sweep was: `sweep --launcher srun --ranks N` is in the manifest, not the spec.
  if (spec.backend != "model")
    plan::override_launcher(spec, store.launcher_kind != spec.launcher.kind ? store.launcher_kind : "",
                            store.launcher_ranks != spec.launcher.ranks ? store.launcher_ranks : 0);
  spec = tune::validation_spec(std::move(spec), r, a.validate_reps);
  const plan::SweepPlan p = plan::make_plan(spec);
  const std::string dir = a.out + "/validate";
  sweep::SweepOptions so = sweep_options(spec, dir, check);
  so.resume = fs::exists(results::store_layout(dir).manifest());
  std::fputs(tune::console_validation_plan(r, a.validate_reps, p.launches.size(), p.total_cases, dir).c_str(), stdout);
  std::fflush(stdout);
  const sweep::SweepOutcome o = sweep::run_sweep(spec, p, so, {});
  if (o.interrupted) {
    std::fprintf(stderr, "collbench: validation interrupted; run the same command again to continue it\n");
    return 130;
  }
  if (o.setup_failed) throw core::RunError("--validate: " + o.notes.back());
  const tune::TuneInput run = tune::load_stores({dir});
  const tune::Validation v = tune::validate(in, run, r, w, opt);
  results::write_file_atomically(a.out + "/validation.md", tune::validation_md(v));
  results::write_file_atomically(a.out + "/validation.json", tune::validation_json(v));
  std::fputs(tune::console_validation(v, a.out).c_str(), stdout);
  if (!v.held) return 1;
  return o.code == core::ExitCode::ok ? 0 : static_cast<int>(o.code);
}

}  // namespace

int tune(const TuneRequest& a, const RunArgsCheck& check) {
  check_args(a);
  const tune::Workload w = a.workload.empty() ? tune::Workload{} : tune::read_workload(a.workload);
  const tune::TuneOptions opt{a.tail_weight, a.max_p99_vs_default};
  const tune::TuneInput in = tune::load_stores(a.stores);
  if (in.cells.empty()) throw core::InputError(fmt::format("'{}': holds no measured case; nothing to tune", a.stores.front()));
  const tune::Recommendation r = tune::recommend(in, w, opt);
  std::fputs(tune::console_summary(in, r).c_str(), stdout);
  write_outputs(r, a.out);
  return a.validate ? run_validation(a, in, r, w, opt, check) : 0;
}

}  // namespace collbench::app
