#pragma once
// Byte sizes as people type them: "8", "64K", "1.5M", "4G" (1024-based, as nccl-tests).
#include <cstdint>
#include <string>
#include <string_view>

namespace collbench::core {

// Parses a positive size. `what` names the input in the error ("--minbytes").
// Throws InputError for an empty, negative, zero, unparsable or overflowing value.
std::uint64_t parse_size(std::string_view text, std::string_view what);

// 1024-based, shortest exact form: 8 -> "8", 65536 -> "64K", 1572864 -> "1536K", 4 GiB -> "4G".
std::string format_size(std::uint64_t bytes);

// A slowdown or gain as people read it: "1.04x", "41.2x", "308x", and "> 1000x" from a thousand on
// (an injected 3 ms delay against microsecond medians is "> 1000x", not "308738.09x"); "0.052x",
// "< 0.001x" below one; "-" for a ratio that is not a positive finite number. Messages that use it
// give the absolute times too.
std::string format_ratio(double ratio);

}  // namespace collbench::core
