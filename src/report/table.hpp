#pragma once
// The human table, in nccl-tests' layout (>= 2.17.3) so that people's parsers and habits keep
// working: one row per size with out-of-place and in-place columns, '#' comments for everything
// else. The time column is the median iteration time (max over ranks per iteration); algbw and
// busbw come from it. With set_nccl_tests_figure(true) the three columns are nccl-tests' figure
// instead (a record's nccl_tests: the mean over ranks of each rank's mean time), a '#' line says
// so, and the footer's average is of that busbw. collbench's additions (tail latency,
// stragglers) are '#' lines.
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "results/record.hpp"

namespace collbench::report {

// nccl-tests' getFloatStr: %.2f if it fits in `width`, else %.1f, %.0f, then exponent form.
std::string float_cell(double value, int width);

// One line on how the job was launched: "Launched by srun: Slurm job 42 step 0 (cluster c,
// partition p), nodes rack42-[01-02], tasks per node 8,8 (oversubscribed …)"; "" for a plain
// process outside Slurm and for documents without launch facts.
std::string describe_launch(const results::RunMetadata& meta);

class TablePrinter {
 public:
  explicit TablePrinter(std::FILE* out) : m_out(out) {}

  // Off by default. Set before begin_collective.
  void set_nccl_tests_figure(bool on) { m_nccl_tests = on; }

  void preamble(const results::RunMetadata& meta);
  // `placements`: in_place flags of the columns, out-of-place first.
  void begin_collective(std::string_view collective, std::string_view nccl_tests_name,
                        const std::vector<bool>& placements);
  void row(std::span<const results::ResultRecord> records);
  void end_collective();
  // One '#' line; used for notes such as the single-rank bus bandwidth remark.
  void note(std::string_view text);

 private:
  void cell(const results::ResultRecord& r);
  void tail_latency();
  void predicted_choices();

  std::FILE* m_out;
  std::string m_name;
  std::vector<bool> m_placements;
  std::vector<results::ResultRecord> m_rows;  // this collective's measured records
  std::vector<std::string> m_notes;           // printed after the footer
  std::int64_t m_wrong = 0;
  bool m_any_unchecked = false;
  bool m_nccl_tests = false;  // the columns are nccl-tests' figure
};

}  // namespace collbench::report
