// Issue 14: settings that reach the engine only through the kernel show their effect in a kernel
// built as `ballast run` builds it (typed Settings from YAML + load_market_context), driven
// offline with quotes on the market clock.
#include <gtest/gtest.h>

#include <sched.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono;

const std::string kCloses = test::kKernelCloses;
constexpr CivilDate kSession = test::kKernelSession;

/// A desk of one account holding only AAPL (model: a third each of AAPL, AMZN, GOOG): far from
/// its targets in weight, and in tracking error.
std::string desk_yaml(const std::string& triggers, double cash_allowance = 0,
                      const std::string& execution = "") {
  return "instruments:\n"
         "  - {symbol: AAPL}\n"
         "  - {symbol: AMZN}\n"
         "  - {symbol: GOOG}\n"
         "triggers:\n" +
         triggers +
         "models:\n"
         "  - {id: m, weights: {AAPL: 0.30, AMZN: 0.30, GOOG: 0.30}, cash_buffer: 0.10}\n"
         "accounts:\n"
         "  - {id: A1, model: m, cash: 1000.00, positions: {AAPL: 1000}}\n"
         "optimizer: {risk_model: {estimator: ledoit_wolf, lookback_days: 200}}\n"
         "execution: {cash_allowance: " +
         std::to_string(cash_allowance) + execution +
         "}\n"
         "compliance: {max_adv_share: off, reference_stale_after: 30m}\n"
         "journal: {enabled: false}\n";
}

template <class Pred>
bool eventually(Pred p) {
  for (int i = 0; i < 5'000 && !p(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return p();
}

/// The market context `ballast run` would load for `s` on the session date.
Result<kernel::MarketContext> context(const config::Settings& s) {
  return test::kernel_context(s);
}

/// The desk with `market_data.adv` reading `path` (lookback 20).
config::LoadResult with_adv_file(const std::string& path) {
  return config::load_string(
      desk_yaml("  absolute: {band: 0.05}\n") + "market_data: {adv: {path: " + path + "}}\n",
      "kernel test");
}

struct Outcome {
  std::uint64_t triggers = 0;
  std::uint64_t gated_cost = 0;
  std::size_t orders = 0;
  std::size_t orders_by_instrument[3] = {0, 0, 0};
  std::string denials;  ///< "reason count, ..." from the gate
};

/// Builds the kernel from `yaml` and feeds one two-sided quote per instrument at 10:00 New York
/// time on the session date, then a second round a minute later; the quotes are `spread_bps`
/// wide around mids of 580, 220 and 570.
Outcome drive(const std::string& yaml, int spread_bps = 2) {
  auto loaded = config::load_string(yaml, "kernel test");
  EXPECT_TRUE(loaded.ok());
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) ADD_FAILURE() << config::format(d);
    return {};
  }
  auto k = test::offline_kernel(*loaded.settings);
  EXPECT_TRUE(k) << (k ? "" : k.error().message);
  if (!k) return {};
  std::vector<Event> intents;
  const std::int64_t mids[3] = {580, 220, 570};
  for (int round = 0; round < 2; ++round) {
    const Timestamp t = us_eastern_to_utc(kSession, 10 * 60 + round);
    for (std::uint32_t i = 0; i < 3; ++i) {
      // Whole cents: half the spread in cents, at least one.
      const std::int64_t half = std::max<std::int64_t>(1, mids[i] * 100 * spread_bps / 20'000);
      const QuoteUpdated q = test::quote_of(InstrumentId{i}, t, mids[i] * 100, half, 500);
      k.value()->feed_offline(q, t, intents);
    }
  }
  Outcome r;
  r.triggers = k.value()->monitor().counters().triggers;
  r.gated_cost = k.value()->monitor().counters().gated_cost;
  for (int d = 0; d < static_cast<int>(DenyReason::kCount); ++d) {
    if (const auto c = k.value()->gate().denied(static_cast<DenyReason>(d)); c > 0) {
      r.denials +=
          std::string(to_string(static_cast<DenyReason>(d))) + " " + std::to_string(c) + " ";
    }
  }
  for (const Event& e : intents) {
    if (const auto* o = std::get_if<SubmitOrder>(&e)) {
      ++r.orders;
      if (o->instrument.value < 3) ++r.orders_by_instrument[o->instrument.value];
    }
  }
  return r;
}

