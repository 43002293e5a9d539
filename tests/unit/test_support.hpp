#pragma once
// What many unit tests share: the message of the InputError a call throws, and substring checks
// that print the text they searched.
#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "core/error.hpp"

namespace testsupport {

// The InputError message of `f`, or "" (and a test failure) when it throws nothing or another error.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const collbench::core::InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected an InputError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

}  // namespace testsupport

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)
#define EXPECT_LACKS(text, part) EXPECT_EQ(std::string(text).find(part), std::string::npos) << "in: " << (text)
