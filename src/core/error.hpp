#pragma once
// Typed errors: every failure carries the exit code the user sees.
#include <stdexcept>
#include <string>

namespace collbench::core {

// Exit codes, documented in README.md and reports/SCHEMA.md.
enum class ExitCode : int {
  ok = 0,          // every case ran and verified
  wrong = 1,       // at least one case produced wrong results
  bad_input = 2,   // flags, files or environment were not what was expected
  run_failed = 3,  // the run itself failed: crash, timeout, library error
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
  ExitCode code() const noexcept { return m_code; }

 private:
  ExitCode m_code;
};

// Bad user input: the message names the input and what was expected.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(ExitCode::bad_input, message) {}
};

// The run failed for a reason that is not the user's input.
class RunError : public Error {
 public:
  explicit RunError(const std::string& message) : Error(ExitCode::run_failed, message) {}
};

// A case ran past --timeout; the backend has already aborted its communicator.
class TimeoutError : public RunError {
 public:
  explicit TimeoutError(const std::string& message) : RunError(message) {}
};

// The library refused one case's arguments (NCCL: ncclInvalidArgument / ncclInvalidUsage), on
// every rank alike: the case is recorded "failed" with the library's message and the run goes on.
class CaseRefused : public RunError {
 public:
  explicit CaseRefused(const std::string& message) : RunError(message) {}
};

// The backend cannot run one case as asked (e.g. NCCL gave no symmetric window for its buffers),
// on every rank alike, before anything was launched: the case is recorded "skipped" with this
// reason, as an unsupported() case is, and the run goes on. Escaping a session, it is a run failure.
class CaseSkipped : public RunError {
 public:
  explicit CaseSkipped(const std::string& message) : RunError(message) {}
};

}  // namespace collbench::core
