// KernelProbe (kernel/kernel_probe.hpp): how a benchmark watches and drives a kernel it built
// instead of wiring a chain of its own. The probe sees every event the core publishes and every
// event after the whole chain, may emit into the chain, and a probe that only watches changes
// no decision.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/journal/journal_tool.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/kernel_probe.hpp"
#include "support/kernel_test_desk.hpp"
#include "support/kernel_test_support.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

constexpr std::uint32_t kStartOwner = 0xB0B0u;

/// One account against a model of a third each of AAPL, AMZN and GOOG, holding only AAPL: the
/// first quotes trigger a rebalance; TWAP parents then send a child every 15 s.
config::Settings desk() {
  auto loaded = config::load_string(
      test::desk_yaml(
          {.band = "0.05",
           .cool_down = "",
           .hours = "{start: \"09:35\", end: \"15:55\"}",
           .model = "weights: {AAPL: 0.30, AMZN: 0.30, GOOG: 0.30}, cash_buffer: 0.10",
           .accounts = "  - {id: A1, model: m, cash: 1000.00, positions: {AAPL: 1000}}\n",
           .execution = "{algo: twap, horizon: 10m, interval: 15s, cash_allowance: 1.0}",
           .compliance =
               "{max_adv_share: off, reference_stale_after: 30m, price_collar_bps: 2000}"}),
      "kernel probe test");
  EXPECT_TRUE(loaded.ok());
  return *loaded.settings;
}

/// Records what it sees; optionally proposes one child when a TimerFired of kStartOwner comes.
struct Recorder final : kernel::KernelProbe {
  const kernel::Kernel* k = nullptr;
  std::vector<Event> published, seen;
  struct Fill {
    InstrumentId instrument{};
    std::int64_t signed_qty = 0;  ///< raw, buys positive
    std::int64_t book = 0;        ///< the book's position when the probe saw the fill
  };
  std::vector<Fill> fills;
  void on_published(const Event& e) override { published.push_back(e); }
  void on_event(const Event& e, Timestamp, Outbox& out) override {
    seen.push_back(e);
    if (const auto* x = std::get_if<ExecutionReported>(&e); x != nullptr && x->last_qty.raw > 0) {
      const ChildOrder* c = k->orders().child(x->order);
      const InstrumentId inst = c != nullptr ? c->instrument() : InstrumentId{};
      fills.push_back({inst, x->side == Side::kBuy ? x->last_qty.raw : -x->last_qty.raw,
                       inst.valid() ? k->book().position(AccountId{0}, inst).raw : -1});
    }
    if (const auto* t = std::get_if<TimerFired>(&e); t != nullptr && t->owner == kStartOwner) {
      ChildOrderProposed p{};
      p.order = OrderId{(std::uint64_t{7} << 32) | 1};
      p.parent = OrderId{(std::uint64_t{6} << 32) | 1};
      p.account = AccountId{0};
      p.instrument = InstrumentId{0};
      p.session = SessionId{0};
      p.side = Side::kSell;
      p.type = OrdType::kLimit;
      p.tif = TimeInForce::kDay;
      p.qty = Qty::from_units(10);
      p.limit = Price::from_raw(579 * (Price::kScale / 100));
      p.reference = Price::from_raw(580 * (Price::kScale / 100));
      out.emit(p);
    }
  }
};

/// An offline kernel of desk() on the market clock, as test::offline_kernel builds it, with the
/// market context loaded once for the whole file (it is the same every time), watched by `probe`
/// (none when null).
Result<std::unique_ptr<kernel::Kernel>> make(Recorder* probe = nullptr) {
  static const config::Settings s = desk();
  static const Result<kernel::MarketContext> ctx = test::kernel_context(s);
  if (!ctx) return ctx.error();
  kernel::KernelOptions o;
  o.probe = probe;
  o.max_children = 4096;  // small tables: the random test builds 2 kernels per case
  o.max_parents = 256;
  o.max_exec_ids_per_day = 4096;
  auto made = test::offline_kernel(s, ctx.value(), std::move(o));
  if (made && probe != nullptr) probe->k = made.value().get();
  return made;
}

std::vector<Event> intents_of(const std::vector<Event>& v) {
  std::vector<Event> out;
  for (const Event& e : v)
    if (is_order_intent(e)) out.push_back(e);
  return out;
}

Timestamp at(int minute, int second = 0) {
  return Timestamp{us_eastern_to_utc(test::kKernelSession, minute).ns + second * 1'000'000'000LL};
}

/// A broker that answers every order with an ack and a full fill at its limit, and copies every
/// intent it is sent to `all`.
test::TestBroker filling_broker(std::vector<Event>& all) {
  return test::TestBroker{.instant = true, .record = &all};
}

/// A kernel of desk() watched by `rec`.
class KernelProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = make(&rec);
    ASSERT_TRUE(made) << made.error().message;
    kernel_ = std::move(made.value());
  }
  Recorder rec;
  std::unique_ptr<kernel::Kernel> kernel_;
};

