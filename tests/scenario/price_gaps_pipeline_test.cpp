// Issue 13, items 4 and 5, through the whole in-process pipeline (market data -> drift monitor ->
// rebalancer -> slicing engine -> compliance gate -> order manager -> broker stand-in -> fills ->
// book) in the real core loop with simulated time:
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

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/execution/rebalancer.hpp"
#include "ballast/risk/compliance.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using namespace test;
using std::chrono::seconds;

/// Fills every order at once at its limit.
struct InstantBroker {
  std::vector<SubmitOrder> received;
  std::uint64_t exec_seq = 0;
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    const auto* s = std::get_if<SubmitOrder>(&e);
    if (s == nullptr) return;
    received.push_back(*s);
    ExecutionReported r{};
    r.hdr.event_time = now;
    r.order = s->order;
    r.session = s->session;
    r.side = s->side;
    r.exec_type = ExecType::kTrade;
    r.status = OrdStatus::kFilled;
    r.last_qty = r.cum_qty = s->qty;
    r.last_px = r.avg_px = s->limit;
    r.exec_id.assign("F" + std::to_string(++exec_seq));
    out.emit(r);
  }
};

/// Checks every why-record when its trigger passes: a line is marked excluded exactly when the
/// account does not hold the instrument, it is not restricted, and it has no fresh price now.
struct WhyCheck {
  const DriftMonitor& monitor;
  const PortfolioBook& book;
  const MarketState& market;
  std::vector<RebalanceTriggered> fired;
  std::map<std::uint32_t, std::set<std::uint32_t>> excluded_by_account;  // with a target > 0
  std::uint64_t excluded_lines = 0;
  std::uint64_t mismatches = 0;
  void on_event(const Event& e, Timestamp now, Outbox&) {
    const auto* r = std::get_if<RebalanceTriggered>(&e);
    if (r == nullptr) return;
    fired.push_back(*r);
    const auto why = monitor.why(r->why_id);
    const std::uint32_t first = book.first_slot(r->account);
    const std::uint32_t n = book.slot_count(r->account);
    if (why.size() != n + 1) {
      ++mismatches;
      ADD_FAILURE() << "why-record of trigger " << r->why_id << " has " << why.size() << " lines";
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
        ADD_FAILURE() << "account " << r->account.value << " instrument " << inst.value
                      << ": why says " << to_string(why[k].excluded) << ", expected "
                      << to_string(want);
      }
      if (want != WhyExclusion::kNone) {
        ++excluded_lines;
        if (book.slot_target(s) > 0) excluded_by_account[r->account.value].insert(inst.value);
      }
      // A held instrument always has a fresh price when its account fires.
      if (book.slot_qty_raw(s) != 0 && !market.is_fresh(inst, now)) {
        ++mismatches;
        ADD_FAILURE() << "account " << r->account.value << " fired with held instrument "
                      << inst.value << " unpriced";
      }
    }
  }
};

struct NullSink {
  void on_input(const Event&) {}
  bool try_publish(const Event&) { return true; }
};

void invalidate(void* ctx, AccountId a) {
  static_cast<DriftMonitor*>(ctx)->invalidate(a);
}

/// One desk and the whole pipeline around it.
struct Pipeline {
  const InstrumentTable& instruments;
  PortfolioBook& book;
  MarketState& market;
  DriftMonitor monitor;
  ComplianceGate gate;
  OrderManager om;
  ClOrdIdGenerator child_ids{1}, parent_ids{2};
  ExecutionConfig ecfg;
  VolumeProfile profile = VolumeProfile::flat(570, 960);
  SlicingEngine slicer;
  Rebalancer rebalancer;
  InstantBroker broker;
  WhyCheck why;
  using Chain = ComponentChain<DriftMonitor, WhyCheck, SlicingEngine, ComplianceGate, OrderManager,
                               Rebalancer, InstantBroker>;
  Chain chain;
  ManualClock clock;
  NullSink sink;
  CoreLoop<ManualClock, Chain, NullSink> loop;

