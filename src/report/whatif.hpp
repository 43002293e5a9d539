#pragma once
// The what-if report (collbench whatif): predicted bus bandwidth against the node count, per
// collective and size, as Markdown or one self-contained HTML page (inline SVG; curves dashed
// because every number is a prediction). The JSON form is model::what_if_json.
#include <string>

#include "backend/model/whatif.hpp"

namespace collbench::report {

std::string what_if_markdown(const model::WhatIf& w);
std::string what_if_html(const model::WhatIf& w);

}  // namespace collbench::report
