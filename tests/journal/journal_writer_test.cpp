// JournalWriter: round trip through files, rollover, fsync policies, failure state, durability,
// the writer thread under load, a real full filesystem.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/journal/journal_tap.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "journal_test_support.hpp"
#include "support/test_scale.hpp"

// Last: <sys/mount.h> defines a BLOCK_SIZE macro that breaks moodycamel's headers.
#include <sys/mount.h>

namespace ballast {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

std::unique_ptr<JournalWriter> open_ok(const JournalWriterOptions& o,
                                       JournalIo& io = posix_journal_io()) {
  auto w = JournalWriter::open(o, io);
  EXPECT_TRUE(w) << (w ? "" : w.error().message);
  return w ? std::move(w).value() : nullptr;
}

TEST(JournalWriter, EveryEventAlternativeRoundTripsThroughTheFiles) {
  TempDir d;
  auto w = open_ok(test::manual_options(d.path()));
  ASSERT_TRUE(w);
  const auto events = test::sample_events();
  for (const Event& e : events) w->append_input(e);
  for (Event e : events) {
    header(e).seq += 100;  // event seqs increase within a session
    w->append_intent(e);
  }
  w->append_fix_checkpoint(FixSeqCheckpoint{1, 10, 20, test::ts(5)});
  w->append_note("operator: hello");
  w->stop();

  const auto recs = test::read_all(d.path(), false);
  ASSERT_EQ(recs.size(), 1 + 2 * events.size() + 2);
  EXPECT_EQ(recs[0].kind, RecordKind::kSessionStart);
  EXPECT_EQ(std::get<SessionStart>(recs[0].body).epoch, 1u);
  for (std::size_t i = 0; i < recs.size(); ++i) EXPECT_EQ(recs[i].seq, i + 1);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(recs[1 + i].kind, RecordKind::kInput);
    EXPECT_TRUE(test::same_event(*recs[1 + i].event(), events[i])) << event_name(events[i]);
    EXPECT_EQ(recs[1 + events.size() + i].kind, RecordKind::kIntent);
    EXPECT_EQ(header(*recs[1 + events.size() + i].event()).seq, header(events[i]).seq + 100);
  }
  EXPECT_EQ(std::get<FixSeqCheckpoint>(recs[recs.size() - 2].body).next_target, 20u);
  EXPECT_EQ(std::get<JournalNote>(recs.back().body).text.view(), "operator: hello");
}

TEST(JournalWriter, RollsOverIntoContiguousSegmentsAtTheConfiguredSize) {
  TempDir d;
  auto o = test::manual_options(d.path());
  o.segment_bytes = 4096;
  auto w = open_ok(o);
  ASSERT_TRUE(w);
  for (std::uint64_t s = 1; s <= 600; ++s) {
    w->append_input(test::quote(s));
    if (s % 50 == 0) w->do_work();
  }
  w->stop();
  const auto files = test::segment_files(d.path());
  ASSERT_GE(files.size(), 10u);
  JournalReader r = JournalReader::open(d.path());
  ASSERT_TRUE(r.ok()) << r.problem()->message();
  ASSERT_EQ(r.segments().size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(r.segments()[i].header.segment_index, i);
    EXPECT_LE(std::filesystem::file_size(files[i]), 4096u);
    EXPECT_EQ(files[i], d.sub(segment_file_name(r.segments()[i].header.first_seq)));
  }
  JournalRecord rec;
  std::uint64_t n = 0, events = 0;
  std::uint32_t last_segment = 0;
  while (r.next(rec)) {
    ++n;
    EXPECT_EQ(rec.seq, n);
    EXPECT_GE(rec.segment, last_segment);
    last_segment = rec.segment;
    if (const Event* e = rec.event()) {
      ++events;
      ASSERT_TRUE(test::same_event(*e, test::quote(events)));
    }
  }
  ASSERT_TRUE(r.ok()) << r.problem()->message();
  EXPECT_EQ(events, 600u);
  EXPECT_EQ(last_segment + 1, files.size());
}

