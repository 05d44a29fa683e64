// `ballast run` applies the configuration's logging section (issue 13, item 10): the program is
// run as a child process on a small paper desk (the shipped LOBSTER extract, no FIX session, no
// journal) and its log file and stderr are read back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "process_test_support.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kData = std::string(BALLAST_SOURCE_DIR) + "/data/";
namespace test = ballast::test;

struct Outcome {
  int exit_code = -1;
  std::string out, err, log;
  bool log_exists = false;
};

class LoggingProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("ballast_logging_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Writes the desk with `logging` as its logging section and runs `ballast run` on it.
  Outcome run(const std::string& logging) {
    const std::string lob = kData + "intraday/lobster_nasdaq_2012-06-21_0930-0935/";
    std::ofstream(dir_ / "desk.yaml") << "instruments:\n"
                                         "  - {symbol: AAPL}\n"
                                         "  - {symbol: AMZN}\n"
                                         "  - {symbol: GOOG}\n"
                                         "  - {symbol: SPY}\n"
                                         "models:\n"
                                         "  - {id: m, weights: {AAPL: 0.5, GOOG: 0.5}}\n"
                                         "accounts:\n"
                                         "  - {id: A1, model: m, cash: 100000}\n"
                                      << test::closes_source_yaml(test::kShippedCloses)
                                      << "    - name: day\n"
                                         "      kind: lobster\n"
                                         "      pace: fast\n"
                                         "      paths:\n"
                                         "        - "
                                      << lob
                                      << "AAPL_2012-06-21_34200000_34500000_message_1.csv\n"
                                         "        - "
                                      << lob
                                      << "GOOG_2012-06-21_34200000_34500000_message_1.csv\n"
                                         "journal: {enabled: false}\n"
                                      << logging;
    const std::string exe = BALLAST_EXE;
    const std::string cfg = (dir_ / "desk.yaml").string();
    const std::string out_path = (dir_ / "stdout").string(), err_path = (dir_ / "stderr").string();
    Outcome o;
    test::Child c =
        test::spawn({exe, "--log-level", "trace", "run", "--config", cfg}, out_path, err_path);
    if (c.pid < 0) {
      ADD_FAILURE() << "cannot start " << exe;
      return o;
    }
    o.exit_code = test::wait_exit(c, std::chrono::seconds(300));
    o.out = test::slurp(out_path);
    o.err = test::slurp(err_path);
    o.log_exists = fs::exists(dir_ / "log" / "ballast.log");
    if (o.log_exists) o.log = test::slurp(log_path());
    return o;
  }

  std::string log_path() const { return (dir_ / "log" / "ballast.log").string(); }

  fs::path dir_;
};

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST_F(LoggingProcess, TheFileGetsRecordsAtTheLevelAndTheConsoleStaysQuietWhenOff) {
  const Outcome o = run("logging: {level: info, file: " + log_path() + ", console: false}\n");
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;
  ASSERT_TRUE(o.log_exists) << "no log file at " << log_path() << "\n" << o.err;
  // The command's own records and the transcript of what it printed, at info ...
  EXPECT_TRUE(has(o.log, "Z info run: configuration ")) << o.log;
  EXPECT_TRUE(has(o.log, "Z info ballast run: ")) << o.log;
  EXPECT_TRUE(has(o.log, "Z info run: stopped cleanly")) << o.log;
  // ... and nothing below it, although --log-level trace was given for the start-up logger.
  EXPECT_FALSE(has(o.log, " debug ")) << o.log;
  EXPECT_FALSE(has(o.log, " trace ")) << o.log;
  // console: false: no log record on stderr; the command's output is still on stdout.
  EXPECT_FALSE(has(o.err, "Z info ")) << o.err;
  EXPECT_TRUE(has(o.out, "ballast run: stopped")) << o.out;
}

TEST_F(LoggingProcess, DebugLevelAddsTheConfigurationAndTheConsoleGetsRecordsWhenOn) {
  const Outcome o = run("logging: {level: debug, file: " + log_path() + ", console: true}\n");
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;
  EXPECT_TRUE(has(o.log, "Z debug run: config instruments: 4")) << o.log;
  EXPECT_TRUE(has(o.err, "info run: configuration ")) << o.err;
  EXPECT_TRUE(has(o.err, "debug run: config instruments: 4")) << o.err;
  // The transcript goes to the file only: the console already shows the lines themselves.
  EXPECT_FALSE(has(o.err, "info ballast run: ")) << o.err;
}

TEST_F(LoggingProcess, WarnLevelKeepsInfoOutOfTheFile) {
  const Outcome o = run("logging: {level: warn, file: " + log_path() + ", console: false}\n");
  ASSERT_EQ(o.exit_code, 0) << o.err << o.out;
  ASSERT_TRUE(o.log_exists);
  EXPECT_FALSE(has(o.log, " info ")) << o.log;
  EXPECT_FALSE(has(o.log, " debug ")) << o.log;
  EXPECT_FALSE(has(o.err, "Z info ")) << o.err;
}

TEST_F(LoggingProcess, AnUnwritableLogFileIsABadConfigurationNamingTheKey) {
  fs::create_directories(dir_ / "taken");
  // The log file's path is a directory: it cannot be opened for appending.
  const Outcome o =
      run("logging: {level: info, file: " + (dir_ / "taken").string() + ", console: false}\n");
  EXPECT_EQ(o.exit_code, 2) << o.err << o.out;
  EXPECT_TRUE(has(o.err, "logging.file: cannot open '" + (dir_ / "taken").string() + "'")) << o.err;
}

}  // namespace
