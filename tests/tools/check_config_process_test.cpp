// `ballast check-config` says "ok" only when `ballast run` would start on the configuration: it
// builds the engine run would build (the risk model from the daily closes) offline. Issue 13,
// found by an adversarial run: a daily-closes file with only its header, or without a column for
// an instrument, passed check-config and then stopped `run` (naming the file but not the key); a
// data path that is a FIFO blocked check-config forever.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "process_test_support.hpp"

namespace ballast {
namespace {

namespace fs = std::filesystem;
const std::string& kCloses = test::kShippedCloses;

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class CheckConfigProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ballast_check_config_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string config(const std::string& closes, const std::string& extra = "",
                     const std::string& journal = "journal: {enabled: false}\n") {
    const std::string path = (dir_ / "desk.yaml").string();
    std::ofstream(path) << "instruments:\n"
                           "  - {symbol: AAPL, asset_class: equity}\n"
                           "  - {symbol: GOOG, asset_class: equity}\n"
                           "models:\n"
                           "  - {id: m, weights: {AAPL: 0.5, GOOG: 0.5}}\n"
                           "accounts:\n"
                           "  - {id: A1, model: m, cash: 100000}\n"
                        << test::closes_source_yaml(closes) << journal << extra;
    return path;
  }

  Outcome check(const std::string& cfg) {
    // The bound stops a check that would block (the FIFO case): the process is killed, -1.
    const std::string out = (dir_ / "check.out").string();
    test::Child c = test::spawn({BALLAST_EXE, "check-config", cfg}, out);
    Outcome o;
    if (c.pid < 0) return o;
    o.exit_code = test::wait_exit(c, std::chrono::seconds(60));
    o.output = test::slurp(out);
    return o;
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  fs::path dir_;
};

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST_F(CheckConfigProcess, AGoodConfigurationIsOk) {
  const Outcome o = check(config(kCloses));
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_TRUE(has(o.output, "ok")) << o.output;
}

TEST_F(CheckConfigProcess, DailyClosesThatRunCannotUseAreRefusedNamingKeyAndFile) {
  std::ifstream in(kCloses);
  std::string header;
  ASSERT_TRUE(std::getline(in, header));
  ASSERT_TRUE(has(header, "AAPL") && has(header, "GOOG")) << header;
  // Only the header.
  const std::string only_header = write("header_only.csv", header + "\n");
  Outcome o = check(config(only_header));
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_TRUE(has(o.output, "market_data.sources[0].path: '" + only_header + "'")) << o.output;
  EXPECT_FALSE(has(o.output, ": ok")) << o.output;
  // A file without a column for GOOG: 336 days of AAPL alone.
  std::string text = "Date,AAPL\n";
  for (int m = 1; m <= 12; ++m) {
    for (int d = 1; d <= 28; ++d) {
      char line[64];
      std::snprintf(line, sizeof line, "2011-%02d-%02d,%.2f\n", m, d,
                    100.0 + ((m * 31 + d * 7) % 13) * 0.5);
      text += line;
    }
  }
  const std::string no_goog = write("no_goog.csv", text);
  o = check(config(no_goog));
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_TRUE(has(o.output, "market_data.sources[0].path: '" + no_goog + "'")) << o.output;
  EXPECT_TRUE(has(o.output, "no column 'GOOG'")) << o.output;
}

// Adversarial pass 2 (M2): "ok" although run could not write its journal or FIX store.
TEST_F(CheckConfigProcess, DirectoriesRunWritesMustBeWritableDirectories) {
  const std::string file = write("a_file", "x");
  Outcome o = check(config(kCloses, "", "journal: {dir: " + file + "}\n"));
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_TRUE(has(o.output, "journal.dir: '" + file + "': exists and is not a directory"))
      << o.output;
  const std::string session =
      "fix:\n  sessions:\n    - {name: b, host: 127.0.0.1, port: 9, sender_comp_id: A,\n"
      "       target_comp_id: B, store_dir: " +
      file + ", log_dir: " + (dir_ / "log").string() + "}\n";
  o = check(config(kCloses, session));
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_TRUE(has(o.output, "fix.sessions[0].store_dir: '" + file + "'")) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "log")) << "check-config creates nothing";
  // Missing but creatable: fine.
  o = check(config(kCloses, "", "journal: {dir: " + (dir_ / "new/journal").string() + "}\n"));
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_FALSE(fs::exists(dir_ / "new"));
}

// Issue 14: a TAQ (or minute-bar) source passed check-config, then run exited 2 ("not replayed
// by `ballast run` yet"). Now run replays it and check-config, which opens every source as run
// does, accepts it; a tick file in a minute_bars source is refused by both, naming the file.
TEST_F(CheckConfigProcess, ATaqSourceIsAcceptedAsRunReplaysItAndATickFileInMinuteBarsIsNot) {
  const std::string taq = write("20120621_aapl_Trade_Tick.csv", "34200000,5850000,100,Q,0,0\n");
  const std::string cfg = config(kCloses);
  std::string text;
  {
    std::ifstream in(cfg);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::size_t at = text.find("journal:");
  ASSERT_NE(at, std::string::npos);
  // The tick source joins the closes source config() writes (inserted before `journal:`).
  for (const char* kind : {"taq", "minute_bars"}) {
    std::string with = text;
    with.insert(at, "    - {name: ticks, kind: " + std::string(kind) + ", path: " + taq + "}\n");
    std::ofstream(cfg) << with;
    const Outcome o = check(cfg);
    if (std::string(kind) == "taq") {
      EXPECT_EQ(o.exit_code, 0) << o.output;
      EXPECT_TRUE(has(o.output, "ticks: taq")) << o.output;
    } else {
      EXPECT_EQ(o.exit_code, 2) << o.output;
      EXPECT_TRUE(has(o.output, "20120621_aapl_Trade_Tick.csv': a tick file in a minute_bars"))
          << o.output;
    }
  }
}

TEST_F(CheckConfigProcess, AFifoIsRefusedNotWaitedOn) {
  const std::string fifo = (dir_ / "closes.csv").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Outcome o = check(config(fifo));
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_TRUE(has(o.output, "not a regular file")) << o.output;
}

}  // namespace
}  // namespace ballast