TEST(JournalWriter, ReopeningAppendsANewSessionWithTheNextEpochAndRecordSeq) {
  TempDir d;
  auto o = test::manual_options(d.path());
  o.segment_bytes = 4096;
  {
    auto w = open_ok(o);
    for (std::uint64_t s = 1; s <= 100; ++s) w->append_input(test::quote(s));
    w->append_fix_checkpoint(FixSeqCheckpoint{0, 5, 6, test::ts(1)});
    w->append_fix_checkpoint(FixSeqCheckpoint{1, 15, 16, test::ts(2)});
    w->append_fix_checkpoint(FixSeqCheckpoint{0, 7, 8, test::ts(3)});
    w->stop();
  }
  auto w = open_ok(o);
  ASSERT_TRUE(w);
  const JournalRecovery& rec = w->recovery();
  EXPECT_FALSE(rec.created);
  EXPECT_EQ(rec.previous_epoch, 1u);
  EXPECT_EQ(rec.epoch, 2u);
  EXPECT_EQ(rec.records, 104u);
  EXPECT_EQ(rec.last_seq, 104u);
  EXPECT_EQ(rec.last_event_seq, 100u);
  EXPECT_FALSE(rec.torn_tail);
  ASSERT_EQ(rec.fix_checkpoints.size(), 2u);
  EXPECT_EQ(rec.fix_checkpoints[0].next_sender, 7u);
  EXPECT_EQ(rec.fix_checkpoints[1].next_sender, 15u);
  for (std::uint64_t s = 1; s <= 10; ++s) w->append_input(test::quote(s));  // seqs restart
  w->stop();
  const auto recs = test::read_all(d.path(), false);
  ASSERT_EQ(recs.size(), 104u + 1 + 10);
  EXPECT_EQ(recs[104].kind, RecordKind::kSessionStart);
  EXPECT_EQ(std::get<SessionStart>(recs[104].body).epoch, 2u);
  EXPECT_EQ(recs.back().seq, 115u);
}

TEST(JournalWriter, PerEventPolicySyncsEveryRecord) {
  TempDir d;
  test::FaultyIo io;
  auto o = test::manual_options(d.path());
  o.fsync = FsyncPolicy::kPerEvent;
  auto w = open_ok(o, io);
  ASSERT_TRUE(w);
  io.reset_counts();
  for (std::uint64_t s = 1; s <= 10; ++s) w->append_input(test::quote(s));
  EXPECT_EQ(w->durable_seq(), 0u);
  EXPECT_EQ(w->do_work(), 10);
  EXPECT_EQ(io.syncs.load(), 10);
  EXPECT_EQ(io.writes.load(), 10);
  EXPECT_EQ(w->durable_seq(), 10u);
  w->stop();
  EXPECT_EQ(io.syncs.load(), 10);  // nothing left unsynced at stop
}

TEST(JournalWriter, GroupPolicySyncsOncePerIntervalNotPerRecord) {
  TempDir d;
  test::FaultyIo io;
  auto o = test::manual_options(d.path());
  o.fsync = FsyncPolicy::kGroup;
  o.group_commit = std::chrono::hours(1);
  auto w = open_ok(o, io);
  ASSERT_TRUE(w);
  io.reset_counts();
  for (std::uint64_t s = 1; s <= 10; ++s) w->append_input(test::quote(s));
  EXPECT_EQ(w->do_work(), 10);
  EXPECT_EQ(io.writes.load(), 1);  // one batch, one write()
  EXPECT_EQ(io.syncs.load(), 0);   // the interval has not passed
  EXPECT_EQ(w->written_seq(), 10u);
  EXPECT_EQ(w->durable_seq(), 0u);
  w->flush();
  EXPECT_EQ(io.syncs.load(), 1);
  EXPECT_EQ(w->durable_seq(), 10u);
  w->stop();
}

TEST(JournalWriter, GroupPolicyWithZeroIntervalSyncsEachBatch) {
  TempDir d;
  test::FaultyIo io;
  auto o = test::manual_options(d.path());
  o.group_commit = 0us;
  auto w = open_ok(o, io);
  io.reset_counts();
  for (int batch = 1; batch <= 3; ++batch) {
    for (int i = 0; i < 5; ++i)
      w->append_input(test::quote(static_cast<std::uint64_t>(batch * 5 + i)));
    w->do_work();
    EXPECT_EQ(io.syncs.load(), batch);
    EXPECT_EQ(w->durable_seq(), static_cast<std::uint64_t>(batch * 5 + 4));
  }
  w->stop();
}

