// collbench: build the CLI (cli/ binds each subcommand's flags to its app:: request), call the
// subcommand's app:: function, map errors to exit codes.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "app/run.hpp"
#include "cli/check_command.hpp"
#include "cli/export_command.hpp"
#include "cli/import_command.hpp"
#include "cli/launch_command.hpp"
#include "cli/report_command.hpp"
#include "cli/run_options.hpp"
#include "cli/sweep_command.hpp"
#include "cli/tune_command.hpp"
#include "cli/whatif_command.hpp"
#include "core/error.hpp"
#include "core/launcher.hpp"

extern char** environ;

namespace {

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using collbench::core::ExitCode;
  // Every rank parses the same arguments; only the launcher's rank 0 (or a lone process) speaks.
  const bool speak = collbench::core::launcher_rank() <= 0;
  CLI::App app{"collbench: collective-communication benchmark and NCCL tuning tool", "collbench"};
  app.require_subcommand(1);
  app.set_version_flag("--version", COLLBENCH_VERSION);
  collbench::cli::RunArgs run_args;
  CLI::App* run = collbench::cli::add_run_command(app, run_args);
  collbench::app::SweepRequest sweep_args;
  CLI::App* sweep = collbench::cli::add_sweep_command(app, sweep_args);
  collbench::app::TuneRequest tune_args;
  CLI::App* tune = collbench::cli::add_tune_command(app, tune_args);
  collbench::app::BaselineRequest baseline_args;
  CLI::App* baseline = collbench::cli::add_baseline_command(app, baseline_args);
  collbench::app::CheckRequest check_args;
  CLI::App* check = collbench::cli::add_check_command(app, check_args);
  collbench::app::ImportRequest import_args;
  CLI::App* import = collbench::cli::add_import_command(app, import_args);
  collbench::app::ExportRequest export_args;
  CLI::App* export_command = collbench::cli::add_export_command(app, export_args);
  collbench::app::ReportRequest report_args;
  CLI::App* report = collbench::cli::add_report_command(app, report_args);
  collbench::app::CompareRequest compare_args;
  CLI::App* compare = collbench::cli::add_compare_command(app, compare_args);
  collbench::app::WhatIfRequest whatif_args;
  CLI::App* whatif = collbench::cli::add_whatif_command(app, whatif_args);
  collbench::app::LaunchRequest launch_args;
  CLI::App* launch = collbench::cli::add_launch_command(app, launch_args);
  try {
    static const std::set<std::string> commands = {"run", "sweep", "tune", "baseline", "check", "import", "report", "compare", "whatif",
                                                   "export", "launch"};
    if (argc >= 2 && argv[1][0] != '-' && !commands.count(argv[1]))
      throw collbench::core::InputError(std::string("unknown command '") + argv[1] +
                                        "': expected run, sweep, tune, baseline, check, import, report, compare, whatif, export or launch "
                                        "(see collbench --help)");
    try {
      if (argc >= 2 && std::string(argv[1]) == "launch") {  // the command after launch's options is its ranks' to parse
        std::vector<std::string> words = collbench::cli::launch_words(*launch, {argv + 2, argv + argc}, launch_args);
        app.parse(words);
      } else {
        app.parse(argc, argv);
      }
    } catch (const CLI::CallForHelp& e) {
      return speak ? app.exit(e) : 0;
    } catch (const CLI::CallForAllHelp& e) {
      return speak ? app.exit(e) : 0;
    } catch (const CLI::CallForVersion& e) {
      return speak ? app.exit(e) : 0;
    } catch (const CLI::ParseError& e) {
      if (speak) std::fprintf(stderr, "collbench: %s (see collbench --help)\n", one_line(e.what()).c_str());
      return static_cast<int>(ExitCode::bad_input);
    }
    if (run->parsed()) {
      const auto cfg = collbench::cli::make_run_config(run_args, *run, std::getenv("COLLBENCH_INJECT"));
      return static_cast<int>(collbench::app::run(cfg, &argc, &argv, environ));
    }
    if (sweep->parsed()) return collbench::app::sweep(sweep_args, collbench::cli::check_run_args);
    if (tune->parsed()) return collbench::app::tune(tune_args, collbench::cli::check_run_args);
    std::string command_line;
    for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
    if (baseline->parsed()) return collbench::app::baseline(baseline_args);
    if (check->parsed()) return collbench::app::check(check_args, command_line);
    if (import->parsed()) return collbench::app::import_logs(import_args, command_line);
    if (report->parsed()) return collbench::app::report(report_args);
    if (export_command->parsed()) return collbench::app::export_metrics(export_args);
    if (compare->parsed()) return collbench::app::compare(compare_args);
    if (whatif->parsed()) return collbench::app::whatif(whatif_args);
    if (launch->parsed()) return collbench::app::launch(launch_args, commands);
  } catch (const collbench::core::Error& e) {
    if (speak || e.code() != ExitCode::bad_input) std::fprintf(stderr, "collbench: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "collbench: internal error: %s\n", one_line(e.what()).c_str());
    return static_cast<int>(ExitCode::run_failed);
  }
  return 0;
}
