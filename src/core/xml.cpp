#include "core/xml.hpp"

namespace collbench::core {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += "&#xFFFD;";  // not allowed in XML 1.0
        else out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace collbench::core
