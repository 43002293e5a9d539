// The tuner's rules without the plugin: parsing the file format and choosing a cell.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>

#include "rules.hpp"

namespace {

using namespace collbench::tuner;

Rule parse_one(const std::string& line) {
  const ParseResult r = parse_rules(line);
  EXPECT_TRUE(r.ok()) << line << ": " << (r.error ? r.error->message : "");
  EXPECT_EQ(r.rules.size(), 1u);
  return r.rules.empty() ? Rule{} : r.rules.front();
}

// A full 7x3 table with distinct costs: cell (a, p) costs 10 + 3a + p.
std::array<float, 21> full_table() {
  std::array<float, 21> t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = 10.0f + static_cast<float>(i);
  return t;
}

CallParams call(int coll, std::uint64_t bytes) { return CallParams{coll, bytes, 1, 8, 1, 0}; }

TEST(TunerRules, ParsesEveryField) {
  const Rule r = parse_one("allreduce,1024,4096,nvls_tree,ll128,8,2,16,3,1");
  EXPECT_EQ(r.line, 1);
  EXPECT_EQ(r.collective, 4);
  EXPECT_EQ(r.min_bytes, 1024u);
  EXPECT_EQ(r.max_bytes, 4096u);
  EXPECT_EQ(r.algorithm, 5);
  EXPECT_EQ(r.protocol, 1);
  EXPECT_EQ(r.channels, 8);
  EXPECT_EQ(r.n_nodes, 2);
  EXPECT_EQ(r.n_ranks, 16);
  EXPECT_EQ(r.num_pipe_ops, 3);
  EXPECT_EQ(r.reg_buff, 1);
}

TEST(TunerRules, OptionalFieldsAreWildcards) {
  const Rule eight = parse_one("broadcast,0,10,tree,ll,0,1,2");
  EXPECT_EQ(eight.num_pipe_ops, kAny);
  EXPECT_EQ(eight.reg_buff, kAny);
  EXPECT_EQ(eight.channels, 0);
  const Rule nine = parse_one("broadcast,0,10,tree,ll,0,1,2,4");
  EXPECT_EQ(nine.num_pipe_ops, 4);
  EXPECT_EQ(nine.reg_buff, kAny);
  EXPECT_EQ(parse_one("reduce,0,10,pat,simple,64,1,2,1,0").reg_buff, 0);
}

TEST(TunerRules, EveryNameMapsToNcclsIndex) {
  const std::array<std::string, 5> colls = {"broadcast", "reduce", "allgather", "reducescatter", "allreduce"};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(parse_one(colls[i] + ",0,1,ring,ll,0,1,1").collective, i);
  const std::array<std::string, 7> algos = {"tree", "ring", "collnet_direct", "collnet_chain",
                                            "nvls", "nvls_tree", "pat"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(parse_one("allreduce,0,1," + algos[i] + ",ll,0,1,1").algorithm, i);
    EXPECT_EQ(algorithm_name(i), algos[i]);
  }
  const std::array<std::string, 3> protos = {"ll", "ll128", "simple"};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(parse_one("allreduce,0,1,ring," + protos[i] + ",0,1,1").protocol, i);
}

TEST(TunerRules, MinusOneAndStarAreWildcards) {
  for (const char* line : {"*,-1,-1,-1,-1,-1,-1,-1,-1,-1", "*,*,*,*,*,*,*,*,*,*"}) {
    const Rule r = parse_one(line);
    EXPECT_EQ(r.collective, kAny);
    EXPECT_EQ(r.min_bytes, 0u);
    EXPECT_EQ(r.max_bytes, kUnbounded);
    EXPECT_EQ(r.algorithm, kAny);
    EXPECT_EQ(r.protocol, kAny);
    EXPECT_EQ(r.channels, kAny);
    EXPECT_EQ(r.n_nodes, kAny);
    EXPECT_EQ(r.n_ranks, kAny);
    EXPECT_EQ(r.num_pipe_ops, kAny);
    EXPECT_EQ(r.reg_buff, kAny);
  }
}

TEST(TunerRules, SkipsCommentsBlankLinesAndTrimsWhitespace) {
  const ParseResult r = parse_rules(
      "# header\n\n   \t\n  # indented comment\n \tallreduce , 0 ,\t10 , tree ,ll, 2 ,1, 2 \r\n"
      "allgather,5,6,ring,simple,-1,-1,-1 # trailing comment\n");
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0].line, 5);
  EXPECT_EQ(r.rules[0].max_bytes, 10u);
  EXPECT_EQ(r.rules[0].n_ranks, 2);
  EXPECT_EQ(r.rules[1].line, 6);
  EXPECT_EQ(r.rules[1].collective, 2);
  EXPECT_TRUE(parse_rules("").ok());
  EXPECT_TRUE(parse_rules("# only a comment").rules.empty());
}

