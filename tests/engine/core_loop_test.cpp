// The core loop: fixed dispatch order, breadth-first routing, timers, backpressure, shutdown,
// and determinism (a live run with two producer threads re-fed through a manual run).
#include "ballast/engine/core_loop.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ballast/core/clock.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;

/// Renders the fields that matter of the events these tests use, so hashes never see padding.
std::string render(const Event& e) {
  const EventHeader& h = header(e);
  std::string s = std::string(event_name(e)) + "#" + std::to_string(h.seq) + "@" +
                  std::to_string(h.receive_time.ns);
  if (const auto* o = std::get_if<SubmitOrder>(&e)) {
    s += " order=" + std::to_string(o->order.value) +
         " inst=" + std::to_string(o->instrument.value) + " qty=" + o->qty.to_string() +
         " px=" + o->limit.to_string();
  } else if (const auto* c = std::get_if<CancelOrder>(&e)) {
    s += " orig=" + std::to_string(c->orig_order.value);
  } else if (const auto* q = std::get_if<QueryOrderStatus>(&e)) {
    s += " order=" + std::to_string(q->order.value);
  } else if (const auto* u = std::get_if<QuoteUpdated>(&e)) {
    s += " inst=" + std::to_string(u->instrument.value) + " bid=" + u->bid.to_string();
  } else if (const auto* t = std::get_if<TradePrinted>(&e)) {
    s += " inst=" + std::to_string(t->instrument.value) + " size=" + t->size.to_string();
  } else if (const auto* f = std::get_if<TimerFired>(&e)) {
    s += " timer=" + std::to_string(f->timer.value) + " cookie=" + std::to_string(f->cookie);
  }
  return s;
}

std::uint64_t fnv1a(const std::vector<std::string>& lines) {
  std::uint64_t h = 1469598103934665603ull;
  for (const auto& l : lines) {
    for (unsigned char c : l) h = (h ^ c) * 1099511628211ull;
    h = (h ^ '\n') * 1099511628211ull;
  }
  return h;
}

/// Keeps every input and every published event; can refuse publishes to simulate a full queue.
struct RecordingSink {
  std::vector<Event> inputs;
  std::vector<std::string> input_lines;
  std::vector<std::string> outputs;
  int refuse_next = 0;
  void on_input(const Event& e) {
    inputs.push_back(e);
    input_lines.push_back(render(e));
  }
  bool try_publish(const Event& e) {
    if (refuse_next > 0) {
      --refuse_next;
      return false;
    }
    outputs.push_back(render(e));
    return true;
  }
};

/// Order-sensitive test component: its outputs depend on the exact order of everything it saw.
struct OrderGenerator {
  std::uint64_t state = 17;
  std::uint64_t quotes = 0;
  std::uint64_t next_order = 1;
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    if (const auto* q = std::get_if<QuoteUpdated>(&e)) {
      state = state * 31 + static_cast<std::uint64_t>(q->bid.raw) + q->instrument.value;
      if (++quotes % 3 == 0) {
        SubmitOrder o{};
        o.order = OrderId{next_order++};
        o.instrument = q->instrument;
        o.qty = Qty::from_units(static_cast<std::int64_t>(state % 1000) + 1);
        o.limit = q->bid;
        out.emit(o);
        ScheduleTimer t{};
        t.timer = TimerId{o.order.value};
        t.due = now + 20us;
        t.cookie = o.order.value;
        out.emit(t);
      }
    } else if (const auto* t = std::get_if<TradePrinted>(&e)) {
      state ^= static_cast<std::uint64_t>(t->size.raw);
    } else if (const auto* f = std::get_if<TimerFired>(&e)) {
      CancelOrder c{};
      c.orig_order = OrderId{f->cookie};
      out.emit(c);
    }
  }
};

/// Downstream component: reacts to what the generator emitted (exercises routing).
struct StatusQuerier {
  std::vector<std::string> seen;
  void on_event(const Event& e, Timestamp, Outbox& out) {
    seen.push_back(event_name(e));
    if (const auto* o = std::get_if<SubmitOrder>(&e)) {
      QueryOrderStatus q{};
      q.order = o->order;
      out.emit(q);
    }
  }
};

using TestChain = ComponentChain<OrderGenerator, StatusQuerier>;

