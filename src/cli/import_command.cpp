#include "cli/import_command.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/collective.hpp"
#include "core/error.hpp"
#include "ingest/import_store.hpp"
#include "ingest/nccl_tests.hpp"

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

CLI::App* add_import_command(CLI::App& app, ImportArgs& a) {
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

int import_command(const ImportArgs& a, const std::string& command_line) {
  if (!a.label.empty() && a.logs.size() != 1)
    throw core::InputError(fmt::format("--label '{}': names one log, but {} were given", a.label, a.logs.size()));
  ingest::ImportOptions options;
  options.label = a.label;
  if (!a.collective.empty()) {
    const auto colls = core::parse_collectives(a.collective);
    if (colls.size() != 1)
      throw core::InputError("--collective '" + a.collective + "': expected one collective (allreduce, allgather, …)");
    options.collective = std::string(core::name(colls.front()));
  }
  std::vector<ingest::ImportedLog> logs;
  for (const std::string& path : a.logs) logs.push_back(ingest::import_log(path, options));
  std::vector<std::string> lines;
  for (const auto& log : logs) {
    const auto& info = *log.doc.metadata.imported;
    lines.push_back(fmt::format("{}: {} records, {} ranks, {} [{}{}]", info.source, log.doc.results.size(),
                                log.doc.metadata.nranks, info.format, log.doc.status,
                                info.complete ? "" : ", cut off"));
    for (const auto& n : info.notes) lines.push_back("  note: " + n);
  }
  const auto outcome = ingest::write_import_store(a.out, std::move(logs), command_line, COLLBENCH_VERSION);
  if (!a.quiet) {
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
    for (const auto& d : outcome.duplicates) std::printf("skipped %s\n", d.c_str());
    std::printf("import: %zu logs, %zu records into %s\n", outcome.added.size(), outcome.records, a.out.c_str());
  }
  return 0;
}

}  // namespace collbench::cli
