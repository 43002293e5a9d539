#pragma once
// The flags of `collbench launch --nproc-per-node N [--rendezvous-port P] [--] COMMAND…`, bound to
// app::LaunchRequest (app/launch.hpp).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "app/launch.hpp"

namespace collbench::cli {

CLI::App* add_launch_command(CLI::App& app, app::LaunchRequest& request);

// What follows `collbench launch` on the command line, split: launch's own options, up to "--" or
// the first word that is neither one of them nor its value, and the rest, the command every rank
// runs (into request.command, unparsed: it is the ranks' to parse). Returns the words for CLI11's
// App::parse: "launch" and its options, last first.
std::vector<std::string> launch_words(const CLI::App& launch, const std::vector<std::string>& after, app::LaunchRequest& request);

}  // namespace collbench::cli
