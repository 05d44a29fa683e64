// The FIX sender thread's loop (kernel/src/intent_sender.cpp) over the real SPSC queue and a
// real JournalWriter on a temporary directory (run by the test thread, so the test decides when
// records become durable), with a destination that records what it is handed.
#include "ballast/kernel/intent_sender.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "journal/journal_test_support.hpp"

namespace ballast::kernel {
namespace {

using namespace std::chrono_literals;

SubmitOrder intent(std::uint64_t seq) {
  SubmitOrder o{};
  o.hdr.seq = seq;
  o.hdr.event_time = Timestamp{static_cast<std::int64_t>(seq) * 1'000};
  o.order = OrderId{1'000 + seq};
  o.parent = OrderId{7};
  o.account = AccountId{1};
  o.instrument = InstrumentId{2};
  o.side = seq % 2 == 0 ? Side::kBuy : Side::kSell;
  o.qty = Qty::from_units(static_cast<std::int64_t>(seq));
  o.limit = Price::from_units(100);
  return o;
}

/// Records every intent it is handed, and whether the journal held it durably at that moment.
class Recorder final : public IntentDestination {
 public:
  explicit Recorder(const JournalWriter* journal = nullptr) : journal_(journal) {}
  void on_taken(const Event&) override { taken.fetch_add(1); }
  void send(const Event& e) override {
    const std::uint64_t seq = header(e).seq;
    if (journal_ != nullptr && !journal_->is_durable(seq)) not_durable.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu_);
    seqs_.push_back(seq);
  }
  std::vector<std::uint64_t> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seqs_;
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seqs_.size();
  }
  std::atomic<int> taken{0};
  std::atomic<int> not_durable{0};  ///< sent before the journal said durable: must stay 0

 private:
  const JournalWriter* journal_;
  mutable std::mutex mu_;
  std::vector<std::uint64_t> seqs_;
};

/// Polls `f` until it holds or `limit` passes.
template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!f()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(200us);
  }
  return true;
}

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t s = first; s <= last; ++s) v.push_back(s);
  return v;
}

/// A journal written by the test thread (threaded = false): records become durable when the
/// test calls do_work() (fsync per record).
std::unique_ptr<JournalWriter> open_journal(const std::string& dir, JournalIo& io) {
  JournalWriterOptions o;
  o.dir = dir;
  o.fsync = FsyncPolicy::kPerEvent;
  o.threaded = false;
  auto w = JournalWriter::open(o, io);
  EXPECT_TRUE(w) << (w ? "" : w.error().message);
  return w ? std::move(w.value()) : nullptr;
}

/// Does what the core thread's OutboundSink does: journal the intent, then queue it.
void publish(OutboundSink& sink, std::uint64_t seq) {
  ASSERT_TRUE(sink.try_publish(intent(seq)));
}

/// Runs the sender on a thread of its own. Destroyed (also when an assertion failed): asks it to
/// stop and, while it still waits for durability, lets the journal (written by this thread)
/// catch up, so the thread always ends.
class Running {
 public:
  Running(IntentSender& sender, JournalWriter* journal) : sender_(sender), journal_(journal) {
    thread_ = std::thread([this] {
      sender_.run();
      returned.store(true);
    });
  }
  ~Running() { stop(); }
  void stop() {
    sender_.request_stop();
    while (!returned.load()) {
      if (journal_ != nullptr) (void)journal_->do_work();
      std::this_thread::sleep_for(100us);
    }
    if (thread_.joinable()) thread_.join();
  }
  std::thread& thread() { return thread_; }
  std::atomic<bool> returned{false};

 private:
  IntentSender& sender_;
  JournalWriter* journal_;
  std::thread thread_;
};

IntentSenderOptions gated(IdleKind kind = IdleKind::kBackOff) {
  IntentSenderOptions o;
  o.idle.kind = kind;
  o.release_after_durable = true;
  return o;
}

