// Issue 13 items 7 and 8: random journal damage against the start-up guard (tools/ballast/
// start_guard.hpp) and `journal verify`. A three-run journal whose every order message is also
// in a FIX store (as QuickFIX keeps what it sent) is damaged at random: truncation at random
// points (zero bytes included), deleted, renamed and duplicated segments, flipped bytes, a lost
// directory, and pairs of these. Invariants, for every case:
//   - whatever a reader accepts is exactly a prefix of the original records (no record altered,
//     reordered or invented);
//   - `journal verify` says OK only when nothing was lost, or the loss is a cut tail of the last
//     segment (indistinguishable from a crash), and `journal verify --fix-store` never says OK
//     when a sent order was lost;
//   - start-up (inventory_journal + choose_run_epoch) either refuses, or recovers exactly: the
//     records it reads are an exact prefix of the original, every order the FIX store holds is
//     among them, the run epoch is above every epoch of a ClOrdID in the journal or the store
//     (so no ClOrdID is issued twice), and the journal writer then opens at exactly that epoch.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "ballast/execution/order_id.hpp"
#include "ballast/journal/journal_tool.hpp"
#include "ballast/kernel/start_guard.hpp"
#include "journal/journal_test_support.hpp"

namespace ballast {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

Timestamp wall_now() {
  return Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()};
}

std::string sending_time(Timestamp t) {
  const std::time_t s = static_cast<std::time_t>(t.ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d-%02d:%02d:%02d.000", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

/// The bytes of a record's payload as the reader decoded it (for exact comparison).
std::string record_key(const JournalRecord& r) {
  unsigned char buf[kMaxRecordSize];
  std::size_t n = 0;
  switch (r.kind) {
    case RecordKind::kInput:
    case RecordKind::kIntent:
      n = encode_record(r.seq, PendingRecord{r.kind, *r.event()}, buf);
      break;
    case RecordKind::kSessionStart:
      n = encode_record(r.seq, PendingRecord{r.kind, std::get<SessionStart>(r.body)}, buf);
      break;
    case RecordKind::kFixSeqCheckpoint:
      n = encode_record(r.seq, PendingRecord{r.kind, std::get<FixSeqCheckpoint>(r.body)}, buf);
      break;
    default:
      return "kind " + std::to_string(static_cast<int>(r.kind));
  }
  return std::string(reinterpret_cast<const char*>(buf), n);
}

struct ReadBack {
  std::vector<std::string> keys;
  bool ok = true;
};

ReadBack read_back(const std::string& dir) {
  ReadBack out;
  JournalReader r = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = true});
  JournalRecord rec;
  while (r.next(rec)) out.keys.push_back(record_key(rec));
  out.ok = r.ok();
  return out;
}

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& of) {
  if (a.size() > of.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != of[i]) return false;
  }
  return true;
}

/// The pristine material: a journal of three runs and the FIX store of what they sent.
struct Pristine {
  TempDir dir;
  std::string journal;
  std::string store_body;
  std::vector<std::string> keys;  // every record, in order
  std::set<std::uint64_t> sent;   // OrderIds of every order message sent
  std::uint32_t max_epoch = 0;    // highest run epoch of any id
};

void write_pristine(Pristine& p) {
  p.journal = p.dir.sub("journal");
  p.store_body = p.dir.sub("FIX.4.4-BALLAST-BROKER.body");
  std::ofstream body(p.store_body, std::ios::binary);
  const std::string today = sending_time(wall_now());
  std::uint64_t fix_seq = 1;
  std::mt19937_64 rng(7);
  for (int run = 0; run < 3; ++run) {
    auto o = test::manual_options(p.journal);
    o.segment_bytes = 2048;
    o.min_epoch = 1000 + static_cast<std::uint64_t>(run) * 10;
    auto w = JournalWriter::open(o);
    ASSERT_TRUE(w) << w.error().message;
    const auto run_epoch = static_cast<std::uint32_t>(w.value()->epoch());
    ClOrdIdGenerator ids(run_epoch * 2 + 1);
    std::uint64_t seq = 0;
    for (int k = 0; k < 60; ++k) {
      w.value()->append_input(test::quote(++seq));
      if (rng() % 3 != 0) continue;
      Event e;
      const OrderId id = ids.next();
      char type = 'D';
      if (!p.sent.empty() && rng() % 4 == 0) {
        CancelOrder c{};
        c.hdr.seq = ++seq;
        c.order = id;
        c.orig_order = OrderId{*p.sent.rbegin()};
        e = c;
        type = 'F';
      } else {
        SubmitOrder s{};
        s.hdr.seq = ++seq;
        s.order = id;
        s.qty = Qty::from_units(100);
        e = s;
      }
      w.value()->append_intent(e);
      p.sent.insert(id.value);
      p.max_epoch = std::max(p.max_epoch, run_epoch_of(id));
      std::ostringstream m;
      m << "8=FIX.4.4\x01"
        << "9=99\x01"
        << "35=" << type << "\x01"
        << "34=" << fix_seq++ << "\x01"
        << "49=BALLAST\x01"
        << "52=" << today << "\x01"
        << "11=" << to_cl_ord_id(id) << "\x01"
        << "10=000\x01";
      body << m.str();
    }
    w.value()->append_fix_checkpoint(FixSeqCheckpoint{0, fix_seq, 1, test::ts(1)});
    w.value()->stop();
  }
  p.keys = read_back(p.journal).keys;
}

