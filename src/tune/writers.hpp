#pragma once
// The forms a recommendation is deployed in (reports/TUNE.md). Pure functions from the
// Recommendation to file contents, so each has a golden test; the CLI writes them.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tune/input.hpp"
#include "tune/recommend.hpp"
#include "tune/validate.hpp"

namespace collbench::tune {

// The deployed settings (levels 2 + 3) as environment variables, and the ncclConfig_t fields
// that no environment variable can carry.
struct DeployEnv {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> nccl_config;
};
DeployEnv deploy_env(const Recommendation& r);

// POSIX shell single quoting: 'it'\''s' — safe for any value without NUL.
std::string shell_quote(std::string_view s);

std::string nccl_conf(const Recommendation& r);       // NCCL_CONF_FILE format: KEY=VALUE lines
std::string env_file(const Recommendation& r);        // KEY=VALUE (docker --env-file, srun --export)
std::string env_sh(const Recommendation& r);          // export KEY='VALUE'
std::string mpirun_args(const Recommendation& r);     // -x 'KEY=VALUE', one per line
std::string tuner_conf(const Recommendation& r);      // our tuner plugin's rules (nccl)
std::string ompi_rules(const Recommendation& r);      // coll_tuned_dynamic_rules_filename format (mpi); "" when no rule
std::string summary_md(const Recommendation& r);
std::string summary_json(const Recommendation& r);

// "1.234x [1.100, 1.400]": default time / winner time and its interval.
std::string gain_text(const Gain& g);

// What `collbench tune` prints (writers_console.cpp), byte for byte as it always has.
std::string console_summary(const TuneInput& in, const Recommendation& r);  // "tune: N records …", a line per collective, deploy, notes
std::string console_written(const std::string& dir, const std::vector<std::string>& names);  // "wrote DIR: a b c"
// "validate: default and SETTING, N repetitions interleaved: …" ("nothing to validate" when the
// recommendation is the default).
std::string console_validation_plan(const Recommendation& r, int reps, std::size_t launches, std::size_t cases,
                                    const std::string& dir);
std::string console_validation(const Validation& v, const std::string& out_dir);  // a line per collective, the verdict

// Every file for the recommendation's backend: (file name, contents).
std::vector<std::pair<std::string, std::string>> outputs(const Recommendation& r);

}  // namespace collbench::tune