const std::string kHours = "  trading_hours: {start: \"09:35\", end: \"15:55\"}\n";

TEST(KernelSettings, TheTrackingErrorTriggerFiresOnTheRiskModelsTrackingError) {
  // Only the tracking-error condition is on. The account's ex-ante tracking error (all AAPL
  // against a third each) is several percent a year: over a 1% threshold it fires; over a 90%
  // threshold it does not.
  const std::string off = "  absolute: {enabled: false}\n  relative: {enabled: false}\n" + kHours +
                          "  cost_benefit: {enabled: false}\n";
  const Outcome low =
      drive(desk_yaml(off + "  tracking_error: {enabled: true, threshold: 0.01}\n"));
  const Outcome high =
      drive(desk_yaml(off + "  tracking_error: {enabled: true, threshold: 0.9}\n"));
  EXPECT_GE(low.triggers, 1u);
  EXPECT_GT(low.orders, 0u) << "the fired rebalance sends orders";
  EXPECT_EQ(high.triggers, 0u);
  EXPECT_EQ(high.orders, 0u);
}

TEST(KernelSettings, TheCostBenefitGateHoldsBackARebalanceWhoseCostExceedsItsBenefit) {
  // The absolute band fires on quotes 2% wide. Without the gate the rebalance goes ahead; with
  // it, at multiplier 100 (the most allowed), the trade's cost (half spread + commission) x 100
  // outweighs the tracking-error reduction and it is held back (gated_cost); on quotes 2 bps
  // wide the same gate lets it through.
  const std::string base = "  absolute: {band: 0.05}\n" + kHours;
  const std::string gate = "  cost_benefit: {enabled: true, multiplier: 100}\n";
  const Outcome ungated = drive(desk_yaml(base + "  cost_benefit: {enabled: false}\n"), 200);
  const Outcome dear = drive(desk_yaml(base + gate), 200);
  const Outcome cheap = drive(desk_yaml(base + gate), 2);
  EXPECT_GE(ungated.triggers, 1u);
  EXPECT_GT(ungated.orders, 0u);
  EXPECT_EQ(dear.triggers, 0u);
  EXPECT_GE(dear.gated_cost, 1u);
  EXPECT_EQ(dear.orders, 0u);
  EXPECT_GE(cheap.triggers, 1u);
  EXPECT_EQ(cheap.gated_cost, 0u);
}

TEST(KernelSettings, CashAllowanceLetsBuysRunAheadOfSellProceeds) {
  // The account must sell AAPL to buy AMZN and GOOG. With execution.cash_allowance 0 the buys
  // wait for the sells' proceeds (no fills come offline); with 1.0 (a NAV's worth) they go out
  // with the sells.
  const std::string t =
      "  absolute: {band: 0.05}\n" + kHours + "  cost_benefit: {enabled: false}\n";
  const Outcome none = drive(desk_yaml(t, 0.0));
  const Outcome all = drive(desk_yaml(t, 1.0));
  EXPECT_GT(none.orders_by_instrument[0], 0u) << "AAPL is sold";
  EXPECT_EQ(none.orders_by_instrument[1] + none.orders_by_instrument[2], 0u);
  EXPECT_GT(all.orders_by_instrument[1], 0u);
  EXPECT_GT(all.orders_by_instrument[2], 0u);
}

