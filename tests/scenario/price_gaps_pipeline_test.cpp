// Issue 13, items 4 and 5, through the whole in-process pipeline (market data -> drift monitor ->
// rebalancer -> slicing engine -> compliance gate -> order manager -> broker stand-in -> fills ->
// book): the kernel `ballast run` builds (Settings from YAML, a market context given in code),
// offline on the market clock in simulated time, the broker stand-in outside it:
//  - an account that triggers while an instrument of its model has not quoted yet (09:30) must
//    not abort (it did: lot rounding's invariant on a zero price); the rebalance waits for the
//    price up to DriftMonitor::Options::price_wait, then trades without it and says so in the
//    why-record; the instrument's first price brings the rebalance that buys it;
//  - a new, funded account that holds only cash invests;
//  - a property test: random desks (random models; accounts cash-only, empty, in debt, overdrawn,
//    holding instruments outside their model; instruments that never quote, quote late, stop
//    quoting; quotes before the open, in random order, some crossed or zero) never abort, every
//    account whose prices are all there is evaluated, cash-only accounts invest, and every
//    why-record names exactly the instruments left out for want of a price.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "ballast/execution/rebalancer.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/kernel_test_desk.hpp"
#include "support/kernel_test_support.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using namespace test;
using std::chrono::seconds;

/// Checks every why-record when its trigger is emitted (before any fill of the orders it starts
/// comes back): a line is marked excluded exactly when the account does not hold the instrument,
/// it is not restricted, and it has no fresh price now.
struct WhyCheck {
  const kernel::Kernel& k;
  std::vector<RebalanceTriggered> fired;
  std::map<std::uint32_t, std::set<std::uint32_t>> excluded_by_account;  // with a target > 0
  std::uint64_t excluded_lines = 0;
  std::uint64_t mismatches = 0;
  void on_events(const std::vector<Event>& events, Timestamp now) {
    for (const Event& e : events) {
      if (const auto* r = std::get_if<RebalanceTriggered>(&e)) check(*r, now);
    }
  }
  void check(const RebalanceTriggered& r, Timestamp now) {
    const PortfolioBook& book = k.book();
    const MarketState& market = k.market();
    fired.push_back(r);
    const auto why = k.monitor().why(r.why_id);
    const std::uint32_t first = book.first_slot(r.account);
    const std::uint32_t n = book.slot_count(r.account);
    if (why.size() != n + 1) {
      ++mismatches;
      ADD_FAILURE() << "why-record of trigger " << r.why_id << " has " << why.size() << " lines";
      return;
    }
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t s = first + k;
      const InstrumentId inst = book.slot_instrument(s);
      WhyExclusion want = WhyExclusion::kNone;
      if (book.slot_qty_raw(s) == 0 && !(book.slot_flags(s) & kSlotRestricted) &&
          !market.is_fresh(inst, now)) {
        want = market.has_mark(inst) ? WhyExclusion::kStalePrice : WhyExclusion::kNoPrice;
      }
      if (why[k].instrument != inst || why[k].excluded != want) {
        ++mismatches;
        ADD_FAILURE() << "account " << r.account.value << " instrument " << inst.value
                      << ": why says " << to_string(why[k].excluded) << ", expected "
                      << to_string(want);
      }
      if (want != WhyExclusion::kNone) {
        ++excluded_lines;
        if (book.slot_target(s) > 0) excluded_by_account[r.account.value].insert(inst.value);
      }
      // A held instrument always has a fresh price when its account fires.
      if (book.slot_qty_raw(s) != 0 && !market.is_fresh(inst, now)) {
        ++mismatches;
        ADD_FAILURE() << "account " << r.account.value << " fired with held instrument "
                      << inst.value << " unpriced";
      }
    }
  }
};

/// The compliance settings of these desks: references as old as the marks may be, and rate,
/// open-order and duplicate limits out of the way (the desks send at most a few hundred small
/// orders in a second; the gate keeps a ring as long as each rate limit).
std::string compliance(const std::string& stale) {
  return "compliance: {reference_stale_after: " + stale +
         ", max_orders_per_second: 5000, max_open_orders_per_instrument: 1000, "
         "duplicate_window: 0s, kill_switch: {order_rate_runaway: 10000}}\n";
}