  static DriftMonitor::Options wait_options(Duration price_wait) {
    DriftMonitor::Options o;
    o.price_wait = price_wait;
    o.why_log_lines = 1 << 14;  // plenty for one desk; the default ring is 40 MB
    return o;
  }
  static ExecutionConfig exec_config() {
    ExecutionConfig e;
    e.horizon = std::chrono::minutes(5);
    e.interval = std::chrono::minutes(1);
    e.min_child_qty = qty("1");
    return e;
  }
  static ComplianceConfig compliance(Duration stale) {
    ComplianceConfig c;
    c.reference_stale_after = stale;
    c.max_orders_per_second = 100'000;
    c.max_open_orders_per_instrument = 1'000;
    c.duplicate_window = Duration{0};
    c.kill_switch.order_rate_runaway = 1'000'000;
    return c;
  }
  static Eigen::MatrixXd covariance(std::size_t n) {
    Eigen::MatrixXd c =
        Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n), 0.01);
    for (std::size_t i = 0; i < n; ++i)
      c(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i)) = 0.02 + 0.01 * (i % 4);
    return c;
  }

  Pipeline(const InstrumentTable& inst, PortfolioBook& b, MarketState& m,
           std::vector<TriggerConfig> profiles, Timestamp start, Duration price_wait = seconds(60))
      : instruments(inst),
        book(b),
        market(m),
        monitor(b, m, std::move(profiles), nullptr, wait_options(price_wait)),
        gate(compliance(m.config().stale_after), inst, b, m),
        om(b, m),
        ecfg(exec_config()),
        slicer(ecfg, profile, inst, m, om, child_ids),
        rebalancer(b, m, inst, OptimizerConfig{}, covariance(inst.size()), 0.0, 1.0, slicer,
                   parent_ids, SessionId{0}),
        why{monitor, b, m, {}, {}, 0, 0},
        chain(monitor, why, slicer, gate, om, rebalancer, broker),
        clock(start),
        loop(clock, chain, sink) {
    for (std::uint32_t i = 0; i < inst.size(); ++i)
      gate.set_adv(InstrumentId{i}, qty("1000000000"));
    om.set_account_changed_hook(&invalidate, &monitor);
    rebalancer.set_drift_monitor(&monitor);
  }

  /// Fires every timer due up to t, then processes e at t.
  void at(Timestamp t, const Event& e) {
    run_timers(t);
    clock.set(t);
    loop.process(e);
  }
  void run_timers(Timestamp until) {
    while (auto due = loop.next_timer_due()) {
      if (*due > until) break;
      clock.set(std::max(*due, clock.now()));
      loop.do_work();
    }
    if (clock.now() < until) clock.set(until);
  }
};

