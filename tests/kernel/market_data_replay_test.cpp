// Recorded market data into the kernel (kernel/market_data_replay.hpp), issue 14:
//  - open_file_source over random taq and minute_bars sources (random rows, symbols, file order,
//    many equal times): the stream is time-ordered, every row arrives once with its values, each
//    bar at its minute's END, and at equal times every quote of the source before every trade;
//  - damaged rows (random bytes of the shipped extract overwritten): a file:line error naming the
//    damaged line (or the next, when the damage sends time backwards), never an abort;
//  - file_trading_date from the Lean file names;
//  - the replay agent (ReplayPacer::step) on a fake clock: the same schedule as ReplayPacer::run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "ballast/adapters/replay_agent.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/engine/agent_runner.hpp"
#include "ballast/kernel/market_data_replay.hpp"
#include "support/test_scale.hpp"

namespace ballast::kernel {
namespace {

namespace fs = std::filesystem;

// 2012-06-21 00:00 in New York (EDT, UTC-4) is 04:00 UTC: 1,340,251,200 s after 1970.
constexpr std::int64_t kLocalMidnightNs = 1'340'251'200LL * 1'000'000'000LL;
constexpr std::int64_t kMinuteNs = 60'000'000'000LL;

InstrumentTable three_symbols() {
  InstrumentTable t;
  for (const char* s : {"AAPL", "AMZN", "GOOG"}) {
    Instrument i;
    i.symbol = s;
    EXPECT_TRUE(t.add(i));
  }
  return t;
}

/// One expected event: time, kind (0 quote, 1 trade/bar), instrument, values, and where it came
/// from (file index, row) to check each file keeps its order.
struct Row {
  std::int64_t t_ns;
  int kind;
  std::uint32_t instrument;
  std::vector<std::int64_t> values;
  int file;
  int row;
  auto key() const { return std::tie(t_ns, kind, instrument, values, file, row); }
  bool operator<(const Row& o) const { return key() < o.key(); }
};

std::vector<std::int64_t> values_of(const Event& e) {
  if (const auto* q = std::get_if<QuoteUpdated>(&e))
    return {q->bid.raw, q->bid_size.raw, q->ask.raw, q->ask_size.raw};
  if (const auto* t = std::get_if<TradePrinted>(&e)) return {t->price.raw, t->size.raw};
  if (const auto* b = std::get_if<BarClosed>(&e))
    return {b->open.raw, b->high.raw, b->low.raw, b->close.raw, b->volume.raw, b->period_ns};
  return {};
}

std::uint32_t instrument_of(const Event& e) {
  return std::visit(
      [](const auto& x) -> std::uint32_t {
        if constexpr (requires { x.instrument; }) {
          return x.instrument.value;
        } else {
          return UINT32_MAX;
        }
      },
      e);
}

constexpr std::int64_t kE4ToPrice = 100'000;  // 1/10000 $ -> Price raw (9 decimals)
constexpr std::int64_t kShare = 1'000'000;    // shares -> Qty raw (6 decimals)

TEST(OpenFileSource, RandomTaqAndMinuteBarSourcesMergeInTimeOrderWithNoRowLostOrMoved) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / "md-replay-property";
  const InstrumentTable ins = three_symbols();
  const char* syms[] = {"aapl", "amzn", "goog"};
  std::mt19937_64 rng(1406);
  std::uint64_t rows_checked = 0;
  for (int round = 0; round < 400; ++round) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const bool taq = round % 2 == 0;
    MarketDataSourceConfig src;
    src.name = "s";
    src.kind = taq ? MarketDataKind::kTaq : MarketDataKind::kMinuteBars;
    std::vector<Row> expected;
    std::vector<std::pair<std::string, int>> files;  // path, quote(0)/trade(1)
    for (std::uint32_t s = 0; s < 3; ++s) {
      for (int kind = 0; kind < 2; ++kind) {
        if (rng() % 4 == 0) continue;  // some files absent
        const std::string name = std::string("20120621_") + syms[s] +
                                 (taq ? (kind == 0 ? "_Quote_Tick.csv" : "_Trade_Tick.csv")
                                      : (kind == 0 ? "_minute_quote.csv" : "_minute_trade.csv"));
        files.emplace_back((dir / name).string(), kind);
        std::ofstream out(dir / name);
        const int n = static_cast<int>(rng() % 40);
        // Few distinct times (ticks: a handful of ms; bars: a handful of minutes): many ties.
        std::int64_t ms = taq ? 34'200'000 + static_cast<std::int64_t>(rng() % 3)
                              : 34'200'000 + 60'000 * static_cast<std::int64_t>(rng() % 3);
        for (int r = 0; r < n; ++r) {
          if (rng() % 2) ms += taq ? static_cast<std::int64_t>(rng() % 3) : 60'000;
          Row row{};
          row.file = static_cast<int>(files.size()) - 1;
          row.row = r;
          row.kind = kind;
          row.instrument = s;
          auto px = [&] { return 1 + static_cast<std::int64_t>(rng() % 9'999'999); };
          auto sz = [&] { return static_cast<std::int64_t>(rng() % 100'000); };
          if (taq && kind == 1) {
            const std::int64_t p = px(), q = sz();
            out << ms << "," << p << "," << q << ",Q," << rng() % 100 << ",0\n";
            row.t_ns = kLocalMidnightNs + ms * 1'000'000;
            row.values = {p * kE4ToPrice, q * kShare};
          } else if (taq) {
            const std::int64_t b = px(), bs = sz(), a = px(), as = sz();
            out << ms << "," << b << "," << bs << "," << a << "," << as << ",P,1,0\n";
            row.t_ns = kLocalMidnightNs + ms * 1'000'000;
            row.values = {b * kE4ToPrice, bs * kShare, a * kE4ToPrice, as * kShare};
          } else if (kind == 1) {
            const std::int64_t o = px(), h = px(), l = px(), c = px(), v = sz();
            out << ms << "," << o << "," << h << "," << l << "," << c << "," << v << "\n";
            row.t_ns = kLocalMidnightNs + ms * 1'000'000 + kMinuteNs;  // known at the minute's end
            row.values = {o * kE4ToPrice, h * kE4ToPrice, l * kE4ToPrice,
                          c * kE4ToPrice, v * kShare,     kMinuteNs};
          } else {
            std::int64_t v[10];
            for (int k = 0; k < 10; ++k) v[k] = (k == 4 || k == 9) ? sz() : px();
            out << ms;
            for (std::int64_t x : v) out << "," << x;
            out << "\n";
            row.t_ns = kLocalMidnightNs + ms * 1'000'000 + kMinuteNs;
            // The closing bid and ask and their sizes.
            row.values = {v[3] * kE4ToPrice, v[4] * kShare, v[8] * kE4ToPrice, v[9] * kShare};
          }
          expected.push_back(row);
        }
      }
    }
    if (files.empty()) continue;
    std::shuffle(files.begin(), files.end(), rng);
    for (const auto& [path, kind] : files) src.paths.push_back(path);
    auto reader = open_file_source(src, ins);
    ASSERT_TRUE(reader) << reader.error().message;
    std::vector<Event> got;
    while (auto e = reader.value()->next()) got.push_back(*e);
    ASSERT_TRUE(reader.value()->status()) << reader.value()->status().error().message;
    ASSERT_EQ(got.size(), expected.size()) << "round " << round;
    // Time order, and quotes before trades at equal times.
    for (std::size_t k = 1; k < got.size(); ++k) {
      const auto t0 = header(got[k - 1]).event_time.ns, t1 = header(got[k]).event_time.ns;
      ASSERT_LE(t0, t1) << "round " << round << " event " << k;
      if (t0 == t1) {
        ASSERT_FALSE(!std::holds_alternative<QuoteUpdated>(got[k - 1]) &&
                     std::holds_alternative<QuoteUpdated>(got[k]))
            << "a quote after a trade of the same time, round " << round;
      }
    }
    // Every row once with its values: the multiset of (time, kind, instrument, values).
    auto canon =
        [](std::vector<std::tuple<std::int64_t, int, std::uint32_t, std::vector<std::int64_t>>> v) {
          std::sort(v.begin(), v.end());
          return v;
        };
    std::vector<std::tuple<std::int64_t, int, std::uint32_t, std::vector<std::int64_t>>> want, have;
    for (const Row& r : expected) want.emplace_back(r.t_ns, r.kind, r.instrument, r.values);
    for (const Event& e : got) {
      have.emplace_back(header(e).event_time.ns, std::holds_alternative<QuoteUpdated>(e) ? 0 : 1,
                        instrument_of(e), values_of(e));
    }
    ASSERT_EQ(canon(want), canon(have)) << "round " << round;
    // Each file keeps its own order: the events of one (instrument, kind) come in row order.
    std::map<std::pair<std::uint32_t, int>, std::vector<std::vector<std::int64_t>>> by_file_want,
        by_file_have;
    for (const Row& r : expected) by_file_want[{r.instrument, r.kind}].push_back(r.values);
    for (const Event& e : got) {
      by_file_have[{instrument_of(e), std::holds_alternative<QuoteUpdated>(e) ? 0 : 1}].push_back(
          values_of(e));
    }
    ASSERT_EQ(by_file_want, by_file_have) << "round " << round;
    rows_checked += got.size();
  }
  EXPECT_GT(rows_checked, 5'000u);
  fs::remove_all(dir);
}

TEST(OpenFileSource, AFileOfTheOtherKindIsRefusedByName) {
  const std::string base = std::string(BALLAST_SOURCE_DIR) + "/tests/data/lean_nasdaq_2012-06-21/";
  MarketDataSourceConfig src;
  src.name = "s";
  src.kind = MarketDataKind::kTaq;
  src.paths = {base + "tick/20120621_aapl_Trade_Tick.csv",
               base + "minute/20120621_aapl_minute_trade.csv"};
  auto r = open_file_source(src, three_symbols());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("20120621_aapl_minute_trade.csv': a minute-bar file in a taq"),
            std::string::npos)
      << r.error().message;
  src.kind = MarketDataKind::kMinuteBars;
  r = open_file_source(src, three_symbols());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("a tick file in a minute_bars source"), std::string::npos)
      << r.error().message;
}

TEST(FileTradingDate, IsTheDateOfTheLeanFileName) {
  const auto d = file_trading_date(MarketDataKind::kTaq, "x/20131008_ibm_Trade_Tick.csv", {});
  ASSERT_TRUE(d);
  ASSERT_TRUE(d.value());
  EXPECT_EQ(to_string(*d.value()), "2013-10-08");
  const auto m =
      file_trading_date(MarketDataKind::kMinuteBars, "20120621_spy_minute_quote.csv", {});
  ASSERT_TRUE(m && m.value());
  EXPECT_EQ(to_string(*m.value()), "2012-06-21");
  EXPECT_FALSE(file_trading_date(MarketDataKind::kTaq, "ibm_trades.csv", {}));
}

/// The shipped extract's files of one kind, each as its lines.
struct Extract {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> lines;
};

Extract read_extract(bool taq) {
  const std::string base = std::string(BALLAST_SOURCE_DIR) + "/tests/data/lean_nasdaq_2012-06-21/";
  Extract x;
  for (const char* s : {"aapl", "amzn", "goog"}) {
    for (const char* k : taq ? std::vector<const char*>{"_Trade_Tick.csv", "_Quote_Tick.csv"}
                             : std::vector<const char*>{"_minute_trade.csv", "_minute_quote.csv"}) {
      const std::string name = std::string("20120621_") + s + k;
      std::ifstream in(base + (taq ? "tick/" : "minute/") + name);
      std::vector<std::string> lines;
      std::string line;
      while (std::getline(in, line)) lines.push_back(line);
      EXPECT_FALSE(lines.empty()) << name;
      x.names.push_back(name);
      x.lines.push_back(std::move(lines));
    }
  }
  return x;
}

TEST(OpenFileSource, DamagedRowsGiveAFileLineErrorNeverAnAbort) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / "md-replay-damage";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const InstrumentTable ins = three_symbols();
  const Extract extracts[] = {read_extract(true), read_extract(false)};
  std::mt19937_64 rng(20261206);
  const std::string bytes = "0123456789,,,-+.eEx \t\r\"'\x01\xff";
  int errors = 0, clean = 0;
  const int rounds = test::scaled_cases(2000);  // a quarter under a sanitizer
  for (int round = 0; round < rounds; ++round) {
    const bool taq = round % 2 == 0;
    const Extract& x = extracts[taq ? 0 : 1];
    const std::size_t f = rng() % x.names.size();
    std::vector<std::string> lines = x.lines[f];
    const std::size_t line = rng() % lines.size();
    std::string& l = lines[line];
    const std::size_t at = rng() % l.size();
    switch (rng() % 3) {
      case 0:
        l[at] = bytes[rng() % bytes.size()];
        break;
      case 1:
        l.insert(at, 1, bytes[rng() % bytes.size()]);
        break;
      default:
        l.erase(at, 1 + rng() % 3);
        break;
    }
    // The damaged copy in a directory of its own, the other files as shipped.
    const fs::path sub = dir / std::to_string(round % 7);
    fs::create_directories(sub);
    MarketDataSourceConfig src;
    src.name = "s";
    src.kind = taq ? MarketDataKind::kTaq : MarketDataKind::kMinuteBars;
    const std::string base = std::string(BALLAST_SOURCE_DIR) +
                             "/tests/data/lean_nasdaq_2012-06-21/" + (taq ? "tick/" : "minute/");
    for (std::size_t k = 0; k < x.names.size(); ++k) {
      if (k != f) {
        src.paths.push_back(base + x.names[k]);
        continue;
      }
      std::ofstream out(sub / x.names[k], std::ios::binary);
      for (const auto& s : lines) out << s << "\n";
      src.paths.push_back((sub / x.names[k]).string());
    }
    auto reader = open_file_source(src, ins);
    ASSERT_TRUE(reader) << reader.error().message;  // opening reads no row
    std::size_t n = 0;
    while (reader.value()->next()) ++n;
    const Status st = reader.value()->status();
    if (st) {
      ++clean;  // the damage left a valid row (a digit for a digit, a price still a price)
      continue;
    }
    ++errors;
    const std::string& msg = st.error().message;
    const std::string at_line = x.names[f] + ":" + std::to_string(line + 1) + ":";
    const std::string next_line = x.names[f] + ":" + std::to_string(line + 2) + ":";
    EXPECT_TRUE(msg.find(at_line) != std::string::npos || msg.find(next_line) != std::string::npos)
        << "round " << round << ": damaged line " << line + 1 << " of " << x.names[f] << " ('" << l
        << "'), error: " << msg;
  }
  // Most damage is caught (the rest left a valid row); both outcomes happen.
  EXPECT_GT(errors, rounds * 7 / 20);
  EXPECT_GT(clean, rounds / 20);
  fs::remove_all(dir);
}