TEST_F(KernelProbe, SeesEveryPublishedIntentAndEveryFillAfterTheOrderManagerBookedIt) {
  kernel::Kernel& k = *kernel_;
  std::vector<Event> all;
  test::TestBroker broker = filling_broker(all);
  const std::int64_t mids[3] = {580, 220, 570};
  for (int s = 0; s < 600; s += 15) {
    for (std::uint32_t i = 0; i < 3; ++i) {
      broker.feed(k, test::quote_of(InstrumentId{i}, at(10 * 60, s), mids[i] + s % 2),
                  at(10 * 60, s));
    }
  }
  ASSERT_GT(all.size(), 3u) << "the desk must have traded";
  // The published intents are exactly the ones the kernel handed out, in order.
  const std::vector<Event> seen_intents = intents_of(rec.published);
  ASSERT_EQ(seen_intents.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(describe_event_difference(all[i], seen_intents[i]), "") << i;
  }
  // Every input and every emitted event passed the probe, after the chain: each fill is already
  // in the book when the probe sees it.
  EXPECT_GE(rec.seen.size(), rec.published.size());
  ASSERT_FALSE(rec.fills.empty());
  std::int64_t expected[3] = {Qty::from_units(1000).raw, 0, 0};
  for (const Recorder::Fill& f : rec.fills) {
    expected[f.instrument.value] += f.signed_qty;
    EXPECT_EQ(f.book, expected[f.instrument.value]);
  }
  EXPECT_EQ(k.orders().counters().fills, rec.fills.size());
}

TEST_F(KernelProbe, WhatTheProbeEmitsGoesThroughTheChainLikeAComponentsOutput) {
  kernel::Kernel& k = *kernel_;
  std::vector<Event> intents;
  // Prices first (the gate needs a reference), outside trading hours: nothing rebalances.
  for (std::uint32_t i = 0; i < 3; ++i)
    k.feed_offline(test::quote_of(InstrumentId{i}, at(9 * 60), 580), at(9 * 60), intents);
  ASSERT_TRUE(intents.empty());
  TimerFired go{};
  go.owner = kStartOwner;
  k.feed_offline(go, at(9 * 60, 1), intents);
  // The proposal went through the gate (a SubmitOrder) and the order manager (it knows the
  // child), and the probe saw its own proposal come back down the chain.
  ASSERT_EQ(intents.size(), 1u);
  const auto* s = std::get_if<SubmitOrder>(&intents[0]);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->order.value, (std::uint64_t{7} << 32) | 1);
  EXPECT_EQ(s->qty, Qty::from_units(10));
  EXPECT_NE(k.orders().child(s->order), nullptr);
  bool saw_proposal = false;
  for (const Event& e : rec.seen)
    saw_proposal = saw_proposal || std::holds_alternative<ChildOrderProposed>(e);
  EXPECT_TRUE(saw_proposal);
}

// A probe that only watches changes no decision: random quote paths through two kernels, one
// probed and one not, give the same intents byte for byte, and the probed one's published
// intents are exactly what it handed out.
// (The fixture's own kernel and recorder are not used here: each case builds its pair.)
TEST_F(KernelProbe, AWatchingProbeChangesNoDecisionOnRandomQuotePaths) {
  std::mt19937_64 rng(2014);
  const int cases = test::scaled_cases(12);
  int traded = 0;
  for (int c = 0; c < cases; ++c) {
    Recorder probe;
    auto a = make(&probe);
    auto b = make();
    ASSERT_TRUE(a && b);
    std::vector<Event> out_a, out_b;
    test::TestBroker broker_a = filling_broker(out_a), broker_b = filling_broker(out_b);
    std::int64_t mids[3] = {580, 220, 570};
    const int steps = 20 + static_cast<int>(rng() % 30);
    int sec = 0;  // seconds after 10:00, moving on by 1-30 s per quote
    for (int s = 0; s < steps; ++s) {
      const std::uint32_t i = static_cast<std::uint32_t>(rng() % 3);
      mids[i] = std::max<std::int64_t>(50, mids[i] + static_cast<std::int64_t>(rng() % 41) - 20);
      sec += 1 + static_cast<int>(rng() % 30);
      const Timestamp t = at(10 * 60, sec);
      const QuoteUpdated q =
          test::quote_of(InstrumentId{i}, t, mids[i], 1 + static_cast<std::int64_t>(rng() % 3));
      broker_a.feed(*a.value(), q, t);
      broker_b.feed(*b.value(), q, t);
    }
    ASSERT_EQ(out_a.size(), out_b.size()) << "case " << c;
    for (std::size_t i = 0; i < out_a.size(); ++i)
      ASSERT_EQ(describe_event_difference(out_a[i], out_b[i]), "") << "case " << c << " #" << i;
    const std::vector<Event> seen = intents_of(probe.published);
    ASSERT_EQ(seen.size(), out_a.size()) << "case " << c;
    for (std::size_t i = 0; i < seen.size(); ++i)
      ASSERT_EQ(describe_event_difference(out_a[i], seen[i]), "") << "case " << c << " #" << i;
    traded += !out_a.empty();
  }
  EXPECT_GT(traded, cases / 2) << "most paths must trade for the comparison to mean anything";
}

}  // namespace
}  // namespace ballast