/// An account holding SPY and cash; AGG first quotes at `agg_opens`.
void late_agg(Timestamp agg_opens) {
  // Was: `invariant failed ... lot_rounding.cpp: lot rounding needs positive prices` (abort) as
  // soon as SPY's first tick made the account fire with AGG unquoted.
  Desk d;
  const auto model = d.model_60_40();
  const AccountId acct = d.account(model, "30", "0", "7000");  // SPY 30 at ~100, cash 7000
  TriggerConfig trig = quiet_triggers();
  trig.absolute = {true, 0.05};
  trig.rearm_fraction = 0.8;
  Pipeline p(d.instruments, d.book, d.market, {trig}, ny(9, 30));
  // SPY quotes from 09:30 every 10 s.
  for (Timestamp t = ny(9, 30); t < ny(10, 0); t += seconds(10)) {
    const bool flick = ((t - ny(9, 30)) / seconds(10)) % 2 == 1;
    p.at(t, quote(d.spy, flick ? "99.99" : "100.00", flick ? "100.01" : "100.02", t));
    if (t >= agg_opens) p.at(t, quote(d.agg, "49.99", "50.01", t));
  }
  p.run_timers(ny(10, 10));
  ASSERT_GE(p.why.fired.size(), 2u);
  // First: at 09:31 (price_wait 60 s after 09:30), AGG excluded, named in the why-record.
  const RebalanceTriggered& first = p.why.fired[0];
  EXPECT_EQ(first.account, acct);
  EXPECT_EQ(first.hdr.event_time, ny(9, 31));
  const auto why = p.monitor.why(first.why_id);
  ASSERT_EQ(why.size(), 3u);
  EXPECT_EQ(why[1].instrument, d.agg);
  EXPECT_EQ(why[1].excluded, WhyExclusion::kNoPrice);
  EXPECT_EQ(p.monitor.counters().waiting_price, 1u);
  EXPECT_GE(p.rebalancer.counters().excluded, 1u);
  EXPECT_EQ(p.rebalancer.counters().skipped_no_price, 0u);
  // Then, after AGG's first price, the rebalance that buys it.
  EXPECT_GE(p.why.fired[1].hdr.event_time, agg_opens);
  EXPECT_EQ(p.why.mismatches, 0u);
  EXPECT_GT(d.book.position(acct, d.agg), Qty{}) << "AGG bought once it had a price";
  EXPECT_GT(d.book.position(acct, d.spy), qty("30")) << "SPY bought at 09:31 without waiting";
  const auto f = p.monitor.figures(acct, p.clock.now());
  ASSERT_TRUE(f.complete);
  EXPECT_LT(f.max_abs, 0.05);
  EXPECT_GE(d.book.cash(acct), Money{});
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
  Desk d;
  const auto model = d.model_60_40();
  const AccountId acct = d.account(model, "0", "0", "1000000");
  TriggerConfig trig = quiet_triggers();
  trig.absolute = {true, 0.05};
  trig.rearm_fraction = 0.8;
  Pipeline p(d.instruments, d.book, d.market, {trig}, ny(9, 30));
  for (Timestamp t = ny(9, 30); t < ny(9, 50); t += seconds(10)) {
    const bool flick = ((t - ny(9, 30)) / seconds(10)) % 2 == 1;
    p.at(t, quote(d.spy, flick ? "99.99" : "100.00", flick ? "100.01" : "100.02", t));
    p.at(t, quote(d.agg, "49.99", "50.01", t));
  }
  p.run_timers(ny(10, 0));
  ASSERT_GE(p.why.fired.size(), 1u) << "a cash-only account must be evaluated and trigger";
  EXPECT_EQ(p.why.fired[0].hdr.event_time, ny(9, 30));
  const auto f = p.monitor.figures(acct, p.clock.now());
  ASSERT_TRUE(f.complete);
  EXPECT_LT(f.max_abs, 0.05) << "invested to within the band";
  EXPECT_GT(d.book.position(acct, d.spy), qty("5000"));
  EXPECT_GT(d.book.position(acct, d.agg), qty("7000"));
}

// ------------------------------------------------------------------------------------------
// Property test

struct RandomDesk {
  InstrumentTable instruments;
  MarketDataQualityConfig q;
  MarketState market;
  PortfolioBook book;
  RandomDesk(std::size_t n, const MarketDataQualityConfig& quality)
      : instruments([n] {
          InstrumentTable t;
          for (std::size_t i = 0; i < n; ++i) (void)t.add({.symbol = "I" + std::to_string(i)});
          return t;
        }()),
        q(quality),
        market(n, quality),
        book(n) {}
};

enum class Kind { kCashOnly, kEmpty, kHolder, kOverdrawn, kInDebt };

struct DeskStats {
  std::size_t desks = 0, accounts = 0, cash_only = 0, cash_only_invested = 0, checked = 0;
  std::size_t triggers = 0, excluded = 0, waits = 0, never_quoted = 0;
};