/// A clock that advances only when slept on: each sleep_until jumps to its deadline.
class FakeReplayClock final : public ReplayClock {
 public:
  explicit FakeReplayClock(std::int64_t* now) : now_(now) {}
  Timestamp now() override { return Timestamp{*now_}; }
  void sleep_until(Timestamp deadline) override { *now_ = std::max(*now_, deadline.ns); }

 private:
  std::int64_t* now_;
};

/// A reader over a list of events.
class ListReader final : public EventReader {
 public:
  explicit ListReader(std::vector<Event> events) : events_(std::move(events)) {}
  std::optional<Event> next() override {
    if (k_ >= events_.size()) return std::nullopt;
    return events_[k_++];
  }
  std::string position() const override { return "list:" + std::to_string(k_); }

 private:
  std::vector<Event> events_;
  std::size_t k_ = 0;
};

TEST(ReplayAgent, DeliversEveryEventAtTheSameTimesAsThePacersRunOverRandomSchedules) {
  std::mt19937_64 rng(77);
  for (int round = 0; round < 2000; ++round) {
    std::vector<Event> events;
    std::int64_t t = 1'000'000'000;
    const int n = static_cast<int>(rng() % 50);
    for (int k = 0; k < n; ++k) {
      t += static_cast<std::int64_t>(rng() % 3 == 0 ? 0 : rng() % 200'000'000);
      TradePrinted p;
      p.hdr.event_time = Timestamp{t};
      p.size = Qty::from_raw(k);
      events.push_back(p);
    }
    auto schedule =
        ReplaySchedule::times_millionths(1 + static_cast<std::int64_t>(rng() % 5'000'000));
    ASSERT_TRUE(schedule);
    // The pacer's run() on a fake clock: the wall times each event is delivered at.
    std::int64_t now_a = 5'000;
    FakeReplayClock clock_a(&now_a);
    ReplayPacer pacer(schedule.value(), clock_a, std::chrono::milliseconds(10));
    ListReader ra(events);
    std::vector<std::pair<std::int64_t, std::int64_t>> at_a;
    const auto rep_a = pacer.run(
        ra, [&](const Event& e) { at_a.emplace_back(now_a, std::get<TradePrinted>(e).size.raw); });
    // The agent, its do_work() called by hand until done().
    std::int64_t now_b = 5'000;
    ListReader rb(events);
    std::vector<std::pair<std::int64_t, std::int64_t>> at_b;
    auto deliver = [&](const Event& e) {
      at_b.emplace_back(now_b, std::get<TradePrinted>(e).size.raw);
    };
    ReplayAgent<decltype(deliver)> agent(rb, schedule.value(), deliver,
                                         std::make_unique<FakeReplayClock>(&now_b),
                                         std::chrono::milliseconds(10));
    int passes = 0, delivered = 0;
    while (!agent.done()) {
      delivered += agent.do_work();
      ASSERT_LT(++passes, 10'000'000);
    }
    ASSERT_EQ(at_a, at_b) << "round " << round;
    ASSERT_EQ(delivered, n);
    EXPECT_EQ(agent.report().end, ReplayEnd::kEndOfData);
    EXPECT_EQ(rep_a.end, ReplayEnd::kEndOfData);
    EXPECT_EQ(agent.report().delivered, static_cast<std::uint64_t>(n));
    EXPECT_EQ(agent.report().max_lateness, rep_a.max_lateness);
  }
}

