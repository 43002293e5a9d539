#pragma once
// JSON (nlohmann) for the results schema. to_json/from_json are found by ADL.
#include <nlohmann/json.hpp>
#include <string>

#include "results/record.hpp"

namespace collbench::stats {
void to_json(nlohmann::json& j, const MedianCI& v);
void from_json(const nlohmann::json& j, MedianCI& v);
void to_json(nlohmann::json& j, const Summary& v);
void from_json(const nlohmann::json& j, Summary& v);
}  // namespace collbench::stats

namespace collbench::results {
void to_json(nlohmann::json& j, const RankSummary& v);
void from_json(const nlohmann::json& j, RankSummary& v);
void to_json(nlohmann::json& j, const Straggler& v);
void from_json(const nlohmann::json& j, Straggler& v);
void to_json(nlohmann::json& j, const GroupNode& v);
void to_json(nlohmann::json& j, const GroupInfo& v);
void to_json(nlohmann::json& j, const ResultRecord& v);
void from_json(const nlohmann::json& j, ResultRecord& v);
void to_json(nlohmann::json& j, const HostRanks& v);
void from_json(const nlohmann::json& j, HostRanks& v);
void to_json(nlohmann::json& j, const DeviceRecord& v);
void from_json(const nlohmann::json& j, DeviceRecord& v);
void to_json(nlohmann::json& j, const RunMetadata& v);
void from_json(const nlohmann::json& j, RunMetadata& v);
void to_json(nlohmann::json& j, const RunDocument& v);
// Throws core::InputError naming `source` when the document is not a collbench run document of a
// schema version this build reads, or a field has the wrong type.
RunDocument parse_document(const nlohmann::json& j, const std::string& source);
RunDocument read_document_file(const std::string& path);

// Writes the document atomically (PATH.tmp, fsync, rename): a reader never sees half a file and
// a crash leaves the previous complete snapshot. Throws core::InputError if PATH can't be written.
void write_document_file(const std::string& path, const RunDocument& doc);
// Checks that PATH can be created/replaced (its directory exists and is writable) without
// leaving a file behind. Throws core::InputError("FLAG 'PATH': …"), FLAG naming the option.
void check_writable(const std::string& path, const std::string& flag = "--json");

}  // namespace collbench::results