/// Slices a minute apart over 5 minutes; buys wait for the sales that fund them.
/// (An offline kernel sends nothing through the outbound queue: a small one is quicker to make
/// for each of the many desks.)
const char* const kExecution =
    "execution: {horizon: 5m, interval: 1m, min_child_qty: 1, cash_allowance: 0}\n"
    "engine: {queue_capacity: {outbound: 1024}}\n"
    "journal: {enabled: false}\n";

Eigen::MatrixXd covariance(std::size_t n) {
  Eigen::MatrixXd c =
      Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n), 0.01);
  for (std::size_t i = 0; i < n; ++i)
    c(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i)) = 0.02 + 0.01 * (i % 4);
  return c;
}

/// One desk's kernel (as `run` builds it from `yaml`; ADV 10^9 shares: the ADV rule is checked
/// and never binds; working tables sized for one test desk: 120 of them are built), the broker
/// stand-in and the why-record check on every trigger.
struct Pipeline {
  std::unique_ptr<kernel::Kernel> kernel;
  std::unique_ptr<InstantBrokerDriver> driver;
  std::unique_ptr<WhyCheck> why;
  Timestamp now{};

  explicit Pipeline(const std::string& yaml) {
    const auto s = settings_of(yaml, "price gaps desk");
    if (!s) return;
    auto k = offline_kernel(*s, context_of(covariance(s->instruments.size()), qty("1000000000")),
                            small_tables());
    if (!k) {
      ADD_FAILURE() << k.error().message;
      return;
    }
    kernel = std::move(k.value());
    driver = std::make_unique<InstantBrokerDriver>(*kernel);
    why = std::make_unique<WhyCheck>(WhyCheck{*kernel, {}, {}, 0, 0});
    driver->after_input = [w = why.get()](const std::vector<Event>& e, Timestamp t) {
      w->on_events(e, t);
    };
  }
  bool ok() const { return kernel != nullptr; }
  const kernel::Kernel& k() const { return *kernel; }
  /// Fires every timer due up to t, then feeds e at t.
  void at(Timestamp t, const Event& e) {
    driver->at(t, e);
    now = t;
  }
  void run_timers(Timestamp until) {
    driver->run_until(until);
    now = until;
  }
};

/// The SPY/AGG desk of one 60/40 account (`position` and `cash` its opening holdings): an
/// absolute band of 5 points re-armed at 80 %, no other trigger or gate.
std::string sixty_forty(const std::string& position, const std::string& cash) {
  return spy_agg_desk_head("0s", "0.8", "5000") +
         "models:\n"
         "  - {id: m6040, weights: {SPY: 0.6, AGG: 0.4}}\n"
         "accounts:\n"
         "  - {id: ACC, model: m6040, cash: " +
         cash + ", positions: {" + position + "}}\n" + compliance("24h") + kExecution;
}

/// An account holding SPY and cash; AGG first quotes at `agg_opens`.
void late_agg(Timestamp agg_opens) {
  // Was: `invariant failed ... lot_rounding.cpp: lot rounding needs positive prices` (abort) as
  // soon as SPY's first tick made the account fire with AGG unquoted.
  Pipeline p(sixty_forty("SPY: 30", "7000"));  // SPY 30 at ~100, cash 7000
  ASSERT_TRUE(p.ok());
  const kernel::Kernel& k = p.k();
  const AccountId acct = k.accounts().at(0);
  const InstrumentId spy = k.instruments().find("SPY");
  const InstrumentId agg = k.instruments().find("AGG");
  // SPY quotes from 09:30 every 10 s.
  for (Timestamp t = ny(9, 30); t < ny(10, 0); t += seconds(10)) {
    const bool flick = ((t - ny(9, 30)) / seconds(10)) % 2 == 1;
    p.at(t, quote(spy, flick ? "99.99" : "100.00", flick ? "100.01" : "100.02", t));
    if (t >= agg_opens) p.at(t, quote(agg, "49.99", "50.01", t));
  }
  p.run_timers(ny(10, 10));
  ASSERT_GE(p.why->fired.size(), 2u);
  // First: at 09:31 (the kernel's price_wait, 60 s after 09:30), AGG excluded, named in the
  // why-record.
  const RebalanceTriggered& first = p.why->fired[0];
  EXPECT_EQ(first.account, acct);
  EXPECT_EQ(first.hdr.event_time, ny(9, 31));
  const auto why = k.monitor().why(first.why_id);
  ASSERT_EQ(why.size(), 3u);
  EXPECT_EQ(why[1].instrument, agg);
  EXPECT_EQ(why[1].excluded, WhyExclusion::kNoPrice);
  EXPECT_EQ(k.monitor().counters().waiting_price, 1u);
  EXPECT_GE(k.rebalancer().counters().excluded, 1u);
  EXPECT_EQ(k.rebalancer().counters().skipped_no_price, 0u);
  // Then, after AGG's first price, the rebalance that buys it.
  EXPECT_GE(p.why->fired[1].hdr.event_time, agg_opens);
  EXPECT_EQ(p.why->mismatches, 0u);
  EXPECT_GT(k.book().position(acct, agg), Qty{}) << "AGG bought once it had a price";
  EXPECT_GT(k.book().position(acct, spy), qty("30")) << "SPY bought at 09:31 without waiting";
  const auto f = k.monitor().figures(acct, p.now);
  ASSERT_TRUE(f.complete);
  EXPECT_LT(f.max_abs, 0.05);
  EXPECT_GE(k.book().cash(acct), Money{});
  // Nothing was sent before 09:31, and no AGG order before AGG's first price.
  for (const SubmitOrder& o : p.driver->received) {
    EXPECT_GE(o.hdr.event_time, ny(9, 31));
    if (o.instrument == agg) {
      EXPECT_GE(o.hdr.event_time, agg_opens);
    }
  }
}