/// The components of these tests in their chain, and a sink recording what the loop publishes.
struct ChainAndSink {
  OrderGenerator gen;
  StatusQuerier querier;
  TestChain chain{gen, querier};
  RecordingSink sink;
};

QuoteUpdated quote(std::uint32_t inst, std::int64_t bid_cents) {
  QuoteUpdated q{};
  q.instrument = InstrumentId{inst};
  q.bid = Price{bid_cents * 10'000'000};
  q.ask = Price{(bid_cents + 1) * 10'000'000};
  return q;
}

TEST(CoreLoop, DispatchesInFixedOrderAndRoutesEmittedEventsBreadthFirst) {
  ManualClock clock{Timestamp{1'000}};
  ChainAndSink parts;
  auto& [gen, querier, chain, sink] = parts;
  CoreLoop loop(clock, chain, sink);
  for (int i = 0; i < 3; ++i) loop.process(quote(0, 100 + i));
  // Third quote: generator emits SubmitOrder (+timer); querier sees the quote, then the
  // SubmitOrder, and answers it with a QueryOrderStatus, which both see last.
  ASSERT_EQ(sink.outputs.size(), 2u);
  EXPECT_EQ(sink.outputs[0].rfind("SubmitOrder#4", 0), 0u) << sink.outputs[0];
  EXPECT_EQ(sink.outputs[1].rfind("QueryOrderStatus#6", 0), 0u) << sink.outputs[1];
  EXPECT_EQ(querier.seen, (std::vector<std::string>{"QuoteUpdated", "QuoteUpdated", "QuoteUpdated",
                                                    "SubmitOrder", "QueryOrderStatus"}));
  EXPECT_EQ(loop.last_seq(), 6u);  // 3 inputs, SubmitOrder, ScheduleTimer, QueryOrderStatus
  EXPECT_EQ(loop.timers().pending(), 1u);
}

TEST(CoreLoop, TurnsDueTimersIntoInputEvents) {
  ManualClock clock{Timestamp{1'000}};
  ChainAndSink parts;
  auto& [gen, querier, chain, sink] = parts;
  CoreLoop loop(clock, chain, sink);
  for (int i = 0; i < 3; ++i) loop.process(quote(0, 100));
  EXPECT_EQ(loop.do_work(), 0);
  clock.advance(19us);
  EXPECT_EQ(loop.do_work(), 0);
  clock.advance(1us);
  EXPECT_EQ(loop.do_work(), 1);
  ASSERT_FALSE(sink.inputs.empty());
  const auto* fired = std::get_if<TimerFired>(&sink.inputs.back());
  ASSERT_NE(fired, nullptr);
  EXPECT_EQ(fired->hdr.event_time.ns, 1'000 + 20'000);
  EXPECT_EQ(sink.outputs.back().rfind("CancelOrder", 0), 0u);
  EXPECT_EQ(loop.stats().timers_fired, 1u);
}

TEST(CoreLoop, WaitsOnAFullSinkAndDropsNothing) {
  ManualClock clock;
  ChainAndSink parts;
  auto& [gen, querier, chain, sink] = parts;
  sink.refuse_next = 5;
  CoreLoop loop(clock, chain, sink);
  for (int i = 0; i < 3; ++i) loop.process(quote(0, 100));
  EXPECT_EQ(sink.outputs.size(), 2u);
  EXPECT_EQ(loop.stats().outbound_waits, 5u);
}

TEST(CoreLoop, ShutdownDrainsEverythingAlreadyQueued) {
  LiveClock clock;
  ChainAndSink parts;
  auto& [gen, querier, chain, sink] = parts;
  CoreLoop loop(clock, chain, sink, {.batch_size = 4});
  SpscQueue<Event> q(1024);
  loop.add_inbound(q);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(q.try_push(quote(0, i)));
  loop.request_stop();
  IdleStrategy idle;
  loop.run(idle);
  std::size_t quotes = 0;
  for (const auto& e : sink.inputs) quotes += std::holds_alternative<QuoteUpdated>(e) ? 1 : 0;
  EXPECT_EQ(quotes, 500u);  // timers due meanwhile also fired: they are inputs too
  EXPECT_EQ(q.size_approx(), 0u);
}

TEST(CoreLoopDeathTest, StopsLoudlyOnARunawayCascade) {
  struct Echo {
    void on_event(const Event& e, Timestamp, Outbox& out) { out.push(e); }
  };
  ManualClock clock;
  Echo echo;
  RecordingSink sink;
  CoreLoop loop(clock, echo, sink, {.max_cascade = 1000});
  EXPECT_DEATH(loop.process(quote(0, 1)), "max_cascade");
}

// Acceptance (issue 2): two producer threads feed the loop; the inputs it consumed, re-fed through
// a manual run, give an identical output sequence.
TEST(CoreLoop, ReplayOfALiveMultiProducerRunGivesIdenticalOutputs) {
  constexpr int kPerProducer = 20'000;
  LiveClock live_clock;
  ChainAndSink parts;
  auto& [gen, querier, chain, live] = parts;
  CoreLoop live_loop(live_clock, chain, live);
  SpscQueue<Event> market_a(256);
  SpscQueue<Event> market_b(256);
  MpscQueue<Event> control(2);
  live_loop.add_inbound(market_a);
  live_loop.add_inbound(market_b);
  live_loop.add_inbound(control);

  std::thread core([&] {
    IdleStrategy idle(IdleKind::kYield);
    live_loop.run(idle);
  });
  // Loose lock-step (neither producer gets more than 500 events ahead of the other) so the two
  // streams really interleave even when the machine is loaded and one thread would otherwise
  // finish before the other starts.
  std::atomic<int> produced[2] = {0, 0};
  auto produce = [&produced](SpscQueue<Event>& q, std::uint32_t inst) {
    IdleStrategy idle(IdleKind::kYield);
    for (int i = 0; i < kPerProducer; ++i) {
      while (i > produced[1 - inst].load(std::memory_order_relaxed) + 500)
        std::this_thread::yield();
      produced[inst].store(i, std::memory_order_relaxed);
      if (i % 5 == 4) {
        TradePrinted t{};
        t.instrument = InstrumentId{inst};
        t.size = Qty::from_units(i % 97 + 1);
        q.push_wait(t, idle);
      } else {
        q.push_wait(quote(inst, 10'000 + (i * 7 + inst) % 300), idle);
      }
      // Let timers come due mid-stream so TimerFired inputs interleave with market data.
      if (i % 2'000 == 0) std::this_thread::sleep_for(50us);
    }
    produced[inst].store(kPerProducer + 1'000, std::memory_order_relaxed);
  };
  std::thread pa(produce, std::ref(market_a), 0u);
  std::thread pb(produce, std::ref(market_b), 1u);
  pa.join();
  pb.join();
  {
    auto ctl = control.make_producer();
    IdleStrategy idle(IdleKind::kYield);
    ControlCommand stop{};
    stop.action = ControlAction::kShutdown;
    ctl.push_wait(stop, idle);
  }
  core.join();

  ASSERT_EQ(live.inputs.size(), live_loop.stats().inputs);
  ASSERT_GE(live.inputs.size(), 2u * kPerProducer + 1);
  ASSERT_GT(live_loop.stats().timers_fired, 0u);
  // The two producers really interleaved (otherwise the test would not test much).
  std::size_t switches = 0;
  for (std::size_t i = 1; i < live.inputs.size(); ++i) {
    const auto* a = std::get_if<QuoteUpdated>(&live.inputs[i - 1]);
    const auto* b = std::get_if<QuoteUpdated>(&live.inputs[i]);
    if (a && b && a->instrument != b->instrument) ++switches;
  }
  ASSERT_GT(switches, 10u);

  // Manual run: fresh components, a manual clock set to each input's receive time, recorded timers.
  ManualClock manual_clock;
  OrderGenerator gen2;
  StatusQuerier querier2;
  TestChain chain2(gen2, querier2);
  RecordingSink replay;
  CoreLoop replay_loop(manual_clock, chain2, replay, {.timers = TimerMode::kRecorded});
  for (const Event& e : live.inputs) {
    manual_clock.set(header(e).receive_time);
    replay_loop.process(e);
  }
  EXPECT_EQ(replay.input_lines, live.input_lines);
  EXPECT_EQ(replay.outputs.size(), live.outputs.size());
  EXPECT_EQ(fnv1a(replay.outputs), fnv1a(live.outputs));
  EXPECT_EQ(replay_loop.last_seq(), live_loop.last_seq());
}

/// A market clock (as the runtime's): the latest market-data time the loop took in. The loop
/// moves it (observe) before it fires timers and takes the event.
struct InputClock {
  Timestamp t{};
  Timestamp now() const noexcept { return t; }
  void observe(const Event& e) noexcept {
    if (!std::holds_alternative<QuoteUpdated>(e) && !std::holds_alternative<TradePrinted>(e))
      return;
    if (header(e).event_time > t) t = header(e).event_time;
  }
};

// Issue 13 (FIX-log replay): with a clock that follows the inputs, where each timer fires depends
// on the market-data sequence alone. Random sequences are fed (a) one event per pass and (b) in
// random chunks with random batch sizes, as a producer running ahead of the core delivers them;
// both must give the same inputs and outputs, and every timer must fire right before the first
// market-data input that reaches its due time (the oracle), and none be left due at the end.
TEST(CoreLoop, WithAnInputDrivenClockTimersFireWhereTheInputsPutThemWhateverTheBatching) {
  std::mt19937_64 rng(13);
  std::uint64_t timers_seen = 0;
  const int rounds = test::scaled_cases(2'000);
  for (int round = 0; round < rounds; ++round) {
    std::vector<Event> inputs;
    std::int64_t t = 1'000'000;
    const int n = 20 + static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      t += static_cast<std::int64_t>(rng() % 30'000);  // 0-30 us: timers (20 us) come due often
      const auto inst = static_cast<std::uint32_t>(rng() % 2);
      if (rng() % 4 == 0) {
        TradePrinted tp{};
        tp.hdr.event_time = Timestamp{t};
        tp.instrument = InstrumentId{inst};
        tp.size = Qty::from_units(static_cast<std::int64_t>(rng() % 90 + 1));
        inputs.push_back(tp);
      } else {
        QuoteUpdated q = quote(inst, 10'000 + static_cast<std::int64_t>(rng() % 300));
        q.hdr.event_time = Timestamp{t};
        inputs.push_back(q);
      }
    }
    struct Run {
      InputClock clock;
      OrderGenerator gen;
      StatusQuerier querier;
      TestChain chain{gen, querier};
      RecordingSink sink;
    };
    // (a) one event per pass.
    Run a;
    {
      CoreLoop loop(a.clock, a.chain, a.sink, {.batch_size = 1});
      SpscQueue<Event> q(4);
      loop.add_inbound(q);
      for (const Event& e : inputs) {
        ASSERT_TRUE(q.try_push(e));
        while (loop.do_work() > 0) {
        }
      }
      EXPECT_GT(loop.next_timer_due().value_or(Timestamp{INT64_MAX}), a.clock.now())
          << "a timer due by the last input's time did not fire";
    }
    // (b) random chunks (the producer ahead by up to 64 events), random batch sizes.
    Run b;
    {
      CoreLoop loop(b.clock, b.chain, b.sink, {.batch_size = 1 + rng() % 64});
      SpscQueue<Event> q(256);
      loop.add_inbound(q);
      std::size_t next = 0;
      while (next < inputs.size() || q.size_approx() > 0) {
        for (std::size_t k = rng() % 65; k > 0 && next < inputs.size(); --k) {
          ASSERT_TRUE(q.try_push(inputs[next++]));
        }
        loop.do_work();
      }
      while (loop.do_work() > 0) {
      }
    }
    ASSERT_EQ(a.sink.input_lines, b.sink.input_lines) << "round " << round;
    ASSERT_EQ(a.sink.outputs, b.sink.outputs) << "round " << round;
    // The oracle: each TimerFired comes right before the first market-data input whose time
    // reaches its due time: the market data before it had not reached it, the next one has.
    std::int64_t last = 0;  // the time of the last market-data input
    std::vector<std::int64_t> fired;
    for (const Event& e : a.sink.inputs) {
      if (const auto* f = std::get_if<TimerFired>(&e)) {
        ++timers_seen;
        ASSERT_LT(last, f->hdr.event_time.ns) << "round " << round << ": fired late";
        fired.push_back(f->hdr.event_time.ns);
      } else if (std::holds_alternative<QuoteUpdated>(e) ||
                 std::holds_alternative<TradePrinted>(e)) {
        last = header(e).event_time.ns;
        for (const std::int64_t due : fired)
          ASSERT_GE(last, due) << "round " << round << ": fired early";
        fired.clear();
      }
    }
    ASSERT_TRUE(fired.empty());
  }
  EXPECT_GT(timers_seen, static_cast<std::uint64_t>(rounds) * 5);
}

}  // namespace
}  // namespace ballast
