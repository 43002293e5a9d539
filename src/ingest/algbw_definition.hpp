#pragma once
// Which algbw an nccl-tests log printed for all_gather and reduce_scatter. nccl-tests ec1b5e2
// (2020-06-19, "Change all_gather/reduce_scatter algbw to match the documentation", nccl-tests
// issue #45; first in v2.9.0) changed it: before, algbw = size x (n-1)/n / time with bus factor 1;
// since, algbw = size / time with factor (n-1)/n. busbw is the same in both. alltoall kept
// algbw = size / time in every release (27cc350, which multiplied it by n, is an unmerged pull
// request: refs/pull/59), so it is not checked.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "results/record.hpp"

namespace collbench::ingest {

enum class AlgbwDefinition { unknown, current, pre_2020 };

// "current", "pre-2020 (nccl-tests #45)", "unknown": ImportInfo::algbw_definition.
std::string_view definition_name(AlgbwDefinition d);

// Whether `collective` (collbench's name) is one whose printed algbw changed definition.
bool algbw_definition_changed(std::string_view collective);

// By the log's printed version: nccl-tests X.Y.Z from 2.9 on is current, older is pre-2020;
// unknown for another tool (rccl-tests prints a git hash) or no version.
AlgbwDefinition definition_of_version(std::string_view tool, std::string_view version);

// One row (placement) of a table as printed: size in bytes, time in us, algbw in GB/s.
struct PrintedRow {
  std::uint64_t bytes = 0;
  double time_us = 0;
  double algbw_gbps = 0;
};

// From the rows of one all_gather or reduce_scatter table on `nranks` ranks: the ratio printed
// algbw / (size / time) is 1 in the current definition and (n-1)/n in the old. Only rows whose
// printed digits resolve that gap (1/n) well are read (large sizes); unknown when there are none,
// when they disagree, or when the ranks are not known (< 2).
AlgbwDefinition definition_of_rows(int nranks, std::span<const PrintedRow> rows);

// A table of an imported document: consecutive records of one all_gather or reduce_scatter
// rank count, and what they printed.
struct AlgbwTable {
  std::string collective;
  int nranks = 0;
  std::size_t first = 0;  // index of its first record
  AlgbwDefinition definition = AlgbwDefinition::unknown;
};

// Every such table of `records` (in log order), each judged by `by_version` when that is known,
// else by its rows (the records' `printed`).
std::vector<AlgbwTable> algbw_tables(const std::vector<results::ResultRecord>& records, AlgbwDefinition by_version);

// What a document records from its tables: "" without such a table; else pre-2020 when any
// table is, current when any is, unknown otherwise.
std::string document_definition(const std::vector<AlgbwTable>& tables);

}  // namespace collbench::ingest