TEST(JournalWriter, NonePolicyNeverSyncsUntilACleanStop) {
  TempDir d;
  test::FaultyIo io;
  auto o = test::manual_options(d.path());
  o.fsync = FsyncPolicy::kNone;
  o.segment_bytes = 4096;  // rollovers do not sync data under kNone either
  auto w = open_ok(o, io);
  io.reset_counts();
  for (std::uint64_t s = 1; s <= 200; ++s) w->append_input(test::quote(s));
  while (w->do_work() > 0) {
  }
  EXPECT_EQ(w->written_seq(), 200u);
  EXPECT_EQ(w->durable_seq(), 0u);
  const int segment_syncs =
      static_cast<int>(w->stats().segments_created.value()) - 1;  // new headers
  EXPECT_GT(segment_syncs, 0);
  EXPECT_EQ(io.syncs.load(), segment_syncs);
  EXPECT_EQ(w->wait_durable(1, 5ms), DurableWait::kTimedOut);
  w->stop();
  EXPECT_EQ(io.syncs.load(), segment_syncs + 1);
  EXPECT_EQ(w->durable_seq(), 200u);
}

TEST(JournalWriter, GroupCommitThreadMakesRecordsDurableWithinTheInterval) {
  TempDir d;
  test::FaultyIo io;
  JournalWriterOptions o;
  o.dir = d.path();
  o.fsync = FsyncPolicy::kGroup;
  o.group_commit = 2ms;
  auto w = open_ok(o, io);
  ASSERT_TRUE(w);
  io.reset_counts();
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t seq = 0;
  while (std::chrono::steady_clock::now() - start < 60ms) {
    for (int i = 0; i < 20; ++i) w->append_input(test::quote(++seq));
    std::this_thread::sleep_for(100us);
  }
  EXPECT_EQ(w->wait_durable(seq, 5s), DurableWait::kDurable);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const auto max_syncs = elapsed / 2ms + 2;
  EXPECT_GE(io.syncs.load(), 1);
  EXPECT_LE(io.syncs.load(), max_syncs) << seq << " records";
  EXPECT_LT(static_cast<std::uint64_t>(io.syncs.load()), seq / 4);  // grouped
  w->stop();
}

TEST(JournalWriter, InjectedWriteErrorFailsTheWriterAndDurableSeqStopsAtTheLastPersistedRecord) {
  for (const FsyncPolicy policy : {FsyncPolicy::kPerEvent, FsyncPolicy::kGroup}) {
    TempDir d;
    test::FaultyIo io;
    JournalWriterOptions o;
    o.dir = d.path();
    o.fsync = policy;
    o.group_commit = 0us;
    o.batch = 10;  // at most 10 records per write(): many writes under either policy
    auto w = open_ok(o, io);
    ASSERT_TRUE(w);
    io.reset_counts();
    io.fail_write_at = 50;  // half of write 50 lands, then ENOSPC
    for (std::uint64_t s = 1; s <= 5000; ++s) w->append_input(test::quote(s));
    ASSERT_TRUE(test::eventually([&] { return w->failed(); }));
    const std::string err = w->error();
    EXPECT_NE(err.find("No space left on device (ENOSPC)"), std::string::npos) << err;
    EXPECT_NE(err.find(d.path()), std::string::npos) << err;
    EXPECT_EQ(w->wait_durable(5000, 1s), DurableWait::kFailed);
    const std::uint64_t durable = w->durable_seq();
    std::this_thread::sleep_for(2ms);
    EXPECT_EQ(w->durable_seq(), durable);  // stopped advancing
    w->stop();
    EXPECT_GT(w->stats().dropped.value(), 0u);
    EXPECT_EQ(w->durable_seq(), durable);  // stop() does not sync a failed writer

    // What is on disk: every durable record, then a torn tail.
    JournalReader r = JournalReader::open(d.path(), ReaderOptions{.allow_torn_tail = true});
    JournalRecord rec;
    std::uint64_t last_event = 0;
    while (r.next(rec)) {
      if (const Event* e = rec.event()) last_event = header(*e).seq;
    }
    ASSERT_TRUE(r.ok()) << r.problem()->message();
    EXPECT_TRUE(r.torn_tail().has_value());
    EXPECT_GE(last_event, durable) << "durable_seq passed the last persisted record";
    if (policy == FsyncPolicy::kPerEvent) {
      EXPECT_EQ(durable, 49u);  // writes 1..49, one record each
    }
    EXPECT_LT(durable, 5000u);

    // Restart: the torn tail is cut; the journal continues after the last good record.
    auto w2 = open_ok(o);
    ASSERT_TRUE(w2);
    ASSERT_TRUE(w2->recovery().torn_tail.has_value());
    EXPECT_EQ(w2->recovery().last_event_seq, last_event);
    w2->stop();
    test::read_all(d.path(), false);
  }
}