TEST(PriceGapsPipeline, AnAccountTriggeringBeforeAModelInstrumentQuotesWaitsThenTradesWithoutIt) {
  late_agg(ny(9, 40));  // after the 09:31 rebalance's orders are done
}

TEST(PriceGapsPipeline, ALateInstrumentQuotingWhileTheFirstRebalanceStillWorksIsBoughtAfterIt) {
  // AGG's price re-arms the account at 09:32 while the 09:31 parents (5 min TWAP) still work: the
  // trigger the rebalancer must skip re-arms the account, so AGG is bought once they finish.
  late_agg(ny(9, 32));
}

TEST(PriceGapsPipeline, ANewFundedCashOnlyAccountInvestsToItsTargets) {
  Pipeline p(sixty_forty("", "1000000"));
  ASSERT_TRUE(p.ok());
  const kernel::Kernel& k = p.k();
  const AccountId acct = k.accounts().at(0);
  const InstrumentId spy = k.instruments().find("SPY");
  const InstrumentId agg = k.instruments().find("AGG");
  for (Timestamp t = ny(9, 30); t < ny(9, 50); t += seconds(10)) {
    const bool flick = ((t - ny(9, 30)) / seconds(10)) % 2 == 1;
    p.at(t, quote(spy, flick ? "99.99" : "100.00", flick ? "100.01" : "100.02", t));
    p.at(t, quote(agg, "49.99", "50.01", t));
  }
  p.run_timers(ny(10, 0));
  ASSERT_GE(p.why->fired.size(), 1u) << "a cash-only account must be evaluated and trigger";
  EXPECT_EQ(p.why->fired[0].hdr.event_time, ny(9, 30));
  const auto f = k.monitor().figures(acct, p.now);
  ASSERT_TRUE(f.complete);
  EXPECT_LT(f.max_abs, 0.05) << "invested to within the band";
  EXPECT_GT(k.book().position(acct, spy), qty("5000"));
  EXPECT_GT(k.book().position(acct, agg), qty("7000"));
  EXPECT_EQ(p.why->mismatches, 0u);
}

// ------------------------------------------------------------------------------------------
// Property test

enum class Kind { kCashOnly, kEmpty, kHolder, kOverdrawn, kInDebt };

struct DeskStats {
  std::size_t desks = 0, accounts = 0, cash_only = 0, cash_only_invested = 0, checked = 0;
  std::size_t triggers = 0, excluded = 0, waits = 0, never_quoted = 0;
};

std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