TEST(IntentSender, ReleasesIntentsInOrderOnlyOnceTheJournalHoldsThemDurably) {
  test::TempDir dir;
  auto journal = open_journal(dir.sub("journal"), posix_journal_io());
  ASSERT_NE(journal, nullptr);
  SpscQueue<Event> queue(1024);
  OutboundSink sink;
  sink.out = &queue;
  sink.journal = journal.get();
  Recorder rec(journal.get());
  std::atomic<int> trips{0};
  IntentSender sender(queue, rec, journal.get(), gated(), [&] { trips.fetch_add(1); });
  Running t(sender, journal.get());

  // 1..5 journaled and durable, 6..10 journaled (handed to the writer) but not written yet.
  for (std::uint64_t s = 1; s <= 5; ++s) publish(sink, s);
  while (journal->do_work() > 0) {
  }
  for (std::uint64_t s = 6; s <= 10; ++s) publish(sink, s);
  // The sender takes 6 and waits for it; 7..10 stay queued behind it.
  ASSERT_TRUE(eventually([&] { return rec.taken.load() == 6; })) << rec.taken.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rec.sent(), range(1, 5));
  EXPECT_EQ(rec.taken.load(), 6);
  EXPECT_GE(sender.counters().durable_waits.value(), 1u);

  while (journal->do_work() > 0) {
  }
  ASSERT_TRUE(eventually([&] { return rec.count() == 10; })) << rec.count();
  EXPECT_EQ(rec.sent(), range(1, 10));
  EXPECT_EQ(rec.not_durable.load(), 0);

  t.stop();
  const IntentSenderCounters& c = sender.counters();
  EXPECT_EQ(c.sent.value(), 10u);
  EXPECT_EQ(c.held.value(), 0u);
  EXPECT_FALSE(sender.journal_failure_reported());
  EXPECT_EQ(trips.load(), 0);
  journal->stop();
}

