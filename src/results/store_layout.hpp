#pragma once
// The files of a store directory, named in one place. A sweep store (collbench sweep --out) holds
// all of them; an import store (collbench import --out) holds the manifest and the results only.
//
//   DIR/manifest.json              what the store is (schema), how it was planned, its sessions
//   DIR/results.jsonl              one line per case (results::store_line)
//   DIR/.lock                      held by the sweep that writes the store (and its launches)
//   DIR/launches/NAME.json         a launch's plan (plan::LaunchFile), NAME = "L003-r0.s1.a2"
//   DIR/launches/NAME.meta.json    the metadata the launch's rank 0 wrote
//   DIR/launches/NAME.started      touched when the launch began measuring
//   DIR/launches/NAME.stopped      touched when the launch stopped at the sweep's time budget
//   DIR/logs/LABEL.log             a launch's output, every attempt appended ("L003-r0.log")
//
// Paths are DIR + "/" + name, as given: a DIR with a trailing slash names "DIR//manifest.json",
// as every message has always shown it.
#include <string>
#include <string_view>

namespace collbench::results {

inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kResultsFile = "results.jsonl";
inline constexpr const char* kLockFile = ".lock";
inline constexpr const char* kLaunchesDir = "launches";
inline constexpr const char* kLogsDir = "logs";
inline constexpr std::string_view kLaunchMetaSuffix = ".meta.json";

struct StoreLayout {
  std::string dir;

  std::string manifest() const { return in_dir(kManifestFile); }
  std::string results() const { return in_dir(kResultsFile); }
  std::string lock() const { return in_dir(kLockFile); }
  std::string launches() const { return in_dir(kLaunchesDir); }
  std::string logs() const { return in_dir(kLogsDir); }
  // DIR/launches/NAME: the stem of a launch's files.
  std::string launch_base(const std::string& name) const { return launches() + "/" + name; }
  std::string launch_plan(const std::string& name) const { return launch_base(name) + ".json"; }
  std::string launch_meta(const std::string& name) const { return launch_base(name) + std::string(kLaunchMetaSuffix); }
  std::string launch_started(const std::string& name) const { return launch_base(name) + ".started"; }
  std::string launch_stopped(const std::string& name) const { return launch_base(name) + ".stopped"; }
  std::string log(const std::string& label) const { return logs() + "/" + label + ".log"; }

  // Whether a file name in launches/ is a launch's metadata ("L000-r0.meta.json").
  static bool is_launch_meta(std::string_view file_name) {
    return file_name.size() >= kLaunchMetaSuffix.size() &&
           file_name.substr(file_name.size() - kLaunchMetaSuffix.size()) == kLaunchMetaSuffix;
  }

 private:
  std::string in_dir(const char* name) const { return dir + "/" + name; }
};

inline StoreLayout store_layout(std::string dir) { return StoreLayout{std::move(dir)}; }

}  // namespace collbench::results