// Several agents on one anchor (how run replays the sources of one day): each event is delivered
// at or after wall_start + (t - T0) / speed, T0 the earliest first event of them all, whichever
// agent holds it, and late by no more than the others' sleeps in between (driven round robin on
// one fake clock, each pass sleeps up to max_sleep per agent); independent anchors would deliver
// each agent's first event at once.
TEST(ReplayAgent, AgentsOnOneAnchorDeliverEachEventAtItsOffsetFromTheEarliestFirstEvent) {
  std::mt19937_64 rng(4242);
  constexpr std::int64_t kMaxSleepNs = 10'000'000;
  for (int round = 0; round < 500; ++round) {
    std::int64_t now = 1'000'000;
    const int agents = 2 + static_cast<int>(rng() % 3);
    std::vector<std::unique_ptr<ListReader>> readers;
    std::vector<std::pair<std::int64_t, int>> delivered;  // wall time, agent
    std::vector<std::vector<std::int64_t>> delivered_t(static_cast<std::size_t>(agents));
    auto deliver_to = [&](int a) {
      return [&, a](const Event& e) {
        delivered.emplace_back(now, a);
        delivered_t[static_cast<std::size_t>(a)].push_back(header(e).event_time.ns);
      };
    };
    using Deliver = decltype(deliver_to(0));
    std::vector<std::unique_ptr<ReplayAgent<Deliver>>> all;
    const std::int64_t speed_millionths = 100'000 + static_cast<std::int64_t>(rng() % 10'000'000);
    std::int64_t t0 = INT64_MAX;
    for (int a = 0; a < agents; ++a) {
      std::vector<Event> events;
      std::int64_t t = 1'000'000'000 + static_cast<std::int64_t>(rng() % 120'000'000'000);
      for (int k = static_cast<int>(rng() % 20); k >= 0; --k) {
        TradePrinted p;
        p.hdr.event_time = Timestamp{t};
        events.push_back(p);
        t += static_cast<std::int64_t>(rng() % 30'000'000'000);
      }
      t0 = std::min(t0, header(events.front()).event_time.ns);
      readers.push_back(std::make_unique<ListReader>(std::move(events)));
      all.push_back(std::make_unique<ReplayAgent<Deliver>>(
          *readers.back(), ReplaySchedule::times_millionths(speed_millionths).value(),
          deliver_to(a), std::make_unique<FakeReplayClock>(&now),
          std::chrono::nanoseconds(kMaxSleepNs)));
    }
    for (auto& a : all) ASSERT_TRUE(a->peek());
    const std::int64_t wall0 = now;
    for (auto& a : all) a->anchor(Timestamp{t0}, Timestamp{wall0});
    // Round robin, as threads would interleave; each sleep moves the shared fake time.
    for (int pass = 0; pass < 10'000'000; ++pass) {
      bool any = false;
      for (auto& a : all) {
        if (a->done()) continue;
        any = true;
        a->do_work();
      }
      if (!any) break;
    }
    std::size_t k = 0;
    std::vector<std::size_t> next(static_cast<std::size_t>(agents), 0);
    for (const auto& [wall, a] : delivered) {
      const std::int64_t t =
          delivered_t[static_cast<std::size_t>(a)][next[static_cast<std::size_t>(a)]++];
      const std::int64_t due = wall0 + static_cast<std::int64_t>(static_cast<__int128>(t - t0) *
                                                                 1'000'000 / speed_millionths);
      ASSERT_GE(wall, due) << "round " << round << " delivery " << k;
      ASSERT_LE(wall - due, 2 * kMaxSleepNs * agents) << "round " << round << " delivery " << k;
      ++k;
    }
  }
}

TEST(ReplayAgent, UnderAnAgentRunnerItStopsPromptlyAndNeverDeliversTheEventItWaitsFor) {
  std::vector<Event> events;
  for (int k = 0; k < 3; ++k) {
    TradePrinted p;
    p.hdr.event_time = Timestamp{1'000'000'000LL + k * 3'600'000'000'000LL};  // an hour apart
    events.push_back(p);
  }
  ListReader r(events);
  std::atomic<int> got{0};
  auto deliver = [&](const Event&) { got.fetch_add(1); };
  ReplayAgent<decltype(deliver)> agent(r, ReplaySchedule::recorded(), deliver);
  AgentRunner runner;
  AgentOptions opt;
  opt.name = "test-replay";
  opt.idle.kind = IdleKind::kBusySpin;
  ASSERT_TRUE(runner.start(agent, opt));
  for (int k = 0; k < 500 && got.load() == 0; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto t0 = std::chrono::steady_clock::now();
  runner.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
  EXPECT_EQ(got.load(), 1);  // the first at once; the next is an hour away
  EXPECT_EQ(agent.report().end, ReplayEnd::kStopped);
  EXPECT_TRUE(runner.finished());
}

}  // namespace
}  // namespace ballast::kernel
