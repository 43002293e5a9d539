#pragma once
// FNV-1a, 64 bits: stable across runs, machines and compilers (ids and fingerprints written to
// files), unlike std::hash.
#include <cstdint>
#include <string_view>

namespace collbench::core {

inline constexpr std::uint64_t kFnvOffset = 1469598103934665603ull;

constexpr std::uint64_t fnv1a(std::string_view text, std::uint64_t h = kFnvOffset) {
  for (const char ch : text) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h;
}

}  // namespace collbench::core