TEST(TunerRules, LinesLongerThan255CharactersParse) {
  const std::string pad(300, ' ');
  const ParseResult r = parse_rules("allreduce,0,-1,ring,simple,4,1,8" + pad + "# note\n" + "reduce," + pad +
                                    "0,1,tree,ll,0,1,1,2," + pad + "1" + pad);
  ASSERT_TRUE(r.ok()) << r.error->message;
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0].n_ranks, 8);
  EXPECT_EQ(r.rules[1].reg_buff, 1);
}

struct Malformed {
  std::string text;
  int line;
  std::string message;
};

TEST(TunerRules, MalformedLinesNameTheLineAndWhatWasExpected) {
  const std::string counts = "expected 8 to 10 comma-separated fields (collective,min_bytes,max_bytes,algorithm,"
                             "protocol,channels,nNodes,nRanks[,numPipeOps[,regBuff]]), got ";
  const std::string coll = "expected collective allreduce|allgather|reducescatter|broadcast|reduce|*, got ";
  const std::string algo = "expected algorithm tree|ring|collnet_direct|collnet_chain|nvls|nvls_tree|pat|-1|*, got ";
  const std::string bytes = " a non-negative integer or -1, got ";
  const std::string chans = "expected channels -1, 0 or 1..64, got ";
  const Malformed cases[] = {
      {"allreduce,0,10,ring,simple,1,1", 1, counts + "7"},
      {"allreduce,0,10,ring,simple,1,1,1,1,1,1", 1, counts + "11"},
      {"alltoall,0,10,ring,simple,1,1,1", 1, coll + "'alltoall'"},
      {"AllReduce,0,10,ring,simple,1,1,1", 1, coll + "'AllReduce'"},
      {"-1,0,10,ring,simple,1,1,1", 1, coll + "'-1'"},
      {"allreduce,abc,10,ring,simple,1,1,1", 1, "expected min_bytes" + bytes + "'abc'"},
      {"allreduce,-2,10,ring,simple,1,1,1", 1, "expected min_bytes" + bytes + "'-2'"},
      {"allreduce,0,1.5,ring,simple,1,1,1", 1, "expected max_bytes" + bytes + "'1.5'"},
      {"allreduce,0,99999999999999999999,ring,simple,1,1,1", 1,
       "expected max_bytes" + bytes + "'99999999999999999999'"},
      {"allreduce,100,10,ring,simple,1,1,1", 1, "expected min_bytes <= max_bytes, got 100 > 10"},
      {"allreduce,0,10,foo,simple,1,1,1", 1, algo + "'foo'"},
      {"allreduce,0,10,ring,LL,1,1,1", 1, "expected protocol ll|ll128|simple|-1|*, got 'LL'"},
      {"allreduce,0,10,ring,simple,65,1,1", 1, chans + "'65'"},
      {"allreduce,0,10,ring,simple,-2,1,1", 1, chans + "'-2'"},
      {"allreduce,0,10,ring,simple,x,1,1", 1, chans + "'x'"},
      {"allreduce,0,10,ring,simple,1,0,1", 1, "expected nNodes a positive integer or -1, got '0'"},
      {"allreduce,0,10,ring,simple,1,1,two", 1, "expected nRanks a positive integer or -1, got 'two'"},
      {"allreduce,0,10,ring,simple,1,1,", 1, "expected nRanks a positive integer or -1, got ''"},
      {"allreduce,0,10,ring,simple,1,1,1,0", 1, "expected numPipeOps a positive integer or -1, got '0'"},
      {"allreduce,0,10,ring,simple,1,1,1,1,2", 1, "expected regBuff 0, 1 or -1, got '2'"},
      {"allreduce,0,10,ring,simple,1,1,1\n# ok\n\nreduce,0,1,tree,ll,1,1,1,1,-5\n", 4,
       "expected regBuff 0, 1 or -1, got '-5'"},
  };
  for (const Malformed& c : cases) {
    const ParseResult r = parse_rules(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_TRUE(r.rules.empty()) << c.text;
    EXPECT_EQ(r.error->line, c.line) << c.text;
    EXPECT_EQ(r.error->message, c.message) << c.text;
  }
}

TEST(TunerRules, FirstMatchingRuleWins) {
  const ParseResult r = parse_rules("allgather,0,-1,tree,ll,-1,-1,-1\nallreduce,0,100,tree,ll,-1,-1,-1\n"
                                    "allreduce,0,-1,ring,simple,-1,-1,-1\n");
  auto t = full_table();
  const CostTable table{t.data(), 7, 3};
  Walk w = decide(r.rules, call(4, 100), table);
  ASSERT_TRUE(w.decision);
  EXPECT_EQ(w.decision->rule_index, 1u);
  w = decide(r.rules, call(4, 101), table);
  ASSERT_TRUE(w.decision);
  EXPECT_EQ(w.decision->rule_index, 2u);
  EXPECT_EQ(w.decision->cell.algo, 1);
  EXPECT_EQ(w.decision->cell.proto, 2);
  EXPECT_TRUE(w.skipped.empty());
}

TEST(TunerRules, ByteRangeIsInclusiveAtBothEdges) {
  const Rule r = parse_one("allreduce,1024,2048,ring,simple,-1,-1,-1");
  EXPECT_FALSE(rule_matches(r, call(4, 1023)));
  EXPECT_TRUE(rule_matches(r, call(4, 1024)));
  EXPECT_TRUE(rule_matches(r, call(4, 2048)));
  EXPECT_FALSE(rule_matches(r, call(4, 2049)));
  EXPECT_TRUE(rule_matches(parse_one("allreduce,-1,-1,ring,simple,-1,-1,-1"), call(4, kUnbounded)));
  EXPECT_TRUE(rule_matches(parse_one("allreduce,-1,0,ring,simple,-1,-1,-1"), call(4, 0)));
}

TEST(TunerRules, MatchesNodesRanksPipeOpsAndRegBuff) {
  const Rule r = parse_one("*,0,-1,ring,simple,-1,2,16,3,1");
  const CallParams ok{4, 10, 2, 16, 3, 1};
  EXPECT_TRUE(rule_matches(r, ok));
  CallParams c = ok;
  c.n_nodes = 1;
  EXPECT_FALSE(rule_matches(r, c));
  c = ok;
  c.n_ranks = 8;
  EXPECT_FALSE(rule_matches(r, c));
  c = ok;
  c.num_pipe_ops = 1;
  EXPECT_FALSE(rule_matches(r, c));
  c = ok;
  c.reg_buff = 0;
  EXPECT_FALSE(rule_matches(r, c));
  c = ok;
  c.coll_type = 2;
  EXPECT_TRUE(rule_matches(r, c));
  EXPECT_FALSE(rule_matches(parse_one("allreduce,0,-1,ring,simple,-1,-1,-1"), c));
}

TEST(TunerRules, OtherCollectiveTypesNeverMatch) {
  const Rule any = parse_one("*,-1,-1,*,*,-1,-1,-1");
  for (int coll = 0; coll < 5; ++coll) EXPECT_TRUE(rule_matches(any, call(coll, 1)));
  for (int coll = 5; coll <= 14; ++coll) EXPECT_FALSE(rule_matches(any, call(coll, 1))) << coll;
  EXPECT_FALSE(rule_matches(any, call(-1, 1)));
}

TEST(TunerRules, UnavailableCellSkipsToTheNextRule) {
  const ParseResult r = parse_rules("allreduce,0,-1,ring,simple,-1,-1,-1\nallreduce,0,-1,pat,ll,-1,-1,-1\n"
                                    "allreduce,0,-1,tree,ll128,-1,-1,-1\n");
  auto t = full_table();
  t[1 * 3 + 2] = -1.0f;
  const Walk w = decide(r.rules, call(4, 8), CostTable{t.data(), 6, 3});  // pat (row 6) is out of range
  ASSERT_TRUE(w.decision);
  EXPECT_EQ(w.decision->rule_index, 2u);
  EXPECT_EQ(w.decision->cell.algo, 0);
  EXPECT_EQ(w.decision->cell.proto, 1);
  ASSERT_EQ(w.skipped.size(), 2u);
  EXPECT_EQ(w.skipped[0], 0u);
  EXPECT_EQ(w.skipped[1], 1u);
}

TEST(TunerRules, WildcardsPickTheLowestAvailableCost) {
  auto t = full_table();
  t[0 * 3 + 2] = -1.0f;  // tree/simple unavailable
  t[4 * 3 + 2] = 3.0f;   // nvls/simple cheapest
  t[6 * 3 + 2] = 2.0f;   // pat/simple cheaper, but pat is outside a 6-row table
  t[5 * 3 + 2] = std::nanf("");
  const CostTable six{t.data(), 6, 3};
  auto cell = choose_cell(parse_one("allreduce,0,-1,*,simple,-1,-1,-1"), six);
  ASSERT_TRUE(cell);
  EXPECT_EQ(cell->algo, 4);
  EXPECT_EQ(cell->proto, 2);
  cell = choose_cell(parse_one("allreduce,0,-1,-1,simple,-1,-1,-1"), CostTable{t.data(), 7, 3});
  ASSERT_TRUE(cell);
  EXPECT_EQ(cell->algo, 6);
  t[1 * 3 + 0] = 50.0f;  // ring: ll 50, ll128 14, simple 15
  cell = choose_cell(parse_one("allreduce,0,-1,ring,*,-1,-1,-1"), six);
  ASSERT_TRUE(cell);
  EXPECT_EQ(cell->algo, 1);
  EXPECT_EQ(cell->proto, 1);
  t[1 * 3 + 1] = 15.0f;  // tie with simple: the lower index wins
  EXPECT_EQ(choose_cell(parse_one("allreduce,0,-1,ring,*,-1,-1,-1"), six)->proto, 1);
  t[1 * 3 + 0] = t[1 * 3 + 1] = t[1 * 3 + 2] = -1.0f;
  EXPECT_FALSE(choose_cell(parse_one("allreduce,0,-1,ring,*,-1,-1,-1"), six));
  const auto both = choose_cell(parse_one("allreduce,0,-1,*,*,4,-1,-1"), six);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->algo, kAny);
  EXPECT_EQ(both->proto, kAny);
}

TEST(TunerRules, ApplyZeroesOnlyTheChosenCellAndSetsPositiveChannels) {
  const auto before = full_table();
  auto t = before;
  CostTable table{t.data(), 7, 3};
  int channels = 7;
  apply(parse_one("allreduce,0,-1,nvls,ll128,-1,-1,-1"), Cell{4, 1}, table, &channels);
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i], i == 13 ? 0.0f : before[i]) << i;
  EXPECT_EQ(channels, 7);
  apply(parse_one("allreduce,0,-1,nvls,ll128,0,-1,-1"), Cell{4, 1}, table, &channels);
  EXPECT_EQ(channels, 7);
  apply(parse_one("allreduce,0,-1,*,*,12,-1,-1"), Cell{}, table, &channels);
  EXPECT_EQ(channels, 12);
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_EQ(t[i], i == 13 ? 0.0f : before[i]) << i;
  apply(parse_one("allreduce,0,-1,*,*,12,-1,-1"), Cell{}, table, nullptr);  // no crash
}

}  // namespace