std::uint32_t run_of_id(std::uint64_t v) {
  return run_epoch_of(OrderId{v});
}

enum class Damage { kTruncate, kDelete, kRename, kFlip, kDuplicate, kCutTail, kLoseDirectory };
constexpr const char* kDamageNames[] = {"truncate",  "delete",   "rename",        "flip",
                                        "duplicate", "cut tail", "lose directory"};

struct Applied {
  bool tail_only = true;  // every damage touched only the tail of the last segment
  std::string what;
};

void apply(Damage d, const std::string& dir, std::mt19937_64& rng, Applied& a) {
  if (!fs::exists(dir)) return;
  auto files = test::segment_files(dir);
  if (files.empty()) return;
  const std::size_t i = rng() % files.size();
  const bool last = i + 1 == files.size();
  const std::string f = files[i];
  const std::uint64_t size = fs::file_size(f);
  switch (d) {
    case Damage::kTruncate: {
      std::uint64_t at = 0;
      const auto pick = rng() % 4;
      if (pick == 0)
        at = 0;  // the disk lost it
      else if (pick == 1)
        at = std::min<std::uint64_t>(size, kSegmentHeaderSize);
      else
        at = size == 0 ? 0 : rng() % size;
      fs::resize_file(f, at);
      a.what += " truncate " + fs::path(f).filename().string() + " to " + std::to_string(at);
      if (!last || at < kSegmentHeaderSize) a.tail_only = false;
      break;
    }
    case Damage::kDelete:
      fs::remove(f);
      a.what += " delete " + fs::path(f).filename().string();
      if (!last) a.tail_only = false;
      break;
    case Damage::kRename: {
      const auto first = *parse_segment_file_name(fs::path(f).filename().string());
      std::uint64_t to = first + 1 + rng() % 50;
      if (rng() % 2 == 0 && first > 1) to = 1 + rng() % (first - 1);
      const std::string target = (fs::path(dir) / segment_file_name(to)).string();
      if (fs::exists(target)) return;
      fs::rename(f, target);
      a.what += " rename " + fs::path(f).filename().string() + " to " + segment_file_name(to);
      a.tail_only = false;
      break;
    }
    case Damage::kFlip: {
      if (size == 0) return;
      const std::uint64_t at = rng() % size;
      std::fstream s(f, std::ios::in | std::ios::out | std::ios::binary);
      s.seekg(static_cast<std::streamoff>(at));
      char c = 0;
      s.read(&c, 1);
      c = static_cast<char>(c ^ (1 << (rng() % 8)));
      s.seekp(static_cast<std::streamoff>(at));
      s.write(&c, 1);
      a.what += " flip " + fs::path(f).filename().string() + " byte " + std::to_string(at);
      if (!last || at < kSegmentHeaderSize) a.tail_only = false;
      break;
    }
    case Damage::kDuplicate: {
      const auto first = *parse_segment_file_name(fs::path(f).filename().string());
      const std::uint64_t to = first + 1 + rng() % 400;
      const std::string target = (fs::path(dir) / segment_file_name(to)).string();
      if (fs::exists(target)) return;
      fs::copy_file(f, target);
      a.what += " duplicate " + fs::path(f).filename().string() + " as " + segment_file_name(to);
      a.tail_only = false;
      break;
    }
    case Damage::kCutTail: {
      // A cut near the end of the last segment: a crash's torn write, or a lost tail.
      const std::string lastf = files.back();
      const std::uint64_t sz = fs::file_size(lastf);
      const std::uint64_t back = 1 + rng() % 600;
      const std::uint64_t at = sz > kSegmentHeaderSize + back ? sz - back : kSegmentHeaderSize;
      fs::resize_file(lastf, std::min(at, sz));
      a.what += " cut " + fs::path(lastf).filename().string() + " to " + std::to_string(at);
      break;
    }
    case Damage::kLoseDirectory:
      fs::remove_all(dir);
      a.what += " lose the directory";
      a.tail_only = false;
      break;
  }
}

