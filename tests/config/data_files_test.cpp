// The files a configuration names: relative paths resolve against the configuration's directory,
// and load_file / check-config open and read each one, naming the key, the file and the line of a
// problem (issue 13, item 10).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/adapters/tape_file.hpp"
#include "ballast/config/config.hpp"

namespace ballast::config {
namespace {

namespace fs = std::filesystem;

/// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("ballast_cfg_files_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& rel, std::string_view text) const {
    const fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
    return p.string();
  }
  std::string path(const std::string& rel = "") const { return (path_ / rel).string(); }

 private:
  fs::path path_;
};

EnvLookup no_env() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

std::string all_messages(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d) + "\n";
  return s;
}

constexpr std::string_view kTapeHeader =
    "# ballast tape v1\n"
    "# date: 2012-06-21\n"
    "# utc_offset: -04:00\n";

/// A configuration with two instruments and one tape source reading `path` (as written).
std::string tape_config(const std::string& path) {
  return "instruments:\n"
         "  - {symbol: AAPL}\n"
         "  - {symbol: GOOG}\n"
         "market_data:\n"
         "  sources:\n"
         "    - name: day\n"
         "      kind: tape\n"
         "      path: " +
         path + "\n";
}

/// Line (1-based) of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, std::string_view needle) {
  const auto pos = text.find(needle);
  return pos == std::string::npos
             ? 0
             : 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

TEST(ConfigPaths, RelativeInputPathsResolveAgainstTheConfigurationsDirectory) {
  TempDir dir;
  dir.write("desk/data/day.tape.csv",
            std::string(kTapeHeader) + "34200000000000,AAPL,T,585.5,100\n");
  const std::string cfg = dir.write("desk/desk.yaml", tape_config("data/day.tape.csv"));
  const LoadResult r = load_file(cfg, no_env());
  ASSERT_TRUE(r.ok()) << all_messages(r);
  EXPECT_EQ(r.settings->market_data.sources[0].paths[0], dir.path("desk/data/day.tape.csv"));
  // Outputs stay relative to the working directory.
  EXPECT_EQ(r.settings->journal.dir, "var/journal");
  // The same text in memory: paths as written, no file opened.
  const LoadResult s = load_string(tape_config("data/day.tape.csv"), "mem.yaml", no_env());
  ASSERT_TRUE(s.ok()) << all_messages(s);
  EXPECT_EQ(s.settings->market_data.sources[0].paths[0], "data/day.tape.csv");
}

TEST(ConfigPaths, AbsolutePathsAndParentDirectoriesAreKeptExactly) {
  TempDir dir;
  const std::string tape =
      dir.write("day.tape.csv", std::string(kTapeHeader) + "34200000000000,GOOG,T,577,10\n");
  const std::string a = dir.write("a/abs.yaml", tape_config(tape));
  const LoadResult ra = load_file(a, no_env());
  ASSERT_TRUE(ra.ok()) << all_messages(ra);
  EXPECT_EQ(ra.settings->market_data.sources[0].paths[0], tape);
  const std::string b = dir.write("a/b/up.yaml", tape_config("../../day.tape.csv"));
  const LoadResult rb = load_file(b, no_env());
  ASSERT_TRUE(rb.ok()) << all_messages(rb);
  EXPECT_EQ(rb.settings->market_data.sources[0].paths[0], tape);
}

TEST(ConfigDataFiles, AMissingFileNamesTheKeyTheFileAndTheConfigLine) {
  TempDir dir;
  const std::string text = tape_config("nowhere/day.tape.csv");
  const std::string cfg = dir.write("desk.yaml", text);
  const LoadResult r = load_file(cfg, no_env());
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  const Diagnostic& d = r.diagnostics[0];
  EXPECT_EQ(d.file, cfg);
  EXPECT_EQ(d.line, line_of(text, "path:"));
  EXPECT_NE(d.message.find("market_data.sources[0].path: '" + dir.path("nowhere/day.tape.csv") +
                           "': the file does not exist"),
            std::string::npos)
      << d.message;
  // check-config: exit 2, the same line on stderr, nothing on stdout.
  std::ostringstream out, err;
  EXPECT_EQ(check_config_main(cfg, out, err, no_env()), 2);
  EXPECT_TRUE(out.str().empty());
  EXPECT_NE(err.str().find(format(d)), std::string::npos) << err.str();
}

TEST(ConfigDataFiles, EachOfSeveralPathsIsCheckedUnderItsOwnKey) {
  TempDir dir;
  dir.write("ok.tape.csv", std::string(kTapeHeader));
  const std::string text =
      "instruments: [{symbol: AAPL}]\n"
      "market_data:\n"
      "  sources:\n"
      "    - name: day\n"
      "      kind: tape\n"
      "      paths:\n"
      "        - ok.tape.csv\n"
      "        - gone.tape.csv\n";
  const LoadResult r = load_file(dir.write("desk.yaml", text), no_env());
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  EXPECT_EQ(r.diagnostics[0].line, 8);
  EXPECT_NE(r.diagnostics[0].message.find("market_data.sources[0].paths[1]: '"), std::string::npos)
      << r.diagnostics[0].message;
}

