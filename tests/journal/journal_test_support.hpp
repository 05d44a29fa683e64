// Shared helpers for the journal tests: temp directories, one sample of every event type,
// an injectable JournalIo, byte-exact event comparison.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ballast/journal/file_io.hpp"
#include "ballast/journal/format.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "ballast/journal/journal_writer.hpp"

namespace ballast::test {

/// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ballast_journal_XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p != nullptr ? p : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline Timestamp ts(std::int64_t ns) {
  return Timestamp{ns};
}

/// One event of every alternative, every field set to a non-default value.
inline std::vector<Event> sample_events() {
  std::vector<Event> v;
  const auto hdr = [](std::uint64_t seq) {
    return EventHeader{seq, ts(1'700'000'000'000'000'000 + static_cast<std::int64_t>(seq)),
                       ts(1'700'000'000'000'000'500 + static_cast<std::int64_t>(seq))};
  };
  std::uint64_t s = 0;
  v.push_back(QuoteUpdated{hdr(++s), InstrumentId{3}, Price::parse("101.25").value(),
                           Qty::parse("300").value(), Price::parse("101.26").value(),
                           Qty::parse("200.5").value()});
  v.push_back(TradePrinted{hdr(++s), InstrumentId{4}, Price::parse("55.000000001").value(),
                           Qty::parse("0.000001").value()});
  v.push_back(BarClosed{hdr(++s), InstrumentId{5}, Price::parse("10").value(),
                        Price::parse("12").value(), Price::parse("9.5").value(),
                        Price::parse("11").value(), Qty::parse("123456").value(), 60'000'000'000});
  v.push_back(CashFlowReceived{hdr(++s), AccountId{7}, Money::parse("-2500.75").value()});
  v.push_back(TimerFired{hdr(++s), TimerId{11}, 2, 0xDEADBEEFull});
  v.push_back(ScheduleTimer{hdr(++s), TimerId{12}, ts(1'700'000'001'000'000'000), 3, 42});
  v.push_back(CancelTimer{hdr(++s), TimerId{13}});
  v.push_back(SubmitOrder{hdr(++s), OrderId{1001}, OrderId{900}, AccountId{7}, InstrumentId{3},
                          SessionId{1}, Side::kSell, OrdType::kMarket, TimeInForce::kIoc,
                          Qty::parse("100").value(), Price::parse("101.2").value()});
  v.push_back(CancelOrder{hdr(++s), OrderId{1002}, OrderId{1001}, SessionId{1}});
  v.push_back(ReplaceOrder{hdr(++s), OrderId{1003}, OrderId{1001}, SessionId{2},
                           Qty::parse("50").value(), Price::parse("101.1").value()});
  v.push_back(QueryOrderStatus{hdr(++s), OrderId{1001}, SessionId{2}});
  ExecutionReported er{hdr(++s),
                       OrderId{1001},
                       OrderId{},
                       SessionId{1},
                       ExecType::kTrade,
                       OrdStatus::kPartiallyFilled,
                       Side::kSell,
                       ReportIssue::kNone,
                       0,
                       Qty::parse("40").value(),
                       Price::parse("101.2").value(),
                       Qty::parse("40").value(),
                       Qty::parse("60").value(),
                       Price::parse("101.2").value(),
                       {},
                       {}};
  er.exec_id.assign("EXEC-\"1\"\\x");
  er.exec_ref_id.assign("REF-9");
  v.push_back(er);
  v.push_back(CancelRejected{hdr(++s), OrderId{1002}, OrderId{1001}, SessionId{1},
                             CancelRejectResponseTo::kReplace, 1});
  v.push_back(MessageRejected{hdr(++s), OrderId{1003}, SessionId{2}, 5, true});
  v.push_back(SessionStatusChanged{hdr(++s), SessionId{2}, SessionState::kLoggedOn});
  v.push_back(ControlCommand{hdr(++s), ControlAction::kKillSwitchOn, 0, AccountId{7}});
  v.push_back(MarketDataHeld{hdr(++s), InstrumentId{3}, HeldReason::kOutlier,
                             Price::parse("99").value(), Price::parse("99.5").value(),
                             Price::parse("99.2").value(), Price::parse("101.25").value(),
                             ts(1'699'999'999'000'000'000)});
  v.push_back(RebalanceTriggered{hdr(++s), AccountId{7}, ModelId{2}, TriggerRule::kHybrid, 0x13,
                                 0.051, 0.25, 0.07, 0.031, 1.02, InstrumentId{3}, 0.65, 0.6,
                                 Price::parse("101.25").value(), ts(1'700'000'000'000'000'000),
                                 Money::parse("1000000.5").value(), 77});
  v.push_back(ChildOrderProposed{
      hdr(++s), OrderId{1004}, OrderId{900}, AccountId{7}, InstrumentId{3}, SessionId{1},
      Side::kBuy, OrdType::kLimit, TimeInForce::kGtc, Qty::parse("10").value(),
      Price::parse("101.3").value(), Price::parse("101.25").value(), OrderId{1001}});
  v.push_back(OrderDenied{hdr(++s), OrderId{1005}, OrderId{900}, AccountId{7}, InstrumentId{3},
                          Side::kBuy, Qty::parse("10").value(), Price::parse("101.3").value(),
                          DenyReason::kPriceCollar});
  v.push_back(KillSwitchTripped{hdr(++s), AccountId{}, KillReason::kRejectStorm});
  v.push_back(ParentOrderRequested{hdr(++s), OrderId{900}, AccountId{7}, InstrumentId{3},
                                   SessionId{1}, Side::kSell, Qty::parse("1200.5").value()});
  v.push_back(ParentOrderAccepted{{hdr(++s), OrderId{900}, AccountId{7}, InstrumentId{3},
                                   SessionId{1}, Side::kSell, Qty::parse("1200.5").value()}});
  v.push_back(ParentOrderRefused{hdr(++s), OrderId{901}, AccountId{7}, InstrumentId{4},
                                 ParentRefusal::kSlicerFull});
  v.push_back(ParentOrderClosed{hdr(++s), OrderId{900}, AccountId{7}, Qty::parse("1200").value()});
  v.push_back(FillBooked{hdr(++s), OrderId{1004}, OrderId{900}, AccountId{7}, InstrumentId{3},
                         BookingKind::kCorrection, Qty::parse("-10").value(),
                         Price::parse("101.3").value()});
  v.push_back(RebalanceDeferred{hdr(++s), AccountId{7}, DeferReason::kInProgress});
  return v;
}

/// Byte-exact comparison of two events, padding excluded.
inline bool same_event(const Event& a, const Event& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        T l = x;
        T r = std::get<T>(b);
        __builtin_clear_padding(&l);
        __builtin_clear_padding(&r);
        return std::memcmp(&l, &r, sizeof(T)) == 0;
      },
      a);
}