TEST(JournalDamage, RandomDamageIsRefusedOrRecoveredExactlyAndNoClOrdIdRepeats) {
  Pristine p;
  write_pristine(p);
  ASSERT_FALSE(HasFailure());
  ASSERT_GE(test::segment_files(p.journal).size(), 8u);
  ASSERT_GT(p.sent.size(), 40u);
  auto store = kernel::scan_fix_store(p.store_body);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_EQ(store.value().orders.size(), p.sent.size());
  ASSERT_EQ(store.value().max_run_epoch, p.max_epoch);

  std::mt19937_64 rng(20261206);
  const int kCases = 1000;
  int refused = 0, recovered = 0, verify_ok_with_loss = 0, verify_store_caught = 0;
  std::map<std::string, int> by_kind;
  for (int c = 0; c < kCases; ++c) {
    TempDir work;
    const std::string dir = work.sub("journal");
    fs::copy(p.journal, dir);
    Applied a;
    const int n = rng() % 5 == 0 ? 2 : 1;
    std::string kinds;
    for (int k = 0; k < n; ++k) {
      const auto d = static_cast<Damage>(rng() % 100 < 3 ? 6 : rng() % 6);
      kinds += std::string(k > 0 ? "+" : "") + kDamageNames[static_cast<int>(d)];
      apply(d, dir, rng, a);
    }
    SCOPED_TRACE("case " + std::to_string(c) + ":" + a.what);
    const ReadBack rb = read_back(dir);
    EXPECT_TRUE(is_prefix(rb.keys, p.keys)) << "a reader returned a record that is not original";

    // journal verify.
    std::ostringstream vout, verr;
    const int vrc = fs::exists(dir) ? journal_verify(dir, vout, verr) : 1;
    if (vrc == 0) {
      EXPECT_TRUE(rb.ok);
      EXPECT_TRUE(is_prefix(rb.keys, p.keys));
      if (rb.keys.size() < p.keys.size()) {
        ++verify_ok_with_loss;
        EXPECT_TRUE(a.tail_only) << "verify said OK but lost records away from the tail:\n"
                                 << vout.str();
      }
      // With the FIX store (`journal verify --fix-store`): never OK when a sent order was lost.
      std::ostringstream sout, serr;
      const int src = kernel::verify_fix_stores(dir, {p.store_body}, sout, serr);
      auto inv2 = kernel::inventory_journal(dir);
      ASSERT_TRUE(inv2);
      bool all_sent = true;
      for (const std::uint64_t id : p.sent) all_sent = all_sent && inv2.value().order_ids.count(id);
      EXPECT_EQ(src == 0, all_sent) << sout.str() << serr.str();
      if (!all_sent) {
        EXPECT_NE(serr.str().find("DAMAGED (fix store ahead)"), std::string::npos) << serr.str();
      }
      verify_store_caught += !all_sent;
    }

    // Start-up.
    auto inv = kernel::inventory_journal(dir);
    kernel::RunEpochInputs in;
    if (inv) in.journal = &inv.value();
    in.journal_dir = dir;
    in.stores = {store.value()};
    in.wall_now = wall_now();
    Result<std::uint32_t> e =
        inv ? kernel::choose_run_epoch(in) : Result<std::uint32_t>(inv.error());
    if (!e) {
      ++refused;
      ++by_kind[kinds + ": refused"];
      continue;
    }
    ++recovered;
    ++by_kind[kinds + ": recovered"];
    // Recovered exactly: a prefix of the original, with every order the store holds.
    EXPECT_TRUE(rb.ok);
    EXPECT_TRUE(is_prefix(rb.keys, p.keys));
    for (const std::uint64_t id : p.sent) {
      EXPECT_EQ(inv.value().order_ids.count(id), 1u)
          << "started without knowing sent order " << to_cl_ord_id(OrderId{id});
    }
    EXPECT_GT(e.value(), p.max_epoch) << "the run epoch would re-issue ClOrdIDs";
    for (const std::uint64_t id : p.sent) EXPECT_NE(run_of_id(id), e.value());
    // The writer agrees and opens at that epoch, keeping every record it found.
    auto o = test::manual_options(dir);
    o.min_epoch = e.value();
    auto w = JournalWriter::open(o);
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w.value()->epoch(), e.value());
    EXPECT_EQ(w.value()->recovery().records, rb.keys.size());
    w.value()->stop();
    const ReadBack after = read_back(dir);
    EXPECT_TRUE(after.ok);
    EXPECT_TRUE(is_prefix(rb.keys, after.keys));
    EXPECT_EQ(after.keys.size(), rb.keys.size() + 1);
    if (HasFailure()) break;
  }
  // The generator must have produced both outcomes in quantity, or the test proves little.
  EXPECT_GT(refused, kCases / 3);
  EXPECT_GT(recovered, kCases / 20);
  std::ostringstream summary;
  summary << refused << " refused, " << recovered << " recovered, " << verify_ok_with_loss
          << " verify OK with a cut tail, " << verify_store_caught
          << " of them DAMAGED with --fix-store (a sent order lost);";
  for (const auto& [k, v] : by_kind) {
    if (k.find('+') == std::string::npos) summary << "\n  " << v << "x " << k;
  }
  std::cout << summary.str() << "\n";
}

