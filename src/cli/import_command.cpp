#include "cli/import_command.hpp"

namespace collbench::cli {

namespace {

constexpr const char* kImportFooter = R"(Examples:
  collbench import nccl-allreduce.log --out store/
  collbench import logs/*.txt run.json --out store/        (a -J JSON file is read as JSON)
  collbench import old.log --out store/ --collective allgather --label rack7-before

LOG is the output of nccl-tests or rccl-tests: the text table of any generation (with or without
launcher prefixes, NCCL INFO lines, several tests or cycles in one log, cut off mid-table) or a
-J JSON file. Each log becomes one source of the store, labelled by its file name. What a log does
not give (percentiles without -I, wrong counts before 2.12, ranks without a device list …) is
listed in each record's "missing" and never made up. Every log is read before anything is
written: a file that is not such a log exits 2 and leaves the store as it was.)";

}  // namespace

CLI::App* add_import_command(CLI::App& app, app::ImportRequest& a) {
  CLI::App* c = app.add_subcommand("import", "Import nccl-tests / rccl-tests logs (text or -J JSON) into a store");
  c->footer(kImportFooter);
  c->add_option("logs", a.logs, "nccl-tests or rccl-tests output files")->required();
  c->add_option("--out", a.out, "The store directory (created, or added to)")->required();
  c->add_option("--label", a.label, "The source's label (one LOG only; default: the file name without extension)");
  c->add_option("--collective", a.collective,
                "The collective, when the log does not name its test and its columns cannot tell (allgather or alltoall)");
  c->add_flag("-q,--quiet", a.quiet, "Print nothing but errors");
  return c;
}

}  // namespace collbench::cli