TEST(KernelSettings, AnInstrumentWithNoAdvIsDeniedByTheAdvRule) {
  // market_data.adv gives AAPL and AMZN but not GOOG: GOOG's orders are denied (adv_share), the
  // others are not held back by the rule.
  const std::string dir = ::testing::TempDir();
  const std::string vol = dir + "/kernel_adv.csv";
  {
    std::ofstream v(vol);
    v << "date,AAPL,AMZN\n2012-06-19,15000000,4000000\n2012-06-20,15000000,4000000\n";
  }
  std::string yaml =
      desk_yaml("  absolute: {band: 0.05}\n" + kHours + "  cost_benefit: {enabled: false}\n", 1.0);
  const std::string from = "compliance: {max_adv_share: off, reference_stale_after: 30m}\n";
  yaml.replace(yaml.find(from), from.size(),
               "compliance: {max_adv_share: 0.10, reference_stale_after: 30m}\n"
               "market_data: {adv: {path: " +
                   vol + ", lookback_days: 5}}\n");
  auto loaded = config::load_string(yaml, "kernel test");
  ASSERT_TRUE(loaded.ok());
  auto ctx = context(*loaded.settings);
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx.value().adv[0], Qty::from_units(15'000'000));
  EXPECT_EQ(ctx.value().adv[1], Qty::from_units(4'000'000));
  EXPECT_EQ(ctx.value().adv[2], Qty{}) << "GOOG has no column: unknown";
  EXPECT_EQ(ctx.value().adv_days[0], 2);
  const Outcome r = drive(yaml);
  EXPECT_GT(r.orders_by_instrument[1], 0u) << "AMZN is bought; denials: " << r.denials;
  EXPECT_NE(r.denials.find("adv_share"), std::string::npos) << r.denials;
  EXPECT_EQ(r.orders_by_instrument[2], 0u) << "GOOG has no ADV: denied";
}

TEST(KernelSettings, AdvUsesOnlyDaysBeforeTheSession) {
  const std::string vol = ::testing::TempDir() + "/kernel_adv_lookahead.csv";
  {
    std::ofstream v(vol);
    v << "date,AAPL,AMZN,GOOG\n"
         "2012-06-18,100,100,\n2012-06-19,200,200,\n2012-06-20,300,,\n"
         "2012-06-21,999999999,999999999,999999999\n2012-06-22,999999999,999999999,999999999\n";
  }
  auto loaded =
      config::load_string(desk_yaml("  absolute: {band: 0.05}\n") +
                              "market_data: {adv: {path: " + vol + ", lookback_days: 2}}\n",
                          "kernel test");
  ASSERT_TRUE(loaded.ok());
  auto ctx = context(*loaded.settings);
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx.value().adv[0], Qty::from_units(250)) << "mean of 06-19 and 06-20";
  EXPECT_EQ(ctx.value().adv[1], Qty::from_units(200))
      << "the empty 06-20 cell is skipped, not replaced by a day outside the window";
  EXPECT_EQ(ctx.value().adv[2], Qty{}) << "no volume before the session";
}

TEST(KernelSettings, TheAdvRuleCheckedWithoutAdvDataIsRefused) {
  auto loaded = config::load_string(desk_yaml("  absolute: {band: 0.05}\n"), "kernel test");
  ASSERT_TRUE(loaded.ok());
  config::Settings s = *loaded.settings;
  s.compliance.max_adv_share = 0.1;
  auto ctx = context(s);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("compliance.max_adv_share: off"), std::string::npos)
      << ctx.error().message;
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

