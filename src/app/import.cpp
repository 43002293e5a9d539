#include "app/import.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "core/collective.hpp"
#include "core/error.hpp"
#include "ingest/import_store.hpp"
#include "ingest/nccl_tests.hpp"

#ifndef COLLBENCH_VERSION
#define COLLBENCH_VERSION "0.0.0"
#endif

namespace collbench::app {

int import_logs(const ImportRequest& a, const std::string& command_line) {
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
                                info.complete ? "" : ", not complete (see the notes)"));
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

}  // namespace collbench::app
