#pragma once
// JSON from a user's file, with the rules every reader shares (README.md, "Input files"):
// - a key given twice in one object is refused: nlohmann::json keeps the last one silently, so
//   {"repetitions": 50, "repetitions": 2} would run 2 repetitions without a word;
// - a number beyond a double's range (1e400) is refused (nlohmann: out_of_range 406), where a
//   caller that catches only parse errors would let it end as an "internal error";
// - what nlohmann's parser refuses (syntax, ill-formed UTF-8 in a string) is not JSON.
// One SAX pass builds the value and watches the keys; read the file through read_input_file first
// (regular files, the size cap, the byte-order mark).
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace collbench::core {

enum class JsonStatus {
  ok,        // `value` holds the document
  not_json,  // a syntax error: readers that also take other formats try those
  refused,   // JSON, but against the shared rules (a key twice, a number out of range)
};

template <class Json>
struct BasicJsonParse {
  using Status = JsonStatus;
  Status status = Status::ok;
  Json value;
  std::string problem;   // not ok: "parse error at line 1, column 5: syntax error …", "key \"x\" given twice …"
  std::size_t byte = 0;  // a syntax error: where the parser stopped
  bool ok() const { return status == Status::ok; }
};
using JsonParse = BasicJsonParse<nlohmann::json>;
using OrderedJsonParse = BasicJsonParse<nlohmann::ordered_json>;  // sweep specs keep their keys' order

struct JsonOptions {
  bool comments = false;  // `//` and `/* */` comments allowed (hand-written files that document them)
};

template <class Json = nlohmann::json>
BasicJsonParse<Json> parse_json(std::string_view text, JsonOptions options = {});
extern template JsonParse parse_json<nlohmann::json>(std::string_view, JsonOptions);
extern template OrderedJsonParse parse_json<nlohmann::ordered_json>(std::string_view, JsonOptions);

// The value, or InputError "NAME: expected JSON: PROBLEM" (not JSON) / "NAME: PROBLEM" (refused).
nlohmann::json parse_json_or_throw(std::string_view text, std::string_view name, JsonOptions options = {});

}  // namespace collbench::core
