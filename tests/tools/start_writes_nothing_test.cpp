// Issue 13 item 8: a start that fails (a recorded tape with a bad row, a missing file) or is
// refused (an epoch that would repeat ClOrdIDs) writes nothing: no journal segment, no
// session_start record, no manifest; and `check-config` reads recorded tapes to the end, naming
// the bad row as file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "ballast/config/config.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "journal/journal_test_support.hpp"
#include "process_test_support.hpp"
#include "run_command.hpp"

namespace ballast {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const std::string kData = std::string(BALLAST_SOURCE_DIR) + "/data";

/// The shipped tape's header and its first `rows` rows; `bad_at` > 0 replaces that row (1-based)
/// with one whose price is not a number. Returns the line number of the bad row (0: none).
int write_tape(const std::string& path, int rows, int bad_at = 0) {
  std::ifstream in(kData + "/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv");
  std::ofstream out(path);
  std::string line;
  int line_no = 0, row = 0, bad_line = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') {
      out << line << "\n";
      continue;
    }
    if (++row > rows) break;
    if (row == bad_at) {
      // Same time and symbol as the real row, a price that is not a number.
      std::istringstream ls(line);
      std::string t, sym;
      std::getline(ls, t, ',');
      std::getline(ls, sym, ',');
      out << t << "," << sym << ",T,12x.5,100\n";
      bad_line = line_no;
      continue;
    }
    out << line << "\n";
  }
  return bad_line;
}

std::string write_config(const TempDir& d, const std::string& tape) {
  const std::string path = d.sub("ballast.yaml");
  std::ofstream f(path);
  f << "instruments:\n"
       "  - {symbol: AAPL, asset_class: equity}\n"
       "  - {symbol: AMZN, asset_class: equity}\n"
       "  - {symbol: GOOG, asset_class: equity}\n"
       "models:\n"
       "  - id: m\n"
       "    weights: {AAPL: 0.4, AMZN: 0.3, GOOG: 0.3}\n"
       "accounts:\n"
       "  - {id: ACC-1, model: m, cash: 100000.00}\n"
    << test::closes_source_yaml(test::kShippedCloses)
    << "    - name: day\n"
       "      kind: tape\n"
       "      path: "
    << tape
    << "\n"
       "      pace: fast\n"
       "journal:\n"
       "  dir: "
    << d.sub("journal") << "\n";
  return path;
}

std::uint64_t session_starts(const std::string& dir) {
  std::uint64_t n = 0;
  for (const JournalRecord& r : test::read_all(dir)) n += r.kind == RecordKind::kSessionStart;
  return n;
}

std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    files[e.path().filename().string()] =
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return files;
}

TEST(StartWritesNothing, ATapeWithABadRowFailsTheStartBeforeAnyWriteNamingFileAndLine) {
  TempDir d;
  const std::string tape = d.sub("day.tape.csv");
  const int bad_line = write_tape(tape, 3000, 2900);  // near the end: found only late before
  ASSERT_GT(bad_line, 0);
  const std::string cfg = write_config(d, tape);
  std::ostringstream out, err;
  tools::RunOptions o;
  o.config = cfg;
  EXPECT_EQ(tools::run_main(o, out, err), 2) << out.str() << err.str();
  EXPECT_NE(
      err.str().find(fs::path(tape).filename().string() + ":" + std::to_string(bad_line) + ":"),
      std::string::npos)
      << err.str();
  // Nothing written: no journal directory content, no manifest.
  EXPECT_TRUE(snapshot(d.sub("journal")).empty()) << "the failed start wrote to the journal dir";
}

TEST(StartWritesNothing, AMissingTapeFailsTheStartBeforeAnyWrite) {
  TempDir d;
  const std::string cfg = write_config(d, d.sub("no-such.tape.csv"));
  std::ostringstream out, err;
  tools::RunOptions o;
  o.config = cfg;
  EXPECT_NE(tools::run_main(o, out, err), 0);
  EXPECT_NE(err.str().find("no-such.tape.csv"), std::string::npos) << err.str();
  EXPECT_TRUE(snapshot(d.sub("journal")).empty());
}

TEST(StartWritesNothing, ARefusedStartAppendsNothingAndConsumesNoEpoch) {
  TempDir d;
  const std::string tape = d.sub("day.tape.csv");
  write_tape(tape, 400);
  const std::string cfg = write_config(d, tape);
  tools::RunOptions o;
  o.config = cfg;
  {
    std::ostringstream out, err;
    ASSERT_EQ(tools::run_main(o, out, err), 0) << out.str() << err.str();
  }
  const auto before = snapshot(d.sub("journal"));
  ASSERT_EQ(session_starts(d.sub("journal")), 1u);
  ASSERT_TRUE(before.count("manifest.txt"));
  // An epoch that ClOrdIDs have already used (1): refused, and nothing appended.
  o.epoch = 1;
  std::ostringstream out, err;
  EXPECT_EQ(tools::run_main(o, out, err), 2) << out.str() << err.str();
  EXPECT_NE(err.str().find("would not be unique"), std::string::npos) << err.str();
  EXPECT_EQ(snapshot(d.sub("journal")), before) << "the refused start changed the journal";
  EXPECT_EQ(session_starts(d.sub("journal")), 1u);
}

// Adversarial pass 2 (M1): a FIX store whose seqnums file is corrupt refused every session only
// at start(), after the journal had its first segment, manifest and session_start. Now the start
// stops before any write, naming the session and the file.
TEST(StartWritesNothing, ACorruptFixStoreFailsTheStartBeforeAnyWriteNamingTheFile) {
  TempDir d;
  const std::string tape = d.sub("day.tape.csv");
  write_tape(tape, 400);
  std::string cfg = write_config(d, tape);
  {
    std::ofstream f(cfg, std::ios::app);
    f << "fix:\n  sessions:\n    - {name: tb, host: 127.0.0.1, port: 9, sender_comp_id: BALLAST,\n"
         "       target_comp_id: BROKER, store_dir: "
      << d.sub("store") << ", log_dir: " << d.sub("log") << "}\n";
  }
  fs::create_directories(d.sub("store"));
  const std::string seqnums = d.sub("store") + "/FIX.4.4-BALLAST-BROKER.seqnums";
  std::ofstream(seqnums) << "garbage : here\n";
  std::ostringstream out, err;
  tools::RunOptions o;
  o.config = cfg;
  EXPECT_NE(tools::run_main(o, out, err), 0) << out.str();
  EXPECT_NE(err.str().find("'tb': store file " + seqnums + " is corrupt"), std::string::npos)
      << err.str();
  EXPECT_TRUE(snapshot(d.sub("journal")).empty()) << "the failed start wrote to the journal dir";
}

TEST(CheckConfig, RecordedTapesAreReadToTheEndAndABadRowIsNamedByFileAndLine) {
  TempDir d;
  const std::string tape = d.sub("day.tape.csv");
  const int bad_line = write_tape(tape, 3000, 2999);
  const std::string cfg = write_config(d, tape);
  std::ostringstream out, err;
  EXPECT_EQ(config::check_config_main(cfg, out, err), 2) << out.str();
  EXPECT_NE(err.str().find("market_data.sources["), std::string::npos) << err.str();
  EXPECT_NE(
      err.str().find(fs::path(tape).filename().string() + ":" + std::to_string(bad_line) + ":"),
      std::string::npos)
      << err.str();
  // The same file without the bad row passes.
  write_tape(tape, 3000);
  std::ostringstream out2, err2;
  EXPECT_EQ(config::check_config_main(cfg, out2, err2), 0) << err2.str();
}

}  // namespace
}  // namespace ballast