void run_random_desk(std::uint64_t seed, DeskStats& stats) {
  std::mt19937_64 rng(seed);
  auto uni = [&](std::uint64_t lo, std::uint64_t hi) { return lo + rng() % (hi - lo + 1); };
  const std::size_t n = uni(3, 8);
  const std::string stale = rng() % 2 ? "3m" : "1h";
  // The desk as a configuration file: `run` reads nothing else. (The rebalance's wait for a
  // price is the kernel's, 60 s: price_wait is not a configuration key.)
  std::string yaml = "instruments:\n";
  for (std::size_t i = 0; i < n; ++i) yaml += "  - {symbol: I" + std::to_string(i) + "}\n";
  yaml += "market_data_quality: {stale_after: " + stale + ", max_move_bps: 5000, mark: mid}\n";

  // Instruments: a price path each, some never quoted, some late, some that stop.
  const Timestamp day = ny(9, 0);
  const Timestamp end = ny(11, 30);
  struct Tick {
    Timestamp t;
    QuoteUpdated q;
  };
  std::vector<Tick> ticks;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (rng() % 100 < 15) {
      ++stats.never_quoted;
      continue;  // never quoted
    }
    std::int64_t cents = static_cast<std::int64_t>(uni(500, 50'000));
    Timestamp t = day + seconds(uni(0, 90 * 60));  // 09:00-10:30: before and after the open
    const Timestamp stop = rng() % 100 < 20 ? t + seconds(uni(60, 3600)) : end;
    while (t < stop && t < end) {
      QuoteUpdated qu{};
      qu.hdr.event_time = t;
      qu.instrument = InstrumentId{i};
      const int kind = static_cast<int>(rng() % 100);
      qu.bid = Price{(cents - 1) * 10'000'000};
      qu.ask = Price{(cents + 1) * 10'000'000};
      qu.bid_size = qu.ask_size = qty("100");
      if (kind == 0) std::swap(qu.bid, qu.ask);  // crossed: held back
      if (kind == 1) qu.bid = Price{};           // zero: held back
      if (kind == 2) qu.ask_size = Qty{};        // one-sided: held back
      ticks.push_back({t, qu});
      cents = std::max<std::int64_t>(200, cents + static_cast<std::int64_t>(rng() % 41) - 20);
      t += seconds(uni(5, 60));
    }
  }
  // Random order among equal times.
  std::shuffle(ticks.begin(), ticks.end(), rng);
  std::stable_sort(ticks.begin(), ticks.end(),
                   [](const Tick& a, const Tick& b) { return a.t < b.t; });

  // Models: random subsets with weights >= 0.05 and a small cash weight.
  const std::size_t n_models = uni(1, 3);
  std::vector<std::vector<std::uint32_t>> model_instruments(n_models);
  yaml += "models:\n";
  for (std::size_t m = 0; m < n_models; ++m) {
    std::vector<std::uint32_t> ids(n);
    for (std::uint32_t i = 0; i < n; ++i) ids[i] = i;
    std::shuffle(ids.begin(), ids.end(), rng);
    const std::size_t k = uni(1, std::min<std::size_t>(n, 6));
    const double cash_weight = static_cast<double>(rng() % 3) * 0.02;
    std::vector<double> raw(k);
    double sum = 0;
    for (auto& r : raw) sum += (r = 1.0 + static_cast<double>(rng() % 4));
    double used = 0;
    yaml += "  - id: M" + std::to_string(m) + "\n    cash_buffer: " + num(cash_weight) +
            "\n    weights: {";
    for (std::size_t j = 0; j < k; ++j) {
      model_instruments[m].push_back(ids[j]);
      const double w = j + 1 < k ? raw[j] / sum * (1.0 - cash_weight) : 1.0 - cash_weight - used;
      yaml += (j ? ", I" : "I") + std::to_string(ids[j]) + ": " + num(w);
      used += w;
    }
    yaml += "}\n";
  }
  // Accounts of every kind. Opening values use a nominal 100 a share: the marks come later.
  const std::size_t n_accounts = uni(10, 25);
  std::vector<Kind> kinds;
  yaml += "accounts:\n";
  for (std::size_t a = 0; a < n_accounts; ++a) {
    const auto kind = static_cast<Kind>(rng() % 5);
    const std::size_t m = rng() % n_models;
    const auto& model = model_instruments[m];
    const bool scheduled = rng() % 2 == 1;
    std::vector<std::pair<std::uint32_t, std::int64_t>> positions;
    std::int64_t held_units = 0;
    if (kind == Kind::kHolder || kind == Kind::kOverdrawn || kind == Kind::kInDebt) {
      for (auto inst : model) {
        if (rng() % 3 == 0) continue;
        const auto u = static_cast<std::int64_t>(uni(1, 500));
        positions.emplace_back(inst, u);
        held_units += u;
      }
      if (rng() % 4 == 0) {  // an instrument outside the model
        const auto other = static_cast<std::uint32_t>(rng() % n);
        bool in = false;
        for (const auto& [i, q] : positions) in = in || i == other;
        for (auto i : model) in = in || i == other;
        if (!in) positions.emplace_back(other, static_cast<std::int64_t>(uni(1, 50)));
      }
    }
    std::int64_t cash = 0;
    switch (kind) {
      case Kind::kCashOnly:
        cash = static_cast<std::int64_t>(uni(50'000, 2'000'000));
        break;
      case Kind::kEmpty:
        break;
      case Kind::kHolder:
        cash = static_cast<std::int64_t>(uni(0, 50'000));
        break;
      case Kind::kOverdrawn:
        cash = -held_units * 10;  // about -10 % of the holding's value
        break;
      case Kind::kInDebt:
        cash = -held_units * 100'000;  // far below any value held
        break;
    }
    yaml += "  - id: A" + std::to_string(a) + "\n    model: M" + std::to_string(m) +
            "\n    cash: " + std::to_string(cash) + "\n";
    if (!positions.empty()) {
      yaml += "    positions: {";
      for (std::size_t j = 0; j < positions.size(); ++j) {
        yaml += (j ? ", I" : "I") + std::to_string(positions[j].first) + ": " +
                std::to_string(positions[j].second);
      }
      yaml += "}\n";
    }
    const bool restricted = rng() % 10 == 0 && model.size() > 1;
    if (restricted || scheduled) yaml += "    overrides:\n";
    if (restricted) yaml += "      restricted: [I" + std::to_string(model[0]) + "]\n";
    // The second trigger profile: also a daily calendar at 09:45 and cash flows.
    if (scheduled) {
      yaml +=
          "      triggers:\n"
          "        calendar: {enabled: true, frequency: daily, at: \"09:45\", hybrid: false}\n"
          "        cash_flow: {enabled: true, nav_share: 0.02}\n";
    }
    kinds.push_back(kind);
  }
  // The drift profile every account has: a band; no cash-flow, calendar or cost gate.
  const std::string cools[] = {"0s", "2m", "10m"};
  yaml +=
      "triggers:\n"
      "  absolute: {band: " +
      num(0.05 + 0.01 * static_cast<double>(rng() % 5)) +
      "}\n"
      "  relative: {enabled: false}\n"
      "  cash_flow: {enabled: false}\n"
      "  cost_benefit: {enabled: false}\n"
      "  calendar: {enabled: false}\n"
      "  cool_down: " +
      cools[rng() % 3] +
      "\n"
      "  rearm_fraction: 0.8\n";  // default trading hours: 09:30-16:00 New York
  yaml += compliance(stale) + kExecution;

  Pipeline p(yaml);
  ASSERT_TRUE(p.ok()) << "seed " << seed << ":\n" << yaml;
  const kernel::Kernel& k = p.k();
  const PortfolioBook& book = k.book();
  // Cash flows now and then (deposits and withdrawals) into random accounts.
  std::size_t next_flow = 0;
  std::vector<Timestamp> flow_times;
  for (int f = 0; f < 4; ++f) flow_times.push_back(day + seconds(uni(0, 150 * 60)));
  std::sort(flow_times.begin(), flow_times.end());
  for (const Tick& tk : ticks) {
    while (next_flow < flow_times.size() && flow_times[next_flow] <= tk.t) {
      CashFlowReceived cf{};
      cf.hdr.event_time = flow_times[next_flow];
      cf.account = k.accounts().at(rng() % n_accounts);
      cf.amount = Money::from_units(static_cast<std::int64_t>(uni(0, 200'000)) - 50'000);
      p.at(flow_times[next_flow], cf);
      ++next_flow;
    }
    p.at(tk.t, tk.q);
  }
  p.run_timers(ny(11, 45));
  const Timestamp now = p.now;

  // Invariants.
  EXPECT_EQ(p.why->mismatches, 0u) << "seed " << seed;
  EXPECT_EQ(k.rebalancer().counters().skipped_no_price, 0u)
      << "seed " << seed << ": the monitor fired an account the rebalancer could not price";
  EXPECT_EQ(k.monitor().counters().excluded, p.why->excluded_lines) << "seed " << seed;
  EXPECT_EQ(k.monitor().counters().triggers, p.why->fired.size()) << "seed " << seed;
  std::vector<std::size_t> fired(n_accounts, 0);
  for (const auto& e : p.why->fired) ++fired[e.account.value];
  for (std::uint32_t a = 0; a < n_accounts; ++a) {
    const AccountId acct = k.accounts().at(a);
    const DriftFigures f = k.monitor().figures(acct, now);
    // Every price the account needs (held, or targeted and not restricted) is fresh now.
    bool all_priced = true, any_target_priced = false;
    for (std::uint32_t j = 0; j < book.slot_count(acct); ++j) {
      const std::uint32_t s = book.first_slot(acct) + j;
      const InstrumentId inst = book.slot_instrument(s);
      const bool needed = book.slot_qty_raw(s) != 0 ||
                          (book.slot_target(s) > 0 && !(book.slot_flags(s) & kSlotRestricted));
      const bool fresh = k.market().is_fresh(inst, now);
      if (needed && !fresh) all_priced = false;
      if (book.slot_target(s) > 0 && fresh) any_target_priced = true;
    }
    if (!f.nav_ok) continue;  // no NAV: never weighed
    if (all_priced) {
      ++stats.checked;
      ASSERT_TRUE(f.complete) << "seed " << seed << " account " << a;
      // Evaluated: either in band now, or it fired at least once (was never left out).
      const double band = k.monitor().profile(acct).absolute.band;
      EXPECT_TRUE(fired[acct.value] > 0 || f.max_abs <= band * (1 + 1e-9))
          << "seed " << seed << " account " << a << ": max drift " << f.max_abs
          << " and never triggered";
    }
    if (kinds[a] == Kind::kCashOnly && any_target_priced) {
      ++stats.cash_only;
      // A funded account invests once one of its instruments has a price (at most price_wait
      // later; a restricted instrument has no target).
      bool holds = false;
      for (std::uint32_t j = 0; j < book.slot_count(acct); ++j)
        holds = holds || book.slot_qty_raw(book.first_slot(acct) + j) != 0;
      stats.cash_only_invested += holds;
      EXPECT_TRUE(holds) << "seed " << seed << " cash-only account " << a << " never invested";
    }
  }
  // Never an order for an account's restricted instrument, and the gate counted every order the
  // broker received.
  for (const SubmitOrder& o : p.driver->received) {
    const std::uint32_t first = book.first_slot(o.account);
    for (std::uint32_t j = 0; j < book.slot_count(o.account); ++j) {
      if (book.slot_instrument(first + j) == o.instrument) {
        EXPECT_FALSE(book.slot_flags(first + j) & kSlotRestricted) << "seed " << seed;
      }
    }
  }
  EXPECT_EQ(k.gate().counters().submitted, p.driver->received.size()) << "seed " << seed;
  ++stats.desks;
  stats.accounts += n_accounts;
  stats.triggers += p.why->fired.size();
  stats.excluded += p.why->excluded_lines;
  stats.waits += k.monitor().counters().waiting_price;
}

TEST(PriceGapsPipeline, RandomDesksNeverAbortAndEveryPricedAccountIsEvaluated) {
  DeskStats stats;
  const auto desks = static_cast<std::uint64_t>(test::scaled_cases(120));
  for (std::uint64_t seed = 1; seed <= desks; ++seed) {
    run_random_desk(seed, stats);
    if (::testing::Test::HasFatalFailure()) break;
  }
  std::printf(
      "%zu desks, %zu accounts (%zu checked with every price), %zu cash-only with a price, %zu "
      "invested; %zu triggers, %zu lines excluded, %zu waits, %zu instruments never quoted\n",
      stats.desks, stats.accounts, stats.checked, stats.cash_only, stats.cash_only_invested,
      stats.triggers, stats.excluded, stats.waits, stats.never_quoted);
  // Thresholds per desk run (120 in a plain build, 30 under a sanitizer).
  EXPECT_GT(stats.checked, desks * 2);
  EXPECT_GT(stats.cash_only, desks * 5 / 6);
  EXPECT_GT(stats.excluded, desks / 12) << "the random desks must actually leave instruments out";
  EXPECT_GT(stats.waits, desks / 12);
}

}  // namespace
}  // namespace ballast