/// A quote with the given seq (for bulk tests).
inline Event quote(std::uint64_t seq) {
  QuoteUpdated q;
  q.hdr.seq = seq;
  q.hdr.event_time = ts(static_cast<std::int64_t>(seq) * 1000);
  q.hdr.receive_time = ts(static_cast<std::int64_t>(seq) * 1000 + 7);
  q.instrument = InstrumentId{static_cast<std::uint32_t>(seq % 97)};
  q.bid = Price{static_cast<std::int64_t>(seq) * 1'000'000};
  q.ask = Price{static_cast<std::int64_t>(seq) * 1'000'000 + 10'000'000};
  q.bid_size = Qty{100'000'000};
  q.ask_size = Qty{static_cast<std::int64_t>(seq)};
  return q;
}

/// POSIX I/O that counts calls and fails the Nth write or sync (1-based, counted since arm()).
class FaultyIo : public PosixJournalIo {
 public:
  std::atomic<int> writes{0};
  std::atomic<int> syncs{0};
  std::atomic<int> fail_write_at{0};
  std::atomic<int> write_errno{ENOSPC};
  std::atomic<bool> partial{true};  ///< the failing write first writes half its bytes
  std::atomic<int> fail_sync_at{0};
  std::atomic<int> sync_errno{EIO};

  void reset_counts() {
    writes = 0;
    syncs = 0;
  }
  std::int64_t write(int fd, const void* data, std::size_t n) override {
    const int k = ++writes;
    const int at = fail_write_at.load();
    if (at > 0 && k >= at) {
      if (k == at && partial.load() && n > 2) {
        // A short write that ends inside a record (event records are multiples of 8 bytes, so an
        // odd count never lands on a record boundary); the next call fails.
        return PosixJournalIo::write(fd, data, (n / 2) | 1);
      }
      return -write_errno.load();
    }
    return PosixJournalIo::write(fd, data, n);
  }
  int sync(int fd) override {
    const int k = ++syncs;
    const int at = fail_sync_at.load();
    if (at > 0 && k >= at) return -sync_errno.load();
    return PosixJournalIo::sync(fd);
  }
};

/// Every record of the journal in `dir` (torn tail allowed); fails the test on a problem.
inline std::vector<JournalRecord> read_all(const std::string& dir, bool allow_torn = true) {
  std::vector<JournalRecord> out;
  JournalReader r = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = allow_torn});
  JournalRecord rec;
  while (r.next(rec)) out.push_back(rec);
  EXPECT_TRUE(r.ok()) << r.problem()->message();
  return out;
}

inline std::vector<Event> events_of(const std::vector<JournalRecord>& recs) {
  std::vector<Event> out;
  for (const auto& r : recs) {
    if (const Event* e = r.event()) out.push_back(*e);
  }
  return out;
}

/// Waits up to `timeout` for `pred`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

inline JournalWriterOptions manual_options(const std::string& dir) {
  JournalWriterOptions o;
  o.dir = dir;
  o.threaded = false;
  o.queue_capacity = 1 << 16;
  return o;
}

inline std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (parse_segment_file_name(e.path().filename().string())) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5A);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

}  // namespace ballast::test
