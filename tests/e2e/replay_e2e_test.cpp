// Journal replay of the demo scenario (issue 7): the demo journals every input and every order
// message; replaying the journal through a freshly built engine must regenerate every order
// message exactly (--verify), twice with the same output hash; an engine built differently must
// be caught at the first divergence, and recovery must refuse to trade on it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <set>

#include "ballast/execution/order_id.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "demo_command.hpp"
#include "manifest.hpp"
#include "replay_command.hpp"

namespace ballast::tools {
namespace {

namespace fs = std::filesystem;

DemoOptions small_demo(const std::string& name) {
  DemoOptions o;
  o.accounts_per_model = 20;
  o.speed = 300;
  o.end_seconds = 10 * 3600;  // 09:30-10:00 ET
  o.dir = std::string(BALLAST_BINARY_DIR) + "/e2e/" + name;
  o.progress = false;
  return o;
}

/// Runs the small demo once per test binary run and returns its options.
const DemoOptions& recorded() {
  static const DemoOptions o = [] {
    // One recording per test process (ctest runs the tests of this file in parallel processes).
    DemoOptions d = small_demo(std::string("replay-") +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ostringstream out, err;
    const DemoResult r = run_demo(d, out, err);
    EXPECT_EQ(r.exit_code, 0) << out.str() << err.str();
    return d;
  }();
  return o;
}

std::string journal_dir(const DemoOptions& o) {
  return o.dir + "/journal";
}

TEST(JournalReplay, TheDemoJournalReplaysWithoutDivergenceAndTheSameHashTwice) {
  const DemoOptions& o = recorded();
  auto m = read_manifest(journal_dir(o));
  ASSERT_TRUE(m) << m.error().message;
  auto opts = demo_options_from(m.value());
  ASSERT_TRUE(opts) << opts.error().message;
  std::uint64_t hashes[2] = {0, 0};
  for (std::uint64_t& h : hashes) {
    auto eng = demo_engine(opts.value(), true);
    ASSERT_TRUE(eng) << eng.error().message;
    auto rep = eng.value()->replay_journal(journal_dir(o), true);
    ASSERT_TRUE(rep) << rep.error().message;
    EXPECT_EQ(rep.value().divergence, "");
    EXPECT_EQ(rep.value().runs, 1u);
    EXPECT_GT(rep.value().intents_journaled, 100u);
    EXPECT_EQ(rep.value().intents_matched, rep.value().intents_journaled);
    EXPECT_EQ(rep.value().intents_regenerated, rep.value().intents_journaled);
    EXPECT_EQ(rep.value().unjournaled_at_crash, 0u);
    h = rep.value().output_hash;
  }
  EXPECT_EQ(hashes[0], hashes[1]);
  EXPECT_NE(hashes[0], 0u);
}

TEST(JournalReplay, TheCommandPrintsTheHashAndNoDivergence) {
  const DemoOptions& o = recorded();
  std::ostringstream out1, out2, err;
  ASSERT_EQ(replay_main({journal_dir(o), true}, out1, err), 0) << out1.str() << err.str();
  ASSERT_EQ(replay_main({journal_dir(o), true}, out2, err), 0) << out2.str() << err.str();
  EXPECT_NE(out1.str().find("verify: no divergence"), std::string::npos) << out1.str();
  const auto hash_line = [](const std::string& s) {
    const auto p = s.find("output hash ");
    return p == std::string::npos ? std::string() : s.substr(p, 28);
  };
  EXPECT_FALSE(hash_line(out1.str()).empty());
  EXPECT_EQ(hash_line(out1.str()), hash_line(out2.str()));
}

TEST(FixLogReplay, TheRecordedFixLogsReproduceTheRecordedOrders) {
  // Both the simulator's message log and the engine's own QuickFIX FileLog, fed back as if live
  // into the same desk: the engine makes (nearly) the same orders under the same ClOrdIDs. A FIX
  // log does not record when the core took each message relative to its timers, so a timer can
  // land on the other side of a message: exact reproduction is the journal's job (above).
  const DemoOptions& o = recorded();
  for (const std::string& log :
       {o.dir + "/broker-sim/messages.log",
        o.dir + "/fix/log/FIX.4.4-BALLAST-BROKERSIM.messages.current.log"}) {
    ReplayOptions ro;
    ro.journal = journal_dir(o);
    ro.fix_log = log;
    std::ostringstream out, err;
    EXPECT_EQ(replay_main(ro, out, err), 0) << log << "\n" << out.str() << err.str();
    const std::string text = out.str();
    const auto p = text.find("new orders: ");
    ASSERT_NE(p, std::string::npos) << text;
    unsigned long ours = 0, logged = 0, same = 0;
    std::string line = text.substr(p + 12);
    line.erase(std::remove(line.begin(), line.end(), ','), line.end());
    ASSERT_EQ(std::sscanf(line.c_str(), "%lu by the engine %lu in the log %lu with the same", &ours,
                          &logged, &same),
              3)
        << text;
    EXPECT_GT(logged, 100u) << text;
    // Release builds match 98-100%; a loaded ASan build recorded 489 of 514 (95%): the slower the
    // recorded run, the more its timers interleave differently with the messages.
    EXPECT_GE(same * 100, logged * 90) << text;
    EXPECT_GE(same * 100, ours * 90) << text;
  }
}

TEST(FixLogReplay, ALogWithUnreadableMessagesNamesTheLineAndGoesOn) {
  const DemoOptions& o = recorded();
  ReplayOptions ro;
  ro.journal = journal_dir(o);
  ro.fix_log = std::string(BALLAST_SOURCE_DIR) + "/tests/data/fix_logs/ballast/corrupt_middle.log";
  std::ostringstream out, err;
  EXPECT_EQ(replay_main(ro, out, err), 1) << out.str() << err.str();
  EXPECT_NE(err.str().find("corrupt_middle.log:"), std::string::npos) << err.str();
  EXPECT_NE(out.str().find("engine inputs"), std::string::npos) << out.str();
}

TEST(JournalReplay, AnEngineBuiltDifferentlyIsCaughtAtTheFirstDivergence) {
  DemoOptions other = recorded();
  other.seed = 4242;  // other starting weights: other decisions
  auto eng = demo_engine(other, true);
  ASSERT_TRUE(eng) << eng.error().message;
  auto rep = eng.value()->replay_journal(journal_dir(recorded()), true);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_NE(rep.value().divergence.find("seq "), std::string::npos) << rep.value().divergence;
  std::cout << "divergence reported: " << rep.value().divergence << "\n";
  EXPECT_LT(rep.value().intents_matched, rep.value().intents_journaled + 1);
}

TEST(JournalReplay, RecoveryRefusesToTradeWhenTheJournalDoesNotReplay) {
  // A copy of the recorded journal, reopened by an engine built with other starting weights:
  // re-running the journal cannot reproduce what it recorded, so the engine must not start.
  DemoOptions other = small_demo("replay-refuse");
  fs::remove_all(other.dir);
  fs::create_directories(other.dir);
  fs::copy(journal_dir(recorded()), journal_dir(other), fs::copy_options::recursive);
  other.seed = 4242;
  auto eng = demo_engine(other, false);
  ASSERT_FALSE(eng);
  EXPECT_NE(eng.error().message.find("refusing to trade"), std::string::npos)
      << eng.error().message;
  // The same journal with the recorded options recovers.
  DemoOptions same = recorded();
  same.dir = other.dir;
  auto ok = demo_engine(same, false);
  ASSERT_TRUE(ok) << ok.error().message;
  // Issue 13 item 8: the refused start wrote nothing (no session_start, no epoch consumed), so
  // the journal still holds the one recorded run.
  EXPECT_EQ(ok.value()->recovery().runs, 1u) << "the refused start appended to the journal";
  EXPECT_EQ(ok.value()->recovery().divergence, "");
}

TEST(RunManifest, ARestartWithOtherOptionsIsRefusedNamingTheKey) {
  const std::string dir = std::string(BALLAST_BINARY_DIR) + "/e2e/manifest-check";
  fs::remove_all(dir);
  DemoOptions o = small_demo("unused");
  ASSERT_TRUE(check_or_write_manifest(dir, demo_manifest(o)));
  ASSERT_TRUE(check_or_write_manifest(dir, demo_manifest(o))) << "the same options are accepted";
  o.seed = 7;
  const auto st = check_or_write_manifest(dir, demo_manifest(o));
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("seed=42"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("seed=7"), std::string::npos) << st.error().message;
}

/// Real files, until `limit` bytes have been written: then every write fails with ENOSPC (what a
/// full disk returns), as the kernel would report it.
class FullDiskIo final : public PosixJournalIo {
 public:
  explicit FullDiskIo(std::int64_t limit) : limit_(limit) {}
  std::int64_t write(int fd, const void* data, std::size_t n) override {
    if (written_.load() + static_cast<std::int64_t>(n) > limit_) return -ENOSPC;
    const std::int64_t r = PosixJournalIo::write(fd, data, n);
    if (r > 0) written_.fetch_add(r);
    return r;
  }

 private:
  std::int64_t limit_;
  std::atomic<std::int64_t> written_{0};
};

TEST(JournalFailure, AFullDiskStopsNewOrdersSaysWhyAndNoUnjournaledOrderReachesTheBroker) {
  DemoOptions o = small_demo("disk-full");
  o.end_seconds = 10 * 3600 + 15 * 60;  // 09:30-10:15
  FullDiskIo io(600 * 1024);            // the disk fills up in the middle of the first rebalances
  o.journal_io = &io;
  std::ostringstream out, err;
  const DemoResult r = run_demo(o, out, err);
  const std::string log = out.str() + err.str();
  EXPECT_EQ(r.exit_code, 0) << log;
  EXPECT_NE(log.find("JOURNAL FAILED"), std::string::npos) << log;
  EXPECT_NE(log.find("No space left on device"), std::string::npos) << log;
  EXPECT_NE(log.find("new orders stopped"), std::string::npos) << log;
  // Positions still equal what broker-sim filled (the engine kept booking fills).
  EXPECT_EQ(r.position_mismatches, 0u) << log;
  // Every order broker-sim received is a durable SubmitOrder/ReplaceOrder in the journal.
  std::set<std::string> journaled;
  JournalReader rd =
      JournalReader::open(o.dir + "/journal", ReaderOptions{.allow_torn_tail = true});
  ASSERT_TRUE(rd.ok()) << rd.problem()->message();
  JournalRecord rec;
  while (rd.next(rec)) {
    if (rec.kind != RecordKind::kIntent) continue;
    if (const auto* s = std::get_if<SubmitOrder>(rec.event()))
      journaled.insert(to_cl_ord_id(s->order));
    if (const auto* s = std::get_if<ReplaceOrder>(rec.event()))
      journaled.insert(to_cl_ord_id(s->order));
  }
  ASSERT_TRUE(rd.ok()) << rd.problem()->message();
  ASSERT_FALSE(journaled.empty());
  std::ifstream in(r.message_log);
  std::string line;
  std::size_t orders = 0, missing = 0;
  while (std::getline(in, line)) {
    if (line.find(" IN ") == std::string::npos) continue;
    if (line.find("|35=D|") == std::string::npos && line.find("|35=G|") == std::string::npos)
      continue;
    const auto p = line.find("|11=");
    ASSERT_NE(p, std::string::npos) << line;
    const std::string id = line.substr(p + 4, line.find('|', p + 4) - p - 4);
    ++orders;
    if (journaled.count(id) == 0) ++missing;
  }
  EXPECT_GT(orders, 0u);
  EXPECT_EQ(missing, 0u) << "orders sent to the broker that the journal does not hold";
}

}  // namespace
}  // namespace ballast::tools