TEST(JournalWriter, FsyncErrorFailsTheWriterWithoutRetrying) {
  TempDir d;
  test::FaultyIo io;
  auto o = test::manual_options(d.path());
  o.fsync = FsyncPolicy::kPerEvent;
  auto w = open_ok(o, io);
  io.reset_counts();
  io.fail_sync_at = 4;
  for (std::uint64_t s = 1; s <= 10; ++s) w->append_input(test::quote(s));
  w->do_work();
  ASSERT_TRUE(w->failed());
  EXPECT_NE(w->error().find("fsync failed"), std::string::npos) << w->error();
  EXPECT_NE(w->error().find("EIO"), std::string::npos) << w->error();
  EXPECT_EQ(w->durable_seq(), 3u);
  EXPECT_EQ(io.syncs.load(), 4);
  w->do_work();
  w->stop();
  EXPECT_EQ(io.syncs.load(), 4);
  EXPECT_EQ(w->stats().dropped.value(), 6u);
}

TEST(JournalWriter, OpenFailsCleanlyWhenTheFirstSegmentCannotBeWritten) {
  TempDir d;
  test::FaultyIo io;
  io.fail_write_at = 1;
  io.partial = false;
  auto w = JournalWriter::open(test::manual_options(d.path()), io);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("ENOSPC"), std::string::npos) << w.error().message;
}

TEST(JournalWriter, WriterThreadUnderLoadPersists100kEventsInOrder) {
  TempDir d;
  JournalWriterOptions o;
  o.dir = d.path();
  o.queue_capacity = 4096;  // small: the producer meets backpressure
  o.segment_bytes = 2u << 20;
  auto w = open_ok(o);
  ASSERT_TRUE(w);
  const auto samples = test::sample_events();
  constexpr std::uint64_t kN = 100'000;
  auto make = [&](std::uint64_t s) {
    Event e = samples[s % samples.size()];
    header(e).seq = s;
    header(e).receive_time = test::ts(static_cast<std::int64_t>(s));
    return e;
  };
  for (std::uint64_t s = 1; s <= kN; ++s) {
    if (s % 3 == 0) {
      w->append_intent(make(s));
    } else {
      w->append_input(make(s));
    }
  }
  EXPECT_EQ(w->wait_durable(kN, 10s), DurableWait::kDurable);
  w->stop();
  EXPECT_FALSE(w->failed());
  const auto recs = test::read_all(d.path(), false);
  ASSERT_EQ(recs.size(), kN + 1);
  for (std::uint64_t s = 1; s <= kN; ++s) {
    const JournalRecord& r = recs[s];
    ASSERT_EQ(r.kind, s % 3 == 0 ? RecordKind::kIntent : RecordKind::kInput);
    ASSERT_TRUE(test::same_event(*r.event(), make(s))) << s;
  }
  EXPECT_GT(test::segment_files(d.path()).size(), 1u);
}

/// Threads of this process named `name` (/proc/self/task/*/comm).
int threads_named(const std::string& name) {
  int n = 0;
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream f(t.path() / "comm");
    std::string comm;
    std::getline(f, comm);
    n += comm == name;
  }
  return n;
}