TEST(ConfigDataFiles, UnreadableEmptyAndDirectoryPathsAreReported) {
  TempDir dir;
  dir.write("empty.tape.csv", "");
  fs::create_directories(dir.path("adir"));
  for (const auto& [name, why] : std::vector<std::pair<std::string, std::string>>{
           {"empty.tape.csv", "the file is empty"}, {"adir", "this is a directory, not a file"}}) {
    const LoadResult r = load_file(dir.write("desk.yaml", tape_config(name)), no_env());
    ASSERT_EQ(r.diagnostics.size(), 1u) << name << "\n" << all_messages(r);
    EXPECT_NE(r.diagnostics[0].message.find("market_data.sources[0].path: '" + dir.path(name) +
                                            "': " + why),
              std::string::npos)
        << r.diagnostics[0].message;
  }
  // A FIFO (with no writer it would never open) is refused without opening it.
  ASSERT_EQ(::mkfifo(dir.path("pipe.tape.csv").c_str(), 0600), 0);
  {
    const LoadResult r = load_file(dir.write("desk.yaml", tape_config("pipe.tape.csv")), no_env());
    ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
    EXPECT_NE(r.diagnostics[0].message.find("not a regular file (a FIFO, socket or device)"),
              std::string::npos)
        << r.diagnostics[0].message;
  }
  // No read permission (root reads anything, so only checked as another user).
  const std::string locked = dir.write("locked.tape.csv", std::string(kTapeHeader));
  ::chmod(locked.c_str(), 0);
  if (::geteuid() != 0) {
    const LoadResult r =
        load_file(dir.write("desk.yaml", tape_config("locked.tape.csv")), no_env());
    ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
    EXPECT_NE(r.diagnostics[0].message.find("cannot open it: Permission denied"), std::string::npos)
        << r.diagnostics[0].message;
  }
}

