#pragma once
// printf's formatting into a string: what the console writers use, so text they took over from
// printf comes out byte for byte as it did (printf pads "%-13s" by bytes; fmt pads by code points).
#include <string>

namespace collbench::core {

std::string printf_text(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace collbench::core