CancelOrder sweep_cancel(std::uint64_t seq, std::uint32_t sweep) {
  CancelOrder c{};
  c.hdr.seq = seq;
  c.order = OrderId{5'000 + seq};
  c.orig_order = OrderId{1'000 + seq};
  c.sweep = sweep;
  return c;
}

// A kill sweep's cancels are one input's intents: once its first cancel is durable, so is the
// command that made them (the journal is durable as a prefix), and the rest go without waiting
// for their own records. An ordinary cancel, or the first of the next sweep, still waits.
TEST(IntentSender, ReleasesTheCancelsOfASweepOnceItsFirstCancelIsDurable) {
  test::TempDir dir;
  auto journal = open_journal(dir.sub("journal"), posix_journal_io());
  ASSERT_NE(journal, nullptr);
  SpscQueue<Event> queue(1024);
  OutboundSink sink;
  sink.out = &queue;
  sink.journal = journal.get();
  Recorder rec(journal.get());
  IntentSender sender(queue, rec, journal.get(), gated());
  Running t(sender, journal.get());

  // Sweep 3's first cancel durable; the rest of sweep 3, an ordinary cancel and sweep 4's first
  // cancel journaled but not written.
  ASSERT_TRUE(sink.try_publish(sweep_cancel(1, 3)));
  while (journal->do_work() > 0) {
  }
  for (std::uint64_t s = 2; s <= 5; ++s) ASSERT_TRUE(sink.try_publish(sweep_cancel(s, 3)));
  ASSERT_TRUE(sink.try_publish(sweep_cancel(6, 0)));
  ASSERT_TRUE(sink.try_publish(sweep_cancel(7, 4)));
  ASSERT_TRUE(eventually([&] { return rec.taken.load() == 6; })) << rec.taken.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rec.sent(), range(1, 5));
  EXPECT_EQ(rec.not_durable.load(), 4);  // 2..5
  EXPECT_EQ(sender.counters().swept.value(), 4u);

  while (journal->do_work() > 0) {
  }
  ASSERT_TRUE(eventually([&] { return rec.count() == 7; })) << rec.count();
  EXPECT_EQ(rec.sent(), range(1, 7));
  t.stop();
  EXPECT_EQ(sender.counters().sent.value(), 7u);
  EXPECT_EQ(sender.counters().swept.value(), 4u);
  journal->stop();
}

TEST(IntentSender, HoldsBackIntentsAndReportsOnceWhenTheJournalFails) {
  test::TempDir dir;
  test::FaultyIo io;
  auto journal = open_journal(dir.sub("journal"), io);
  ASSERT_NE(journal, nullptr);
  SpscQueue<Event> queue(1024);
  OutboundSink sink;
  sink.out = &queue;
  sink.journal = journal.get();
  Recorder rec(journal.get());
  std::atomic<int> trips{0};
  IntentSender sender(queue, rec, journal.get(), gated(), [&] { trips.fetch_add(1); });
  Running t(sender, journal.get());

  for (std::uint64_t s = 1; s <= 3; ++s) publish(sink, s);
  while (journal->do_work() > 0) {
  }
  ASSERT_TRUE(eventually([&] { return rec.count() == 3; }));

  // The disk fills up: the next write fails, nothing after 3 ever becomes durable.
  io.partial = false;
  io.reset_counts();
  io.fail_write_at = 1;
  for (std::uint64_t s = 4; s <= 6; ++s) publish(sink, s);
  while (journal->do_work() > 0) {
  }
  ASSERT_TRUE(journal->failed());
  ASSERT_TRUE(eventually([&] { return sender.counters().held.value() == 3; }))
      << sender.counters().held.value();
  // More intents after the failure (the core had not seen the kill switch yet): held too, and
  // the failure is not reported again.
  for (std::uint64_t s = 7; s <= 8; ++s) publish(sink, s);
  ASSERT_TRUE(eventually([&] { return sender.counters().held.value() == 5; }))
      << sender.counters().held.value();

  t.stop();
  EXPECT_EQ(rec.sent(), range(1, 3));
  EXPECT_EQ(rec.not_durable.load(), 0);
  EXPECT_EQ(trips.load(), 1);
  const IntentSenderCounters& c = sender.counters();
  EXPECT_EQ(c.sent.value(), 3u);
  EXPECT_EQ(c.held.value(), 5u);
  EXPECT_TRUE(sender.journal_failure_reported());
  journal->stop();
}

TEST(IntentSender, DrainsWhatIsQueuedWhenStoppedWaitingForDurabilityFirst) {
  test::TempDir dir;
  auto journal = open_journal(dir.sub("journal"), posix_journal_io());
  ASSERT_NE(journal, nullptr);
  SpscQueue<Event> queue(1024);
  OutboundSink sink;
  sink.out = &queue;
  sink.journal = journal.get();
  Recorder rec(journal.get());
  IntentSender sender(queue, rec, journal.get(), gated(IdleKind::kYield));
  // The producer has stopped and stop is asked before the loop even starts: it still sends
  // everything queued, each once durable, then returns.
  for (std::uint64_t s = 1; s <= 50; ++s) publish(sink, s);
  sender.request_stop();
  Running t(sender, journal.get());
  ASSERT_TRUE(eventually([&] { return sender.counters().durable_waits.value() >= 1; }));
  EXPECT_FALSE(t.returned.load());  // waiting on intent 1, not dropping the queue
  EXPECT_EQ(rec.count(), 0u);
  while (journal->do_work() > 0) {
  }
  ASSERT_TRUE(eventually([&] { return t.returned.load(); }));
  t.stop();
  EXPECT_EQ(rec.sent(), range(1, 50));
  EXPECT_EQ(rec.not_durable.load(), 0);
  journal->stop();
}

TEST(IntentSender, WithoutAJournalSendsAtOnceInOrder) {
  SpscQueue<Event> queue(1024);
  OutboundSink sink;
  sink.out = &queue;
  Recorder rec;
  // release_after_durable without a journal: nothing to wait for.
  IntentSender sender(queue, rec, nullptr, gated(IdleKind::kBusySpin));
  Running t(sender, nullptr);
  for (std::uint64_t s = 1; s <= 200; ++s) publish(sink, s);
  ASSERT_TRUE(eventually([&] { return rec.count() == 200; }));
  t.stop();
  EXPECT_EQ(rec.sent(), range(1, 200));
  EXPECT_EQ(sender.counters().durable_waits.value(), 0u);
}

TEST(IntentSender, ParksWhileWaitingForDurabilityWithTheBackOffStrategy) {
  // The wait used to spin on the CPU until the intent was durable; with back_off it sleeps
  // (up to max_park) once spins and yields are used up.
  test::TempDir dir;
  auto journal = open_journal(dir.sub("journal"), posix_journal_io());
  ASSERT_NE(journal, nullptr);
  SpscQueue<Event> queue(16);
  OutboundSink sink;
  sink.out = &queue;
  sink.journal = journal.get();
  Recorder rec(journal.get());
  IntentSenderOptions o = gated(IdleKind::kBackOff);
  o.idle.max_park = 1ms;
  IntentSender sender(queue, rec, journal.get(), o);
  Running t(sender, journal.get());
  clockid_t cpu{};
  ASSERT_EQ(pthread_getcpuclockid(t.thread().native_handle(), &cpu), 0);
  auto cpu_ns = [&] {
    timespec ts{};
    clock_gettime(cpu, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  };
  publish(sink, 1);
  ASSERT_TRUE(eventually([&] { return sender.counters().durable_waits.value() == 1; }));
  const std::int64_t c0 = cpu_ns();
  const auto w0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(300ms);
  const std::int64_t used = cpu_ns() - c0;
  const auto wall =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - w0)
          .count();
  // A spinning thread uses what the scheduler gives it (most of a core); a parked one a little.
  EXPECT_LT(used, wall / 5) << "the waiting sender used " << used / 1'000'000 << " ms of CPU in "
                            << wall / 1'000'000 << " ms";
  EXPECT_EQ(rec.count(), 0u);
  while (journal->do_work() > 0) {
  }
  ASSERT_TRUE(eventually([&] { return rec.count() == 1; }));
  t.stop();
  journal->stop();
}

}  // namespace
}  // namespace ballast::kernel