// ADV against an oracle on random volume files: random dates (some rows far apart), random empty
// cells, zero volumes, random session dates (before, inside and after the file) and lookbacks.
// The oracle: the rows strictly before the session, the last `lookback` of them, the mean of
// their non-empty cells rounded down to the quantity's raw unit; none: unknown.
TEST(KernelSettings, AdvMatchesAnOracleOnRandomVolumeFiles) {
  std::mt19937_64 rng(2026);
  const std::string path = ::testing::TempDir() + "/kernel_adv_random.csv";
  const char* syms[3] = {"AAPL", "AMZN", "GOOG"};
  int checked = 0, unknown = 0;
  for (int round = 0; round < 300; ++round) {
    const int rows = static_cast<int>(rng() % 40);
    std::vector<std::chrono::sys_days> dates;
    std::vector<std::array<std::optional<std::int64_t>, 3>> cells;  // raw Qty
    std::chrono::sys_days d = std::chrono::sys_days{kSession} - std::chrono::days{30};
    std::ofstream f(path);
    f << "date,AAPL,AMZN" << (round % 5 == 0 ? "" : ",GOOG") << "\n";
    const int width = round % 5 == 0 ? 2 : 3;
    for (int r = 0; r < rows; ++r) {
      d += std::chrono::days{1 + static_cast<int>(rng() % 3)};
      dates.push_back(d);
      f << to_string(CivilDate{d});
      std::array<std::optional<std::int64_t>, 3> row{};
      for (int c = 0; c < width; ++c) {
        f << ",";
        const int kind = static_cast<int>(rng() % 10);
        if (kind == 0) continue;  // empty
        if (kind == 1) {
          f << "NA";
          continue;
        }
        const std::int64_t units = kind == 2 ? 0 : static_cast<std::int64_t>(rng() % 50'000'000);
        const std::int64_t frac = kind == 3 ? static_cast<std::int64_t>(rng() % 1'000'000) : 0;
        f << units;
        if (kind == 3) {
          char b[16];
          std::snprintf(b, sizeof b, ".%06lld", static_cast<long long>(frac));
          f << b;
        }
        row[static_cast<std::size_t>(c)] = units * 1'000'000 + frac;
      }
      f << "\n";
      cells.push_back(row);
    }
    f.close();
    const int lookback = 1 + static_cast<int>(rng() % 25);
    auto loaded = config::load_string(desk_yaml("  absolute: {band: 0.05}\n") +
                                          "market_data: {adv: {path: " + path +
                                          ", lookback_days: " + std::to_string(lookback) + "}}\n",
                                      "kernel test");
    ASSERT_TRUE(loaded.ok());
    auto ctx = context(*loaded.settings);
    ASSERT_TRUE(ctx) << ctx.error().message;
    std::size_t end = 0;
    while (end < dates.size() && dates[end] < std::chrono::sys_days{kSession}) ++end;
    const std::size_t begin = end > static_cast<std::size_t>(lookback) ? end - lookback : 0;
    for (std::size_t c = 0; c < 3; ++c) {
      __int128 sum = 0;
      int n = 0;
      for (std::size_t r = begin; r < end; ++r) {
        if (!cells[r][c]) continue;
        sum += *cells[r][c];
        ++n;
      }
      const Qty expected = n == 0 ? Qty{} : Qty::from_raw(static_cast<std::int64_t>(sum / n));
      ASSERT_EQ(ctx.value().adv[c], expected) << "round " << round << " " << syms[c];
      ASSERT_EQ(ctx.value().adv_days[c], n);
      if (n == 0)
        ++unknown;
      else
        ++checked;
    }
  }
  EXPECT_GT(checked, 300);
  EXPECT_GT(unknown, 50);
}

