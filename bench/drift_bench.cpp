// Drift monitor benchmark (issue 3): a universe of 100 instruments, accounts of 20 holdings.
//   - per-tick update throughput: account-position updates per second (one update = an account's
//     position revalued, its NAV updated, its 20-holding drift recomputed and its triggers
//     checked), on one core;
//   - full-sweep time: every account's drift recomputed from scratch;
//   - memory per account (book: accounts, slots, index);
// for 10^4, 10^5 and 10^6 accounts. Baselines in the same run, on the same book: the monitor with
// its NAV-interval fast path off (every touched account evaluated in full), and the naive
// per-tick approach (a full sweep of every account after each tick).
// Targets: >= 10M account-position updates/s; 10^6-account sweep < 1 s; <= 1 KiB per account.
//
// Usage: drift_bench [--accounts N[,N...]] [--ticks N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ballast/core/instrument.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/market_data_filter.hpp"
#include "bench_support.hpp"

namespace {

using namespace ballast;
using Clock = std::chrono::steady_clock;

constexpr int kInstruments = 100;
constexpr int kHoldings = 20;
constexpr int kModels = 50;

struct BenchResult {
  std::size_t accounts;
  double full_eval_updates_per_s;  // baseline: every touched account evaluated in full
  double updates_per_s;
  double ticks_per_s;
  double sweep_s;
  double naive_ticks_per_s;
  double bytes_per_account;
  std::uint64_t triggers;
};

BenchResult run(std::size_t n_accounts, std::size_t n_ticks) {
  std::mt19937_64 rng(42);
  MarketDataQualityConfig q;
  q.stale_after = std::chrono::hours(24);
  q.max_move_bps = 1'000;
  q.mark = MarkPolicy::kMid;
  MarketState market(kInstruments, q);
  PortfolioBook book(kInstruments);
  book.reserve(n_accounts, n_accounts * kHoldings);

  const Timestamp t0{1'700'000'000'000'000'000};
  std::vector<std::int64_t> price_cents(kInstruments);
  Outbox out;
  for (int i = 0; i < kInstruments; ++i) {
    price_cents[static_cast<std::size_t>(i)] = 2'000 + static_cast<std::int64_t>(rng() % 40'000);
    QuoteUpdated qu{};
    qu.instrument = InstrumentId{static_cast<std::uint32_t>(i)};
    qu.bid = qu.ask = Price{price_cents[static_cast<std::size_t>(i)] * 10'000'000};
    qu.bid_size = qu.ask_size = Qty::from_units(100);
    qu.hdr.event_time = t0;
    (void)market.on_quote(qu, t0, out);
  }
  // Models: 20 distinct instruments each, equal-ish random weights summing to 1 - cash.
  for (int m = 0; m < kModels; ++m)
    (void)book.add_model(bench::random_model(rng, m, kInstruments, kHoldings)).value();
  // Accounts at their targets (whole shares), NAV 50k..500k.
  for (std::size_t a = 0; a < n_accounts; ++a) {
    const auto m = static_cast<std::uint32_t>(rng() % kModels);
    const Model& model = book.model(ModelId{m});
    AccountSpec s;
    s.key = "A" + std::to_string(a);
    s.model = ModelId{m};
    const double nav = 50'000.0 + static_cast<double>(rng() % 450'000);
    double invested = 0;
    for (std::size_t k = 0; k < model.instruments.size(); ++k) {
      const double px = static_cast<double>(price_cents[model.instruments[k].value]) / 100.0;
      const auto shares = static_cast<std::int64_t>(model.weights[k] * nav / px);
      s.positions.push_back({model.instruments[k], Qty::from_units(shares)});
      invested += static_cast<double>(shares) * px;
    }
    s.cash = Money::from_double(nav - invested, Rounding::kHalfEven).value();
    (void)book.add_account(s, market).value();
  }
  TriggerConfig trig;
  trig.absolute = {true, 0.05};
  trig.relative = {false, 0.25};
  trig.cash_flow.enabled = false;
  trig.cost_benefit.enabled = false;
  trig.cool_down = std::chrono::minutes(15);
  trig.trading_hours.start = TimeOfDay{0};
  trig.trading_hours.end = TimeOfDay{24 * 60};
  DriftMonitor mon(book, market, {trig}, nullptr, {.why_log_lines = 1 << 16});
  DriftMonitor full(book, market, {trig}, nullptr, {.why_log_lines = 1 << 16, .fast_path = false});
  // The market state's writer, before the monitor as in the kernel's chain (a tick's cost is the
  // filter's and the monitor's together, as it was when the monitor wrote the marks).
  MarketDataFilter filter(market);

  // Pre-generate ticks: a random instrument moves by -3..+3 cents (no allocation in the loop).
  std::vector<QuoteUpdated> ticks(n_ticks);
  Timestamp t = t0;
  for (auto& qu : ticks) {
    const auto i = static_cast<std::size_t>(rng() % kInstruments);
    price_cents[i] += static_cast<std::int64_t>(rng() % 7) - 3;
    if (price_cents[i] < 100) price_cents[i] = 100;
    t += std::chrono::microseconds(10);
    qu = QuoteUpdated{};
    qu.hdr.event_time = t;
    qu.instrument = InstrumentId{static_cast<std::uint32_t>(i)};
    qu.bid = qu.ask = Price{price_cents[i] * 10'000'000};
    qu.bid_size = qu.ask_size = Qty::from_units(100);
  }
  // Baseline first (full evaluation of every touched account) on the first part of the walk,
  // then the monitor as configured on the rest; both after a warm-up of 50 ticks.
  auto measure = [&](DriftMonitor& m, std::size_t from, std::size_t to) {
    out.clear();
    for (std::size_t k = from; k < from + 50; ++k) {
      filter.on_event(ticks[k], ticks[k].hdr.event_time, out);
      m.on_event(ticks[k], ticks[k].hdr.event_time, out);
      out.clear();
    }
    const auto before = m.counters().account_updates;
    const auto c0 = Clock::now();
    for (std::size_t k = from + 50; k < to; ++k) {
      filter.on_event(ticks[k], ticks[k].hdr.event_time, out);
      m.on_event(ticks[k], ticks[k].hdr.event_time, out);
      out.clear();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - c0).count();
    return std::pair{static_cast<double>(m.counters().account_updates - before) / secs,
                     static_cast<double>(to - from - 50) / secs};
  };
  const std::size_t split = n_ticks / 4;
  const auto [full_ups, full_tps] = measure(full, 0, split);
  (void)full_tps;
  const auto [ups, tps] = measure(mon, split, n_ticks);

  const auto s0 = Clock::now();
  const std::size_t complete = mon.sweep(t);
  const double sweep_s = std::chrono::duration<double>(Clock::now() - s0).count();
  if (complete != n_accounts)
    std::fprintf(stderr, "warning: %zu incomplete accounts\n", n_accounts - complete);

  // Baseline: naive per-tick full sweep (every account recomputed after each tick).
  const std::size_t naive_ticks = std::max<std::size_t>(3, 2'000'000 / n_accounts);
  const auto n0 = Clock::now();
  for (std::size_t k = 0; k < naive_ticks; ++k) (void)mon.sweep(t);
  const double naive_dt = std::chrono::duration<double>(Clock::now() - n0).count();

  BenchResult r;
  r.accounts = n_accounts;
  r.full_eval_updates_per_s = full_ups;
  r.updates_per_s = ups;
  r.ticks_per_s = tps;
  r.sweep_s = sweep_s;
  r.naive_ticks_per_s = static_cast<double>(naive_ticks) / naive_dt;
  r.bytes_per_account = static_cast<double>(book.memory_bytes()) / static_cast<double>(n_accounts);
  r.triggers = mon.counters().triggers;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {10'000, 100'000, 1'000'000};
  std::size_t ticks = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--accounts" && i + 1 < argc) {
      sizes.clear();
      std::string list = argv[++i];
      std::size_t pos = 0;
      while (pos < list.size()) {
        const auto comma = list.find(',', pos);
        sizes.push_back(std::strtoull(list.substr(pos, comma - pos).c_str(), nullptr, 10));
        pos = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (a == "--ticks" && i + 1 < argc) {
      ticks = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: drift_bench [--accounts N[,N...]] [--ticks N]\n");
      return 2;
    }
  }
  std::printf("drift monitor: %d instruments, %d holdings per account, one core\n", kInstruments,
              kHoldings);
  std::printf("%10s %14s %14s %10s %10s %14s %10s %9s\n", "accounts", "updates/s", "full-eval u/s",
              "ticks/s", "sweep s", "naive ticks/s", "B/account", "triggers");
  bool ok = true;
  for (std::size_t n : sizes) {
    // Each tick touches ~n/5 accounts; keep the measured work near 2e7 updates per size.
    const std::size_t n_ticks = ticks ? ticks : std::max<std::size_t>(400, 200'000'000 / n);
    const BenchResult r = run(n, n_ticks);
    std::printf("%10zu %14.0f %14.0f %10.0f %10.4f %14.2f %10.0f %9llu\n", r.accounts,
                r.updates_per_s, r.full_eval_updates_per_s, r.ticks_per_s, r.sweep_s,
                r.naive_ticks_per_s, r.bytes_per_account,
                static_cast<unsigned long long>(r.triggers));
    const bool u = r.updates_per_s >= 10e6;
    const bool m = r.bytes_per_account <= 1024;
    const bool s = n < 1'000'000 || r.sweep_s < 1.0;
    std::printf(
        "  targets: updates >= 10M/s %s, <= 1 KiB/account %s%s; incremental is %.0fx the "
        "naive per-tick sweep\n",
        u ? "MET" : "MISSED", m ? "MET" : "MISSED",
        n >= 1'000'000 ? (s ? ", 10^6 sweep < 1 s MET" : ", 10^6 sweep < 1 s MISSED") : "",
        r.ticks_per_s / r.naive_ticks_per_s);
    ok = ok && u && m && s;
  }
  return ok ? 0 : 1;
}