void run_random_desk(std::uint64_t seed, DeskStats& stats) {
  std::mt19937_64 rng(seed);
  auto uni = [&](std::uint64_t lo, std::uint64_t hi) { return lo + rng() % (hi - lo + 1); };
  const std::size_t n = uni(3, 8);
  MarketDataQualityConfig q;
  q.mark = MarkPolicy::kMid;
  q.max_move_bps = 5'000;
  q.stale_after = rng() % 2 ? std::chrono::minutes(3) : std::chrono::hours(1);
  const Duration waits[] = {Duration{0}, seconds(30), seconds(120)};
  const Duration price_wait = waits[rng() % 3];
  RandomDesk d(n, q);

  // Instruments: a price path each, some never quoted, some late, some that stop.
  const Timestamp day = ny(9, 0);
  const Timestamp end = ny(11, 30);
  struct Tick {
    Timestamp t;
    QuoteUpdated q;
  };
  std::vector<Tick> ticks;
  std::vector<bool> quoted(n, false);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (rng() % 100 < 15) {
      ++stats.never_quoted;
      continue;  // never quoted
    }
    std::int64_t cents = static_cast<std::int64_t>(uni(500, 50'000));
    Timestamp t = day + seconds(uni(0, 90 * 60));  // 09:00-10:30: before and after the open
    const Timestamp stop = rng() % 100 < 20 ? t + seconds(uni(60, 3600)) : end;
    quoted[i] = true;
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
  for (std::size_t m = 0; m < n_models; ++m) {
    Model model;
    model.key = "M" + std::to_string(m);
    std::vector<std::uint32_t> ids(n);
    for (std::uint32_t i = 0; i < n; ++i) ids[i] = i;
    std::shuffle(ids.begin(), ids.end(), rng);
    const std::size_t k = uni(1, std::min<std::size_t>(n, 6));
    model.cash_weight = static_cast<double>(rng() % 3) * 0.02;
    std::vector<double> raw(k);
    double sum = 0;
    for (auto& r : raw) sum += (r = 1.0 + static_cast<double>(rng() % 4));
    double used = 0;
    for (std::size_t j = 0; j < k; ++j) {
      model.instruments.push_back(InstrumentId{ids[j]});
      const double w =
          j + 1 < k ? raw[j] / sum * (1.0 - model.cash_weight) : 1.0 - model.cash_weight - used;
      model.weights.push_back(w);
      used += w;
    }
    ASSERT_TRUE(d.book.add_model(model));
  }
  // Accounts of every kind. Opening values use a nominal 100 a share: the marks come later.
  const std::size_t n_accounts = uni(10, 25);
  std::vector<Kind> kinds;
  for (std::size_t a = 0; a < n_accounts; ++a) {
    const auto kind = static_cast<Kind>(rng() % 5);
    const auto m = ModelId{static_cast<std::uint32_t>(rng() % n_models)};
    const Model& model = d.book.model(m);
    AccountSpec s;
    s.key = "A" + std::to_string(a);
    s.model = m;
    s.trigger_profile = static_cast<std::uint32_t>(rng() % 2);
    std::int64_t held_units = 0;
    if (kind == Kind::kHolder || kind == Kind::kOverdrawn || kind == Kind::kInDebt) {
      for (auto inst : model.instruments) {
        if (rng() % 3 == 0) continue;
        const auto u = static_cast<std::int64_t>(uni(1, 500));
        s.positions.push_back({inst, Qty::from_units(u)});
        held_units += u;
      }
      if (rng() % 4 == 0) {  // an instrument outside the model
        const InstrumentId other{static_cast<std::uint32_t>(rng() % n)};
        bool in = false;
        for (const auto& [i, qy] : s.positions) in = in || i == other;
        for (auto i : model.instruments) in = in || i == other;
        if (!in)
          s.positions.push_back({other, Qty::from_units(static_cast<std::int64_t>(uni(1, 50)))});
      }
    }
    switch (kind) {
      case Kind::kCashOnly:
        s.cash = Money::from_units(static_cast<std::int64_t>(uni(50'000, 2'000'000)));
        break;
      case Kind::kEmpty:
        break;
      case Kind::kHolder:
        s.cash = Money::from_units(static_cast<std::int64_t>(uni(0, 50'000)));
        break;
      case Kind::kOverdrawn:
        s.cash = Money::from_units(-held_units * 10);  // about -10 % of the holding's value
        break;
      case Kind::kInDebt:
        s.cash = Money::from_units(-held_units * 100'000);  // far below any value held
        break;
    }
    if (rng() % 10 == 0 && model.instruments.size() > 1) s.restricted = {model.instruments[0]};
    kinds.push_back(kind);
    ASSERT_TRUE(d.book.add_account(s, d.market));
  }
  // Profiles: a drift band; the second also a daily calendar at 09:45 and cash flows.
  TriggerConfig drift;
  drift.absolute = {true, 0.05 + 0.01 * static_cast<double>(rng() % 5)};
  drift.relative.enabled = false;
  drift.cash_flow.enabled = false;
  drift.cost_benefit.enabled = false;
  drift.calendar.enabled = false;
  const Duration cools[] = {Duration{0}, std::chrono::minutes(2), std::chrono::minutes(10)};
  drift.cool_down = cools[rng() % 3];
  drift.rearm_fraction = 0.8;  // default trading hours: 09:30-16:00 New York
  TriggerConfig scheduled = drift;
  scheduled.calendar.enabled = true;
  scheduled.calendar.frequency = CalendarFrequency::kDaily;
  scheduled.calendar.at = TimeOfDay{9 * 60 + 45};
  scheduled.calendar.hybrid = false;
  scheduled.cash_flow = {true, 0.02};

  Pipeline p(d.instruments, d.book, d.market, {drift, scheduled}, day, price_wait);
  // Cash flows now and then (deposits and withdrawals) into random accounts.
  std::size_t next_flow = 0;
  std::vector<Timestamp> flow_times;
  for (int k = 0; k < 4; ++k) flow_times.push_back(day + seconds(uni(0, 150 * 60)));
  std::sort(flow_times.begin(), flow_times.end());
  for (const Tick& tk : ticks) {
    while (next_flow < flow_times.size() && flow_times[next_flow] <= tk.t) {
      CashFlowReceived cf{};
      cf.hdr.event_time = flow_times[next_flow];
      cf.account = AccountId{static_cast<std::uint32_t>(rng() % n_accounts)};
      cf.amount = Money::from_units(static_cast<std::int64_t>(uni(0, 200'000)) - 50'000);
      p.at(flow_times[next_flow], cf);
      ++next_flow;
    }
    p.at(tk.t, tk.q);
  }
  p.run_timers(ny(11, 45));
  const Timestamp now = p.clock.now();

  // Invariants.
  EXPECT_EQ(p.why.mismatches, 0u) << "seed " << seed;
  EXPECT_EQ(p.rebalancer.counters().skipped_no_price, 0u)
      << "seed " << seed << ": the monitor fired an account the rebalancer could not price";
  EXPECT_EQ(p.monitor.counters().excluded, p.why.excluded_lines) << "seed " << seed;
  std::vector<std::size_t> fired(n_accounts, 0);
  for (const auto& e : p.why.fired) ++fired[e.account.value];
  for (std::uint32_t a = 0; a < n_accounts; ++a) {
    const AccountId acct{a};
    const DriftFigures f = p.monitor.figures(acct, now);
    // Every price the account needs (held, or targeted and not restricted) is fresh now.
    bool all_priced = true, any_target_priced = false;
    for (std::uint32_t k = 0; k < d.book.slot_count(acct); ++k) {
      const std::uint32_t s = d.book.first_slot(acct) + k;
      const InstrumentId inst = d.book.slot_instrument(s);
      const bool needed = d.book.slot_qty_raw(s) != 0 ||
                          (d.book.slot_target(s) > 0 && !(d.book.slot_flags(s) & kSlotRestricted));
      const bool fresh = d.market.is_fresh(inst, now);
      if (needed && !fresh) all_priced = false;
      if (d.book.slot_target(s) > 0 && fresh) any_target_priced = true;
    }
    if (!f.nav_ok) continue;  // no NAV: never weighed
    if (all_priced) {
      ++stats.checked;
      ASSERT_TRUE(f.complete) << "seed " << seed << " account " << a;
      // Evaluated: either in band now, or it fired at least once (was never left out).
      const double band = p.monitor.profile(acct).absolute.band;
      EXPECT_TRUE(fired[a] > 0 || f.max_abs <= band * (1 + 1e-9))
          << "seed " << seed << " account " << a << ": max drift " << f.max_abs
          << " and never triggered";
    }
    if (kinds[a] == Kind::kCashOnly && any_target_priced) {
      ++stats.cash_only;
      // A funded account invests once one of its instruments has a price (at most price_wait
      // later; a restricted instrument has no target).
      bool holds = false;
      for (std::uint32_t k = 0; k < d.book.slot_count(acct); ++k)
        holds = holds || d.book.slot_qty_raw(d.book.first_slot(acct) + k) != 0;
      stats.cash_only_invested += holds;
      EXPECT_TRUE(holds) << "seed " << seed << " cash-only account " << a << " never invested";
    }
  }
  ++stats.desks;
  stats.accounts += n_accounts;
  stats.triggers += p.why.fired.size();
  stats.excluded += p.why.excluded_lines;
  stats.waits += p.monitor.counters().waiting_price;
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