TEST(KernelSettings, AVolumeFileThatIsNotVolumesIsRefusedNamingFileLineAndSymbol) {
  const std::string path = ::testing::TempDir() + "/kernel_adv_bad.csv";
  std::ofstream(path) << "date,AAPL,AMZN,GOOG\n2012-06-18,100,200,300\n2012-06-19,100,-5,300\n";
  auto loaded = with_adv_file(path);
  ASSERT_TRUE(loaded.ok());
  auto ctx = context(*loaded.settings);
  ASSERT_FALSE(ctx);
  const std::string& m = ctx.error().message;
  EXPECT_NE(m.find("market_data.adv.path"), std::string::npos) << m;
  EXPECT_NE(m.find("kernel_adv_bad.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("AMZN"), std::string::npos) << m;
  EXPECT_NE(m.find("share volume >= 0"), std::string::npos) << m;
}

TEST(KernelSettings, AMissingAdvIsSaidBeforeTrading) {
  const std::string path = ::testing::TempDir() + "/kernel_adv_missing.csv";
  std::ofstream(path) << "date,AAPL,amzn\n2012-05-01,100,200\n";
  auto loaded = with_adv_file(path);
  ASSERT_TRUE(loaded.ok());
  config::Settings s = *loaded.settings;
  s.compliance.max_adv_share = 0.1;
  auto ctx = context(s);
  ASSERT_TRUE(ctx) << ctx.error().message;
  std::string all;
  for (const auto& w : ctx.value().warnings) all += w + "\n";
  EXPECT_NE(all.find("no column 'AMZN'"), std::string::npos) << all;
  EXPECT_NE(all.find("no column 'GOOG'"), std::string::npos) << all;
  EXPECT_NE(all.find("stale volumes"), std::string::npos) << all;
}

TEST(KernelSettings, ZeroIsNotAnAdvShareOffIs) {
  std::string y = desk_yaml("  absolute: {band: 0.05}\n");
  const std::string from = "compliance: {max_adv_share: off, reference_stale_after: 30m}\n";
  y.replace(y.find(from), from.size(), "compliance: {max_adv_share: 0}\n");
  auto loaded = config::load_string(y, "kernel test");
  ASSERT_FALSE(loaded.ok());
  std::string all;
  for (const auto& d : loaded.diagnostics) all += config::format(d) + "\n";
  EXPECT_NE(all.find("compliance.max_adv_share"), std::string::npos) << all;
  EXPECT_NE(all.find("`off`"), std::string::npos) << all;
}

TEST(KernelSettings, ACoreCpuThisProcessMayNotUseIsRefusedBeforeAnythingRuns) {
  EXPECT_TRUE(kernel::check_core_cpu(-1));
  const auto st = kernel::check_core_cpu(CPU_SETSIZE - 1);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("engine.core_cpu"), std::string::npos);
  EXPECT_NE(st.error().message.find("allowed: "), std::string::npos);
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  int cpu = 0;
  while (!CPU_ISSET(static_cast<std::size_t>(cpu), &set)) ++cpu;
  EXPECT_TRUE(kernel::check_core_cpu(cpu));
}

TEST(KernelSettings, ManyReplayedSourcesEachGetAFeedWithoutAbort) {
  // Twelve daily-closes sources: the inbound queue is sized from the settings (it had a fixed 8
  // producers, and the ninth feed aborted the process after the journal was written).
  std::string y = desk_yaml("  absolute: {band: 0.05}\n") + "market_data:\n  sources:\n";
  for (int i = 0; i < 12; ++i) {
    y += "    - {name: c" + std::to_string(i) +
         ", kind: daily_closes, pace: fast, path: " + kCloses + "}\n";
  }
  auto loaded = config::load_string(y, "kernel test");
  ASSERT_TRUE(loaded.ok());
  auto ctx = context(*loaded.settings);
  ASSERT_TRUE(ctx) << ctx.error().message;
  kernel::KernelOptions o = test::small_tables();  // a small desk: quick to build
  o.offline = true;
  o.market = std::move(ctx.value());
  auto k = kernel::Kernel::create(*loaded.settings, std::move(o));
  ASSERT_TRUE(k) << k.error().message;
  std::vector<std::unique_ptr<kernel::Kernel::Feed>> feeds;
  for (int i = 0; i < 14; ++i) feeds.push_back(k.value()->make_feed());
  EXPECT_EQ(feeds.size(), 14u);
}

TEST(KernelSettings, AShutdownCommandEndsTheCoreAndARecoveredRunStartsLive) {
  const std::string dir = ::testing::TempDir() + "/kernel_shutdown_journal";
  std::filesystem::remove_all(dir);
  std::string y = desk_yaml("  absolute: {band: 0.05}\n");
  y.replace(y.find("journal: {enabled: false}\n"),
            std::string("journal: {enabled: false}\n").size(),
            "journal: {dir: " + dir + ", fsync: none, release_after_durable: false}\n");
  auto loaded = config::load_string(y, "kernel test");
  ASSERT_TRUE(loaded.ok());
  auto quote_at = [](std::uint32_t i, int minute) {
    QuoteUpdated q{};
    q.hdr.event_time = us_eastern_to_utc(kSession, 10 * 60 + minute);
    q.instrument = InstrumentId{i};
    q.bid = Price::from_units(100);
    q.ask = Price::from_units(101);
    q.bid_size = q.ask_size = Qty::from_units(100);
    return q;
  };
  for (int run = 0; run < 2; ++run) {
    auto ctx = context(*loaded.settings);
    ASSERT_TRUE(ctx);
    kernel::KernelOptions o = test::small_tables();  // a small desk: quick to build
    o.market_clock = true;
    o.market = std::move(ctx.value());
    auto k = kernel::Kernel::create(*loaded.settings, std::move(o));
    ASSERT_TRUE(k) << k.error().message;
    kernel::Kernel& eng = *k.value();
    ASSERT_TRUE(eng.start());
    // Recovery counted the earlier run's quote: count from here.
    const std::uint64_t before = eng.live().quotes.value();
    auto feed = eng.make_feed();
    feed->push(quote_at(0, run));
    EXPECT_TRUE(eventually([&] { return eng.live().quotes.value() > before; }))
        << "run " << run << ": the core takes inputs (a journaled shutdown of the run before "
        << "must not stop a recovered run)";
    EXPECT_FALSE(eng.core_finished());
    eng.control(ControlAction::kShutdown);
    EXPECT_TRUE(eventually([&] { return eng.core_finished(); })) << "run " << run;
    eng.stop();
  }
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

// execution.volume_profile: every instrument's own rows, loaded in one pass. VWAP needs a
// profile for every instrument (refused naming the symbol otherwise); TWAP and POV do not read it.
TEST(KernelSettings, VolumeProfilesPerInstrumentAndWhoNeedsThem) {
  const std::string shipped = std::string(BALLAST_SOURCE_DIR) +
                              "/data/volume_profiles/nasdaq_2012-06-21_aapl_amzn_goog_30min.csv";
  const std::string partial = ::testing::TempDir() + "/kernel_profile_no_goog.csv";
  {
    std::ifstream in(shipped);
    std::ofstream out(partial);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("GOOG,", 0) != 0) out << line << "\n";
    }
  }
  auto with = [&](const std::string& algo, const std::string& path) {
    auto loaded = config::load_string(
        desk_yaml("  absolute: {band: 0.05}\n", 0, ", algo: " + algo + ", volume_profile: " + path),
        "kernel test");
    EXPECT_TRUE(loaded.ok());
    return context(*loaded.settings);
  };
  auto all = with("vwap", shipped);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all.value().profiles.size(), 3u);
  // AAPL's and GOOG's shapes differ: each instrument has its own.
  EXPECT_NE(all.value().profiles[0].cumulative(600), all.value().profiles[2].cumulative(600));
  auto vwap = with("vwap", partial);
  ASSERT_FALSE(vwap);
  EXPECT_NE(vwap.error().message.find("'GOOG'"), std::string::npos) << vwap.error().message;
  for (const char* algo : {"twap", "pov"}) {
    auto ok = with(algo, partial);
    ASSERT_TRUE(ok) << algo << ": " << ok.error().message;
    EXPECT_TRUE(ok.value().profiles.empty()) << algo;
  }
}

}  // namespace
}  // namespace ballast
