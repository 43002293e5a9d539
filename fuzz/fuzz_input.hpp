#pragma once
// What every fuzz target shares (fuzz/README.md): the readers take paths, so an input's bytes are
// written to a file in a per-process scratch directory and read back through the file layer; and
// the contract every reader of a user's file keeps (STYLE.md, "Errors"): a valid result or a
// core::InputError, never another exception (that reaches main as "internal error", exit 3).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "core/error.hpp"

namespace collbench::fuzz {

// The scratch directory of this process (under /dev/shm when there is one, else the temp dir),
// created on first use and removed at exit.
const std::string& scratch_dir();

// Writes `size` bytes to scratch_dir()/relative (its directories created, the file truncated) and
// returns the path.
std::string write_input(std::string_view relative, const std::uint8_t* data, std::size_t size);
std::string write_input(std::string_view relative, std::string_view text);

// Prints "TARGET: contract broken: TYPE: WHAT" to stderr and aborts, which libFuzzer records as a
// crash (and the replay test as a failure).
[[noreturn]] void contract_broken(std::string_view target, const std::type_info* type, std::string_view what);

// Runs `read` and keeps the contract: returning or throwing core::InputError is fine, anything
// else aborts naming the exception.
template <class Read>
int expect_contract(std::string_view target, Read&& read) {
  try {
    read();
  } catch (const core::InputError&) {
  } catch (const std::exception& e) {
    contract_broken(target, &typeid(e), e.what());
  } catch (...) {
    contract_broken(target, nullptr, "an exception not derived from std::exception");
  }
  return 0;
}

}  // namespace collbench::fuzz