TEST(ConfigDataFiles, ABadRowNamesTheKeyTheDataFileAndItsLine) {
  TempDir dir;
  dir.write("day.tape.csv", std::string(kTapeHeader) +
                                "34200000000000,AAPL,T,585.5,100\n"
                                "34200000000001,AAPL,T,five,100\n");
  const std::string text = tape_config("day.tape.csv");
  const LoadResult r = load_file(dir.write("desk.yaml", text), no_env());
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  EXPECT_EQ(r.diagnostics[0].line, line_of(text, "path:"));
  const std::string& m = r.diagnostics[0].message;
  EXPECT_NE(m.find("market_data.sources[0].path: '" + dir.path("day.tape.csv") + "': "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("day.tape.csv:5:"), std::string::npos) << m;  // the data file's line
  // A symbol the configuration does not know is a problem of the file too ...
  dir.write("other.tape.csv", std::string(kTapeHeader) + "34200000000000,MSFT,T,30,100\n");
  const LoadResult u = load_file(dir.write("desk.yaml", tape_config("other.tape.csv")), no_env());
  ASSERT_EQ(u.diagnostics.size(), 1u) << all_messages(u);
  EXPECT_NE(u.diagnostics[0].message.find("MSFT"), std::string::npos) << all_messages(u);
  // ... unless the source's symbols mapping renames it.
  const LoadResult m2 = load_file(
      dir.write("desk.yaml", tape_config("other.tape.csv") + "      symbols: {MSFT: AAPL}\n"),
      no_env());
  EXPECT_TRUE(m2.ok()) << all_messages(m2);
  // InputFiles::kOpen only opens; kIgnore does not look.
  EXPECT_TRUE(load_file(dir.path("desk.yaml"), no_env(), InputFiles::kOpen).ok());
  const std::string gone = dir.write("gone.yaml", tape_config("gone.tape.csv"));
  EXPECT_FALSE(load_file(gone, no_env(), InputFiles::kOpen).ok());
  EXPECT_TRUE(load_file(gone, no_env(), InputFiles::kIgnore).ok());
}

TEST(ConfigDataFiles, LobsterSourcesNeedTheirOrderbookFile) {
  TempDir dir;
  dir.write("AAPL_2012-06-21_34200000_57600000_message_1.csv", "34200.1,1,1,100,5853300,1\n");
  const std::string text =
      "instruments: [{symbol: AAPL}]\n"
      "market_data:\n"
      "  sources:\n"
      "    - name: lob\n"
      "      kind: lobster\n"
      "      path: AAPL_2012-06-21_34200000_57600000_message_1.csv\n";
  const LoadResult r = load_file(dir.write("desk.yaml", text), no_env());
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  EXPECT_NE(r.diagnostics[0].message.find("its orderbook file '"), std::string::npos)
      << all_messages(r);
  dir.write("AAPL_2012-06-21_34200000_57600000_orderbook_1.csv", "9999999999,0,5853300,100\n");
  EXPECT_TRUE(load_file(dir.path("desk.yaml"), no_env()).ok());
}

TEST(ConfigDataFiles, VolumeProfileDailyClosesAndTlsFilesAreChecked) {
  TempDir dir;
  dir.write("profile.csv",
            "symbol,bucket_start_ET,bucket_end_ET,mean_share_of_regular_session_volume\n"
            "SPY,09:30,10:00,0.5\n"
            "SPY,10:00,xx:30,0.5\n");
  dir.write("closes.csv", "date,SPY\n2020-01-02,300\n2020-01-03,oops\n");
  const std::string text =
      "instruments: [{symbol: SPY}]\n"
      "execution:\n"
      "  volume_profile: profile.csv\n"
      "market_data:\n"
      "  sources:\n"
      "    - {name: closes, kind: daily_closes, path: closes.csv}\n"
      "fix:\n"
      "  sessions:\n"
      "    - name: s1\n"
      "      host: h\n"
      "      port: 1\n"
      "      sender_comp_id: A\n"
      "      target_comp_id: B\n"
      "      tls: {ca_file: ca.pem}\n"
      "      data_dictionary: dict/FIX44.xml\n"
      "    - name: s2\n"
      "      enabled: false\n"
      "      host: h\n"
      "      port: 2\n"
      "      sender_comp_id: A\n"
      "      target_comp_id: C\n"
      "      tls: {ca_file: absent-too.pem}\n"
      "  routing: {default_session: s1}\n";
  const LoadResult r = load_file(dir.write("desk.yaml", text), no_env());
  const std::string all = all_messages(r);
  EXPECT_EQ(r.diagnostics.size(), 4u) << all;
  EXPECT_NE(all.find("execution.volume_profile: '" + dir.path("profile.csv") + "': "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("profile.csv:3"), std::string::npos) << all;
  EXPECT_NE(all.find("market_data.sources[0].path: '" + dir.path("closes.csv") + "': "),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("fix.sessions[0].tls.ca_file: '" + dir.path("ca.pem") +
                     "': the file does not exist"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("fix.sessions[0].data_dictionary: '" + dir.path("dict/FIX44.xml") + "'"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("absent-too.pem"), std::string::npos) << "a disabled session's files\n" << all;
}

// Property (randomised, fixed seed): whatever happens to a tape file (bytes changed, lines cut,
// the file truncated, removed or emptied), load_file never crashes, and it reports a problem
// exactly when the tape reader itself (the oracle: what `ballast run` would meet mid-session)
// fails to open or read the file through; every report names the key and the file.
TEST(ConfigDataFiles, RandomDamageToADataFileIsReportedExactlyWhenTheReaderFails) {
  TempDir dir;
  const std::string good = std::string(kTapeHeader) +
                           "34200000000000,AAPL,Q,585.1,100,585.2,200\n"
                           "34200000000001,AAPL,T,585.15,100\n"
                           "34200000000002,GOOG,Q,577,10,577.5,30\n"
                           "34200000000009,GOOG,T,577.25,10\n";
  const std::string cfg = dir.write("desk.yaml", tape_config("day.tape.csv"));
  const std::string tape = dir.path("day.tape.csv");
  InstrumentTable table;
  for (const char* s : {"AAPL", "GOOG"}) {
    Instrument i;
    i.symbol = s;
    ASSERT_TRUE(table.add(std::move(i)).ok());
  }
  std::mt19937_64 rng(20261306);
  const std::string alphabet = "0123456789,.-#QTAPLGOx \n\r";
  std::size_t reported = 0;
  for (int k = 0; k < 2000; ++k) {
    std::string text = good;
    const int kind = static_cast<int>(rng() % 5);
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      if (kind == 0) text[at] = alphabet[rng() % alphabet.size()];
      if (kind == 1) text.erase(at, 1 + rng() % 8);
      if (kind == 2) text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      if (kind == 3) text.resize(at);
    }
    if (kind == 4 && rng() % 2 == 0) {
      fs::remove(tape);
    } else {
      dir.write("day.tape.csv", kind == 4 ? std::string() : text);
    }
    bool reader_ok = false;
    if (fs::exists(tape) && fs::file_size(tape) > 0) {
      auto r = TapeFileReader::open(tape, table);
      if (r) {
        while (r.value().next()) {
        }
        reader_ok = r.value().status().ok();
      }
    }
    const LoadResult res = load_file(cfg, no_env());
    ASSERT_EQ(res.ok(), reader_ok) << "case " << k << ":\n" << text << "\n" << all_messages(res);
    if (!res.ok()) {
      ++reported;
      ASSERT_EQ(res.diagnostics.size(), 1u) << all_messages(res);
      ASSERT_NE(res.diagnostics[0].message.find("market_data.sources[0].path: '" + tape + "'"),
                std::string::npos)
          << all_messages(res);
    }
  }
  EXPECT_GT(reported, 500u);  // the damage really breaks files, often
}

}  // namespace
}  // namespace ballast::config