// The start-up guard alone: the store's orders against an intact or emptied journal.
TEST(StartGuard, AStoreAheadOfTheJournalIsRefusedWithTheReasonAndTheRemedy) {
  Pristine p;
  write_pristine(p);
  ASSERT_FALSE(HasFailure());
  auto store = kernel::scan_fix_store(p.store_body);
  ASSERT_TRUE(store);
  kernel::RunEpochInputs in;
  in.journal_dir = p.journal;
  in.stores = {store.value()};
  in.wall_now = wall_now();
  auto inv = kernel::inventory_journal(p.journal);
  ASSERT_TRUE(inv);
  in.journal = &inv.value();
  auto e = kernel::choose_run_epoch(in);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_GT(e.value(), p.max_epoch);
  EXPECT_GE(e.value(), wall_clock_run_epoch(in.wall_now));
  // An empty journal directory (the disk lost it) with the store intact: refused.
  TempDir empty;
  auto inv0 = kernel::inventory_journal(empty.path());
  ASSERT_TRUE(inv0);
  EXPECT_FALSE(inv0.value().exists);
  in.journal = &inv0.value();
  in.journal_dir = empty.path();
  auto r = kernel::choose_run_epoch(in);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("refusing to trade"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("ahead of the journal"), std::string::npos);
  EXPECT_NE(r.error().message.find("Restore the journal"), std::string::npos);
  // Orders sent on an earlier day do not count (a new journal per day is allowed), but their
  // epochs still raise the floor.
  kernel::FixStoreScan old = store.value();
  for (auto& o : old.orders) o.sending_time = "20200101-10:00:00.000";
  in.stores = {old};
  auto ok = kernel::choose_run_epoch(in);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_GT(ok.value(), p.max_epoch);
  // A requested epoch below the floor is refused.
  in.requested = p.max_epoch;
  EXPECT_FALSE(kernel::choose_run_epoch(in));
}

TEST(StartGuard, FreshDirectoriesOnOneDayGetDistinctEpochsFromTheWallClock) {
  kernel::RunEpochInputs in;
  in.wall_now = Timestamp{(kRunEpochOriginUnixSeconds + 86'400 * 1000 + 5) * 1'000'000'000};
  auto a = kernel::choose_run_epoch(in);
  in.wall_now = Timestamp{in.wall_now.ns + 1'000'000'000};
  auto b = kernel::choose_run_epoch(in);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a.value(), 86'400u * 1000 + 5);
  EXPECT_EQ(b.value(), a.value() + 1);
}

}  // namespace
}  // namespace ballast