TEST(JournalWriter, TheWriterThreadIsAnAgentNamedBallastJournal) {
  TempDir d;
  JournalWriterOptions o;
  o.dir = d.path();
  const int before = threads_named("ballast-journal");
  auto w = open_ok(o);
  ASSERT_TRUE(w);
  EXPECT_EQ(threads_named("ballast-journal"), before + 1);
  w->append_input(test::quote(1));
  EXPECT_EQ(w->wait_durable(1, 5s), DurableWait::kDurable);  // fsync group: the agent syncs
  w->stop();
  EXPECT_EQ(threads_named("ballast-journal"), before);  // stop() joined it
  JournalWriterOptions off = o;
  off.threaded = false;  // the owner drives it: no agent, no thread
  auto u = open_ok(off);
  ASSERT_TRUE(u);
  EXPECT_EQ(threads_named("ballast-journal"), before);
  u->stop();
}

// The writer thread under random schedules: random fsync policy and group-commit interval,
// random bursts of inputs and intents with random pauses between them. Every record must come
// back from the files in order and byte for byte, and (group, per_event) become durable.
TEST(JournalWriter, TheWriterAgentPersistsRandomBurstsUnderEveryPolicy) {
  std::mt19937_64 rng(1414);
  const auto samples = test::sample_events();
  const int cases = test::scaled_cases(100);
  for (int c = 0; c < cases; ++c) {
    TempDir d;
    JournalWriterOptions o;
    o.dir = d.path();
    const int policy = static_cast<int>(rng() % 3);
    o.fsync = policy == 0   ? FsyncPolicy::kNone
              : policy == 1 ? FsyncPolicy::kGroup
                            : FsyncPolicy::kPerEvent;
    o.group_commit = std::chrono::microseconds(rng() % 1'000);
    o.queue_capacity = 64u << (rng() % 6);  // 64..2048: the producer meets backpressure
    o.idle.max_spins = static_cast<std::uint32_t>(rng() % 200);
    o.idle.max_yields = static_cast<std::uint32_t>(rng() % 50);
    auto w = open_ok(o);
    ASSERT_TRUE(w);
    const std::uint64_t n = policy == 2 ? 1 + rng() % 20 : 1 + rng() % 3'000;
    std::vector<Event> sent;
    std::vector<bool> intent;
    for (std::uint64_t s = 1; s <= n; ++s) {
      Event e = samples[rng() % samples.size()];
      header(e).seq = s;
      header(e).receive_time = test::ts(static_cast<std::int64_t>(s));
      const bool is_intent = rng() % 4 == 0;
      if (is_intent) {
        w->append_intent(e);
      } else {
        w->append_input(e);
      }
      sent.push_back(e);
      intent.push_back(is_intent);
      if (rng() % 200 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
    }
    if (o.fsync != FsyncPolicy::kNone) {
      ASSERT_EQ(w->wait_durable(n, 10s), DurableWait::kDurable) << "case " << c;
    }
    w->stop();
    ASSERT_FALSE(w->failed()) << w->error();
    EXPECT_EQ(w->durable_seq(), n) << "case " << c;  // a clean stop makes everything durable
    const auto recs = test::read_all(d.path(), false);
    ASSERT_EQ(recs.size(), n + 1) << "case " << c;  // session_start + the records
    for (std::uint64_t s = 1; s <= n; ++s) {
      ASSERT_EQ(recs[s].kind, intent[s - 1] ? RecordKind::kIntent : RecordKind::kInput);
      ASSERT_TRUE(test::same_event(*recs[s].event(), sent[s - 1])) << "case " << c << " seq " << s;
    }
  }
}

// A tiny real filesystem that fills up: ENOSPC from the kernel, not from a mock.
TEST(JournalWriter, RealFullFilesystemFailsTheWriterAndRecoversAfterSpaceIsFreed) {
  TempDir d;
  const std::string mnt = d.sub("mnt");
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno)
                 << "): needs root with CAP_SYS_ADMIN";
  }
  struct Unmount {
    std::string p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  {
    std::ofstream filler(mnt + "/filler", std::ios::binary);
    filler << std::string(16 * 1024, 'f');
  }
  JournalWriterOptions o;
  o.dir = mnt + "/journal";
  o.fsync = FsyncPolicy::kGroup;
  o.group_commit = 0us;
  auto w = open_ok(o);
  ASSERT_TRUE(w);
  std::uint64_t s = 0;
  for (; s < 100; ++s) w->append_input(test::quote(s + 1));
  ASSERT_EQ(w->wait_durable(100, 5s), DurableWait::kDurable);
  while (!w->failed() && s < 20'000) {
    w->append_input(test::quote(++s));
    if (s % 64 == 0) std::this_thread::sleep_for(50us);
  }
  ASSERT_TRUE(test::eventually([&] { return w->failed(); }));
  EXPECT_NE(w->error().find("ENOSPC"), std::string::npos) << w->error();
  const std::uint64_t durable = w->durable_seq();
  EXPECT_GE(durable, 100u);
  EXPECT_LT(durable, s);
  w->stop();

  std::uint64_t last_event = 0;
  for (const auto& r : test::read_all(o.dir, true)) {
    if (const Event* e = r.event()) last_event = header(*e).seq;
  }
  EXPECT_GE(last_event, durable);

  std::filesystem::remove(mnt + "/filler");
  auto w2 = open_ok(o);
  ASSERT_TRUE(w2);
  EXPECT_EQ(w2->recovery().last_event_seq, last_event);
  w2->append_input(test::quote(1));
  EXPECT_EQ(w2->wait_durable(1, 5s), DurableWait::kDurable);
  w2->stop();
  EXPECT_FALSE(w2->failed()) << w2->error();
  test::read_all(o.dir, false);
}

// The tap in a real core loop: inputs and intents in sequence order, the intent durable before
// it is released.
struct EmitOrderOnQuote {
  void on_event(const Event& e, Timestamp, Outbox& out) {
    if (const auto* q = std::get_if<QuoteUpdated>(&e)) {
      SubmitOrder o;
      o.order = OrderId{q->hdr.seq};
      o.instrument = q->instrument;
      o.qty = Qty{1'000'000};
      o.limit = q->bid;
      out.emit(o);
      out.emit(ScheduleTimer{{}, TimerId{q->hdr.seq}, Timestamp{1}, 0, 0});  // not journaled
    }
  }
};

TEST(JournalTap, JournalsInputsAndIntentsInSequenceOrder) {
  TempDir d;
  JournalWriterOptions o;
  o.dir = d.path();
  o.group_commit = 100us;
  auto w = open_ok(o);
  ASSERT_TRUE(w);
  JournalTap tap(*w);
  ManualClock clock{Timestamp{1'000}};
  EmitOrderOnQuote handler;
  CoreLoop<ManualClock, EmitOrderOnQuote, JournalTap> loop(clock, handler, tap,
                                                           {.timers = TimerMode::kRecorded});
  for (std::uint64_t i = 1; i <= 100; ++i) {
    loop.process(test::quote(i * 10));
    // Durable-before-release: the order the loop just emitted has seq last_seq() - 1.
    ASSERT_EQ(w->wait_durable(loop.last_seq() - 1, 5s), DurableWait::kDurable);
  }
  w->stop();
  const auto recs = test::read_all(d.path(), false);
  ASSERT_EQ(recs.size(), 1u + 200u);
  for (std::size_t i = 1; i < recs.size(); i += 2) {
    ASSERT_EQ(recs[i].kind, RecordKind::kInput);
    ASSERT_EQ(recs[i + 1].kind, RecordKind::kIntent);
    ASSERT_TRUE(std::holds_alternative<SubmitOrder>(*recs[i + 1].event()));
    EXPECT_EQ(header(*recs[i + 1].event()).seq, header(*recs[i].event()).seq + 1);
  }
}

TEST(JournalWriter, OptionsFromConfigAndValidation) {
  JournalConfig c;
  c.dir = "/var/x";
  c.segment_size = 8u << 20;
  c.fsync = FsyncPolicy::kPerEvent;
  c.group_commit_us = 300;
  const auto o = JournalWriterOptions::from_config(c);
  EXPECT_EQ(o.dir, "/var/x");
  EXPECT_EQ(o.segment_bytes, 8u << 20);
  EXPECT_EQ(o.fsync, FsyncPolicy::kPerEvent);
  EXPECT_EQ(o.group_commit, 300us);
  EXPECT_TRUE(o.validate());
  auto bad = o;
  bad.segment_bytes = 100;
  ASSERT_FALSE(bad.validate());
  EXPECT_NE(bad.validate().error().message.find("segment_bytes"), std::string::npos);
  bad = o;
  bad.dir.clear();
  EXPECT_FALSE(bad.validate());
}

}  // namespace
}  // namespace ballast
