// Randomised differential test of the order manager's retention (issue 14, item 5). A manager with
// small tables and a short retention (the subject) and one whose tables never retire anything (the
// reference: a large table, a retention of ~73 years) take the same random stream of commands,
// broker reports (acks, partial and full fills, cancels, replaces, rejects, busts, corrections,
// status answers, restatements, resends of earlier reports, reports addressed to cancel-request
// ids and to pending replacements), cancel/replace rejects, session rejects and their own timers,
// with the clock moving randomly (across UTC midnights too). Every event whose orders the subject
// still holds goes to both; then they must agree on everything booked (positions, cash, pending),
// every held child and parent, every emitted event but timers, and every counter but the
// retirement ones. Events about orders the subject retired go to the subject alone (ghosts): they
// must change nothing but the unknown-order counters, never another order that took the slot.
// Stale timers of retired children are fired at the subject too: nothing happens. Retention
// invariants, checked after every event: a child leaves only after `retention_ns` closed, or early
// while a new order needs a slot of a full table; no closed child stays longer; the tables never
// exceed their limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ballast/execution/order_manager.hpp"
#include "engine/drift_fixtures.hpp"
#include "order_manager_fixture.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using test::kMin;
using test::kSec;
using test::px;
using test::qty;

constexpr std::size_t kCounters = 35;
std::array<std::uint64_t, kCounters> counters_of(const OrderManagerCounters& c) {
  // Every counter; the retirement ones (32..34) are the subject's own business.
  return {c.reports,
          c.fills,
          c.duplicates,
          c.out_of_order,
          c.fills_after_cancel_request,
          c.unsolicited_cancels,
          c.cancel_rejects,
          c.replace_rejects,
          c.busts,
          c.corrections,
          c.unknown_exec_refs,
          c.overfills,
          c.late_reports,
          c.unknown_orders,
          c.unknown_order_fills,
          c.exec_id_reuses,
          c.ledger_full,
          c.unbooked_fills,
          c.capacity_exhausted,
          c.block_busts,
          c.block_overfills,
          c.reconciled_fills,
          c.closed_by_status,
          c.unbookable_reports,
          c.restated,
          c.cum_mismatches,
          c.status_requests,
          c.requests_lost,
          c.requests_unanswered,
          c.day_rolls,
          0,
          0,
          c.retired_children,
          c.retired_parents,
          c.retired_early};
}
constexpr std::size_t kCompared = 30;  // counters_of()[0, kCompared) must agree

std::string describe(const Event& e) {
  if (const auto* q = std::get_if<QueryOrderStatus>(&e)) {
    return "status?" + std::to_string(q->order.value);
  }
  if (const auto* k = std::get_if<KillSwitchTripped>(&e)) {
    return "kill " + std::to_string(k->account.value) + "/" +
           std::to_string(static_cast<int>(k->reason));
  }
  if (const auto* c = std::get_if<CancelRejected>(&e)) {
    return "cxlrej " + std::to_string(c->order.value) + "<" + std::to_string(c->orig_order.value);
  }
  return "event#" + std::to_string(e.index());
}

bool closed_now(const ChildOrder& c) {
  const OrderState s = c.state();
  return !c.request_pending() && (s == OrderState::kFilled || is_terminal(s));
}

/// One manager with its own desk (book, market) and timer queue.
struct Side_ {
  test::Desk d;
  ModelId model;
  std::array<AccountId, 2> acct;
  OrderManager m;
  Outbox out;
  struct Timer {
    std::int64_t due;
    std::uint32_t owner;
    std::uint64_t cookie;
    std::uint64_t child;
  };
  std::map<std::uint64_t, Timer> timers;  // by TimerId (the service replaces by id)

  Side_(const OrderManagerLimits& lim, Timestamp t0)
      : model((d.price_all(t0), d.model_60_40())),
        acct{d.account(model, "0", "0", "1000000"), d.account(model, "50", "20", "500000")},
        m(d.book, d.market, lim) {}
};

class Differential {
 public:
  Differential(std::uint32_t seed, std::size_t max_children, std::int64_t retention)
      : rng_(seed),
        seed_(seed),
        max_children_(max_children),
        retention_(retention),
        sub_(OrderManagerLimits{.max_children = max_children,
                                .max_parents = 16,
                                .max_exec_ids = 1u << 12,
                                .max_positions = 64,
                                .max_block_shares = 16,
                                .request_timeout_ns = 5 * kSec,
                                .max_status_requests = 3,
                                .retention_ns = retention},
             now_),
        ref_(OrderManagerLimits{.max_children = 1u << 12,
                                .max_parents = 1u << 12,
                                .max_exec_ids = 1u << 12,
                                .max_positions = 64,
                                .max_block_shares = 16,
                                .request_timeout_ns = 5 * kSec,
                                .max_status_requests = 3,
                                .retention_ns = INT64_MAX / 4},
             now_) {}

  void run(int steps) {
    for (step_ = 0; step_ < steps && !::testing::Test::HasFatalFailure(); ++step_) one_step();
  }

  std::uint64_t ghosts = 0, stale_timers = 0, shared = 0;
  std::uint64_t retired() const { return sub_.m.counters().retired_children; }
  std::uint64_t retired_early() const { return sub_.m.counters().retired_early; }

 private:
  struct Kid {
    std::uint64_t id;
    int acct;
    bool spy;
    Side side;
    std::uint64_t parent;
    std::vector<std::uint64_t> cancels;
  };

  std::uint64_t pick(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(int pct) { return static_cast<int>(rng_() % 100) < pct; }
  std::string where() const {
    return "seed " + std::to_string(seed_) + " step " + std::to_string(step_) + " (" + what_ + ")";
  }

  bool held(std::uint64_t id) const { return sub_.m.child(OrderId{id}) != nullptr; }
  /// The subject holds what the event refers to (or neither manager ever knew it).
  bool eligible_id(std::uint64_t id) const {
    if (id == 0) return true;
    if (const auto it = cancel_owner_.find(id); it != cancel_owner_.end()) {
      return held(it->second) && eligible_id(it->second);
    }
    if (kid_index_.count(id) == 0) return true;
    if (!held(id)) return false;
    // The chain's neighbours take part in replace reports and chain fills.
    const ChildOrder* rc = ref_.m.child(OrderId{id});
    for (const OrderId n : {rc->replaces(), rc->replaced_by()}) {
      if (n.valid() && kid_index_.count(n.value) != 0 && !held(n.value)) return false;
    }
    return true;
  }

  // -- driving ----------------------------------------------------------------------------------

  std::vector<std::string> emitted(Side_& s, const Event& e, std::uint64_t timer_child) {
    std::vector<std::string> v;
    for (const Event& x : s.out) {
      if (const auto* t = std::get_if<ScheduleTimer>(&x)) {
        std::uint64_t child = timer_child;
        if (const auto* c = std::get_if<CancelOrder>(&e)) child = c->orig_order.value;
        if (const auto* r = std::get_if<ReplaceOrder>(&e)) child = r->orig_order.value;
        s.timers[t->timer.value] = Side_::Timer{t->due.ns, t->owner, t->cookie, child};
        if (std::getenv("RETENTION_DIFF_TRACE") != nullptr) {
          std::printf("  %s arms %llx due %lld child %llu\n", &s == &sub_ ? "sub" : "ref",
                      static_cast<unsigned long long>(t->timer.value),
                      static_cast<long long>(t->due.ns), static_cast<unsigned long long>(child));
        }
        if (&s == &sub_) all_sub_timers_.push_back({*t, child});
      } else {
        v.push_back(describe(x));
      }
    }
    s.out.clear();
    return v;
  }

  /// Sends `e` to both and compares what they emitted.
  void both(const Event& e, std::uint64_t timer_child = 0) {
    ++shared;
    before_sub();
    sub_.m.on_event(e, now_, sub_.out);
    ref_.m.on_event(e, now_, ref_.out);
    const auto a = emitted(sub_, e, timer_child);
    const auto b = emitted(ref_, e, timer_child);
    ASSERT_EQ(a, b) << where();
    after_sub(e, false);
  }

  /// Sends `e` to the subject alone: it must change nothing but the unknown-order counters.
  void ghost(const Event& e) {
    // First the clock's own effect (retirements due now) on both: the ghost itself must add none.
    TimerFired tick{};
    tick.owner = 0;
    both(tick);
    if (::testing::Test::HasFatalFailure()) return;
    ++ghosts;
    const auto book = book_of(sub_);
    const auto kids = held_state();
    const auto c0 = counters_of(sub_.m.counters());
    before_sub();
    sub_.m.on_event(e, now_, sub_.out);
    for (const Event& x : sub_.out) {
      // A ghost fill stops trading (an unknown order); it never schedules, asks or cancels.
      ASSERT_TRUE(std::holds_alternative<KillSwitchTripped>(x)) << where() << " " << describe(x);
    }
    sub_.out.clear();
    ASSERT_EQ(book_of(sub_), book) << where() << ": a ghost report changed the book";
    ASSERT_EQ(held_state(), kids) << where() << ": a ghost report changed a held order";
    const auto c1 = counters_of(sub_.m.counters());
    for (std::size_t k = 0; k < kCompared; ++k) {
      if (k == 0 || k == 13 || k == 14 || k == 23) continue;  // reports, unknown_*, unbookable
      ASSERT_EQ(c1[k], c0[k]) << where() << ": counter " << k << " moved on a ghost";
    }
    for (std::size_t k = 0; k < kCompared; ++k) adjust_[k] += c1[k] - c0[k];
    after_sub(e, false);
  }

  /// Sends `e` to the subject alone, when it may legitimately differ (a drop for capacity): its
  /// counter changes are set aside.
  void subject_only(const Event& e) {
    const auto c0 = counters_of(sub_.m.counters());
    before_sub();
    sub_.m.on_event(e, now_, sub_.out);
    (void)emitted(sub_, e, 0);
    const auto c1 = counters_of(sub_.m.counters());
    for (std::size_t k = 0; k < kCompared; ++k) adjust_[k] += c1[k] - c0[k];
    after_sub(e, true);
  }

  void due_timers() {
    what_ = "timers";
    fire_timers();
  }
  void fire_timers() {
    for (Side_* s : {&sub_, &ref_}) {
      std::vector<std::pair<std::pair<std::int64_t, std::uint64_t>, std::uint64_t>> due;
      for (const auto& [id, t] : s->timers) {
        if (t.due <= now_.ns) due.push_back({{t.due, t.child}, id});
      }
      std::sort(due.begin(), due.end());
      if (std::getenv("RETENTION_DIFF_TRACE") != nullptr) {
        for (const auto& [key, id] : due) {
          std::printf("  %s timer %llx due %lld child %llu\n", s == &sub_ ? "sub" : "ref",
                      static_cast<unsigned long long>(id), static_cast<long long>(key.first),
                      static_cast<unsigned long long>(key.second));
        }
      }
      fired_[s == &sub_ ? 0 : 1].clear();
      for (const auto& [key, id] : due) {
        const Side_::Timer t = s->timers[id];
        s->timers.erase(id);
        TimerFired f{};
        f.timer = TimerId{id};
        f.owner = t.owner;
        f.cookie = t.cookie;
        if (s == &sub_) before_sub();
        s->m.on_event(f, now_, s->out);
        auto v = emitted(*s, f, t.child);
        if (s == &sub_) after_sub(f, false);
        auto& sink = fired_[s == &sub_ ? 0 : 1];
        sink.insert(sink.end(), v.begin(), v.end());
      }
    }
    ASSERT_EQ(fired_[0], fired_[1]) << where() << ": timers";
  }

  // -- checks -----------------------------------------------------------------------------------

  std::vector<std::int64_t> book_of(const Side_& s) const {
    std::vector<std::int64_t> v;
    for (const AccountId a : s.acct) {
      v.push_back(s.d.book.cash(a).raw);
      for (const InstrumentId i : {s.d.spy, s.d.agg}) v.push_back(s.d.book.position(a, i).raw);
      for (std::uint32_t k = 0; k < s.d.book.slot_count(a); ++k) {
        v.push_back(s.d.book.slot_pending_raw(s.d.book.first_slot(a) + k));
      }
    }
    return v;
  }

  static std::vector<std::int64_t> child_fields(const ChildOrder& c) {
    return {static_cast<std::int64_t>(c.state()),
            c.cum_qty().raw,
            c.broker_cum_qty().raw,
            c.leaves().raw,
            c.qty().raw,
            static_cast<std::int64_t>(c.flags()),
            c.request_pending(),
            c.replace_pending(),
            static_cast<std::int64_t>(c.request_seq()),
            c.active(),
            static_cast<std::int64_t>(c.replaced_by().value),
            static_cast<std::int64_t>(c.replaces().value)};
  }

  std::map<std::uint64_t, std::vector<std::int64_t>> held_state() const {
    std::map<std::uint64_t, std::vector<std::int64_t>> m;
    for (const Kid& k : kids_) {
      if (const ChildOrder* c = sub_.m.child(OrderId{k.id})) m[k.id] = child_fields(*c);
    }
    return m;
  }

  void before_sub() {
    held_before_ = sub_.m.children_held();
    early_before_ = sub_.m.counters().retired_early;
    held_ids_before_.clear();
    for (const Kid& k : kids_) {
      if (held(k.id)) held_ids_before_.push_back(k.id);
    }
  }

  /// Retention invariants after an event the subject took.
  void after_sub(const Event& e, bool) {
    const bool takes_slot =
        std::holds_alternative<SubmitOrder>(e) || std::holds_alternative<ReplaceOrder>(e);
    const std::uint64_t early = sub_.m.counters().retired_early - early_before_;
    if (early > 0) {
      ASSERT_TRUE(takes_slot) << where() << ": a child left early on an event needing no slot";
      ASSERT_EQ(held_before_, max_children_) << where() << ": left early from a table with room";
    }
    ASSERT_LE(sub_.m.children_held(), max_children_) << where();
    ASSERT_LE(sub_.m.parents_held(), 16u) << where();
    for (const std::uint64_t id : held_ids_before_) {
      if (held(id)) continue;
      const auto it = closed_since_.find(id);
      ASSERT_NE(it, closed_since_.end()) << where() << ": child " << id << " left while open";
      if (early == 0) {
        ASSERT_LE(it->second + retention_, now_.ns)
            << where() << ": child " << id << " left before its retention";
      }
    }
    for (const Kid& k : kids_) {
      const ChildOrder* c = sub_.m.child(OrderId{k.id});
      if (c == nullptr) {
        closed_since_.erase(k.id);
        continue;
      }
      if (!closed_now(*c)) {
        closed_since_.erase(k.id);
      } else if (closed_since_.count(k.id) == 0) {
        closed_since_[k.id] = now_.ns;
      } else {
        ASSERT_GT(closed_since_[k.id] + retention_, now_.ns)
            << where() << ": child " << k.id << " closed for its retention is still held";
      }
    }
  }

  void compare() {
    ASSERT_EQ(book_of(sub_), book_of(ref_)) << where() << ": books differ";
    const auto a = counters_of(sub_.m.counters());
    const auto b = counters_of(ref_.m.counters());
    for (std::size_t k = 0; k < kCompared; ++k) {
      ASSERT_EQ(a[k] - adjust_[k], b[k]) << where() << ": counter " << k;
    }
    for (const Kid& k : kids_) {
      const ChildOrder* c = sub_.m.child(OrderId{k.id});
      if (c == nullptr) continue;
      const ChildOrder* r = ref_.m.child(OrderId{k.id});
      ASSERT_NE(r, nullptr) << where();
      ASSERT_EQ(child_fields(*c), child_fields(*r)) << where() << ": child " << k.id;
    }
    for (const std::uint64_t p : parents_) {
      const ParentOrder* sp = sub_.m.parent(OrderId{p});
      if (sp == nullptr) continue;
      const ParentOrder* rp = ref_.m.parent(OrderId{p});
      ASSERT_NE(rp, nullptr) << where();
      ASSERT_EQ(sp->filled, rp->filled) << where() << ": parent " << p;
      ASSERT_EQ(sp->avg_px(), rp->avg_px()) << where() << ": parent " << p;
    }
  }

  // -- the random stream ------------------------------------------------------------------------

  void advance() {
    const int r = static_cast<int>(rng_() % 100);
    std::int64_t d = 0;
    if (r < 40) {
      d = 0;
    } else if (r < 75) {
      d = static_cast<std::int64_t>(pick(3 * kSec));
    } else if (r < 92) {
      d = static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(retention_)));
    } else if (r < 99) {
      d = static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(3 * retention_)));
    } else {
      d = static_cast<std::int64_t>(pick(30ull * 3600 * kSec));  // across a midnight or two
    }
    now_ = Timestamp{now_.ns + d};
  }

  std::uint64_t fresh() { return next_id_++; }

  Price some_px() { return Price{(95 + static_cast<std::int64_t>(pick(11))) * Price::kScale}; }
  Qty shares(std::int64_t n) { return Qty{n * Qty::kScale}; }
  std::int64_t whole(Qty q) const { return q.raw / Qty::kScale; }

  /// A held child of the subject (uniform among the held), or 0.
  std::uint64_t some_held() {
    std::vector<std::uint64_t> v;
    for (const Kid& k : kids_) {
      if (held(k.id)) v.push_back(k.id);
    }
    // Mostly recent ones: they are the live ones.
    if (v.empty()) return 0;
    if (chance(60)) return v[v.size() - 1 - pick(std::min<std::size_t>(v.size(), 6))];
    return v[pick(v.size())];
  }
  std::uint64_t some_retired() {
    std::vector<std::uint64_t> v;
    for (const Kid& k : kids_) {
      if (!held(k.id)) v.push_back(k.id);
    }
    return v.empty() ? 0 : v[pick(v.size())];
  }

  std::size_t open_in_subject() const {
    std::size_t n = 0;
    for (const Kid& k : kids_) {
      const ChildOrder* c = sub_.m.child(OrderId{k.id});
      if (c != nullptr && !closed_now(*c)) ++n;
    }
    return n;
  }

  void submit() {
    Kid k{fresh(), static_cast<int>(pick(2)), chance(50), chance(60) ? Side::kBuy : Side::kSell, 0,
          {}};
    if (!parents_open_.empty() && chance(70)) k.parent = parents_open_[pick(parents_open_.size())];
    SubmitOrder s{};
    s.order = OrderId{k.id};
    s.parent = OrderId{k.parent};
    s.account = sub_.acct[k.acct];
    s.instrument = k.spy ? sub_.d.spy : sub_.d.agg;
    s.side = k.side;
    s.session = SessionId{1};
    s.qty = shares(1 + static_cast<std::int64_t>(pick(30)));
    s.limit = some_px();
    what_ = "submit " + std::to_string(k.id);
    if (open_in_subject() >= max_children_) {
      subject_only(s);  // no room for it: dropped (capacity_exhausted), unknown to both after
      ASSERT_FALSE(held(k.id)) << where();
      return;
    }
    kid_index_[k.id] = kids_.size();
    kids_.push_back(k);
    both(s);
    ASSERT_TRUE(held(k.id)) << where();
  }

  void replace() {
    const std::uint64_t x = some_held();
    if (x == 0 || !eligible_id(x)) return;
    const ChildOrder* rc = ref_.m.child(OrderId{x});
    ReplaceOrder r{};
    r.order = OrderId{fresh()};
    r.orig_order = OrderId{x};
    r.session = SessionId{1};
    r.qty = Qty{rc->cum_qty().raw + shares(1 + static_cast<std::int64_t>(pick(20))).raw};
    r.limit = some_px();
    what_ = "replace " + std::to_string(x) + " by " + std::to_string(r.order.value);
    const bool closed =
        !rc->request_pending() && (rc->state() == OrderState::kFilled || is_terminal(rc->state()));
    if (closed && held(x)) {
      both(r);  // a replace of a closed order makes no replacement, in either manager
      ASSERT_FALSE(held(r.order.value)) << where();
      return;
    }
    if (open_in_subject() >= max_children_) {
      subject_only(r);  // maybe refused for room; the original may have left early
      if (held(r.order.value)) {
        ADD_FAILURE() << where() << ": a replacement took a slot of a table of open orders";
      }
      return;
    }
    // The subject retires the oldest closed child when its table is full: the original itself
    // when it is the oldest. Then the replace is refused (unknown) and the reference is not told.
    Kid k = kids_[kid_index_[x]];
    k.id = r.order.value;
    k.cancels.clear();
    before_sub();
    const auto c0 = counters_of(sub_.m.counters());
    sub_.m.on_event(r, now_, sub_.out);
    if (!held(k.id)) {
      (void)emitted(sub_, r, 0);
      const auto c1 = counters_of(sub_.m.counters());
      for (std::size_t j = 0; j < kCompared; ++j) adjust_[j] += c1[j] - c0[j];
      ASSERT_FALSE(held(x)) << where() << ": a replace of a held order refused with room";
      after_sub(r, true);
      return;
    }
    ++shared;
    ref_.m.on_event(r, now_, ref_.out);
    const auto a = emitted(sub_, r, 0);
    const auto b = emitted(ref_, r, 0);
    ASSERT_EQ(a, b) << where();
    kid_index_[k.id] = kids_.size();
    kids_.push_back(k);
    after_sub(r, false);
  }

  void cancel() {
    const std::uint64_t x = some_held();
    if (x == 0 || !eligible_id(x)) return;
    CancelOrder c{};
    c.order = OrderId{fresh()};
    c.orig_order = OrderId{x};
    c.session = SessionId{1};
    kids_[kid_index_[x]].cancels.push_back(c.order.value);
    cancel_owner_[c.order.value] = x;
    what_ = "cancel " + std::to_string(x);
    both(c);
  }

  ExecutionReported base(std::uint64_t order, std::uint64_t orig, ExecType t, OrdStatus st) {
    ExecutionReported r{};
    r.order = OrderId{order};
    r.orig_order = OrderId{orig};
    r.session = SessionId{static_cast<std::uint16_t>(chance(90) ? 1 : 2)};
    r.exec_type = t;
    r.status = st;
    return r;
  }

  /// Where a report about x is addressed: x, one of its cancel ids, or its pending replacement.
  std::pair<std::uint64_t, std::uint64_t> address(std::uint64_t x) {
    const Kid& k = kids_[kid_index_[x]];
    const ChildOrder* rc = ref_.m.child(OrderId{x});
    const int r = static_cast<int>(pick(100));
    if (r < 15 && !k.cancels.empty()) return {k.cancels[pick(k.cancels.size())], x};
    if (r < 30 && rc->replace_pending()) return {rc->replaced_by().value, chance(50) ? x : 0};
    return {x, 0};
  }

  void report() {
    const std::uint64_t x = some_held();
    if (x == 0 || !eligible_id(x)) return;
    const ChildOrder* rc = ref_.m.child(OrderId{x});
    const Kid& k = kids_[kid_index_[x]];
    const auto [to, orig] = address(x);
    const std::int64_t leaves = whole(rc->leaves());
    ExecutionReported r{};
    const int kind = static_cast<int>(pick(100));
    if (kind < 30) {  // a trade
      r = base(to, orig, chance(50) ? ExecType::kTrade : ExecType::kPartialFill,
               OrdStatus::kPartiallyFilled);
      std::int64_t last = 1 + static_cast<std::int64_t>(pick(
                                  static_cast<std::uint64_t>(std::max<std::int64_t>(leaves, 1))));
      if (chance(8)) last += 1 + static_cast<std::int64_t>(pick(5));  // overfill
      r.last_qty = shares(last);
      r.last_px = some_px();
      r.cum_qty = Qty{rc->broker_cum_qty().raw + r.last_qty.raw};
      if (chance(10)) r.cum_qty = shares(static_cast<std::int64_t>(pick(10)));
      r.leaves_qty = Qty{std::max<std::int64_t>(0, rc->qty().raw - r.cum_qty.raw)};
      if (r.leaves_qty.raw == 0) r.status = OrdStatus::kFilled;
      if (!chance(3)) r.exec_id.assign(("E" + std::to_string(fresh())).c_str());
      what_ = "trade " + std::to_string(last) + " on " + std::to_string(x);
    } else if (kind < 38) {
      r = base(to, orig, ExecType::kNew, OrdStatus::kNew);
      r.cum_qty = rc->broker_cum_qty();
      what_ = "new " + std::to_string(x);
    } else if (kind < 46) {
      const bool solicited = !k.cancels.empty() && chance(70);
      r = base(solicited ? k.cancels.back() : x, solicited ? x : 0, ExecType::kCanceled,
               OrdStatus::kCanceled);
      r.cum_qty = rc->broker_cum_qty();
      what_ = "canceled " + std::to_string(x);
    } else if (kind < 54 && rc->replace_pending()) {
      r = base(rc->replaced_by().value, chance(80) ? x : 0, ExecType::kReplaced, OrdStatus::kNew);
      r.cum_qty = rc->broker_cum_qty();
      what_ = "replaced " + std::to_string(x);
    } else if (kind < 64) {  // bust or correction of an earlier trade of a held order
      if (trades_.empty()) return;
      const auto& [tx, tr] = trades_[pick(trades_.size())];
      if (!eligible_id(tx)) return;
      const ChildOrder* tc = ref_.m.child(OrderId{tx});
      const bool bust = chance(55);
      r = base(tx, 0, bust ? ExecType::kTradeCancel : ExecType::kTradeCorrect,
               chance(50) ? OrdStatus::kNew : OrdStatus::kFilled);
      r.session = tr.session;
      r.exec_ref_id = tr.exec_id;
      if (chance(10)) r.exec_ref_id.assign(("E" + std::to_string(fresh())).c_str());
      if (!chance(8)) r.exec_id.assign(("X" + std::to_string(fresh())).c_str());
      if (!bust) {
        r.last_qty = shares(
            static_cast<std::int64_t>(pick(static_cast<std::uint64_t>(whole(tr.last_qty) + 3))));
        r.last_px = some_px();
      }
      r.cum_qty = Qty{std::max<std::int64_t>(0, tc->cum_qty().raw - (bust ? tr.last_qty.raw : 0))};
      r.leaves_qty = shares(static_cast<std::int64_t>(pick(10)));
      if (r.status == OrdStatus::kFilled) r.leaves_qty = Qty{};
      what_ = std::string(bust ? "bust" : "correct") + " on " + std::to_string(tx);
    } else if (kind < 74) {  // a status answer
      static constexpr OrdStatus kSt[] = {
          OrdStatus::kNew,      OrdStatus::kPartiallyFilled, OrdStatus::kFilled,
          OrdStatus::kCanceled, OrdStatus::kPendingCancel,   OrdStatus::kReplaced,
          OrdStatus::kRejected, OrdStatus::kExpired,         OrdStatus::kDoneForDay};
      r = base(x, 0, ExecType::kOrderStatus, kSt[pick(std::size(kSt))]);
      const int c = static_cast<int>(pick(3));
      r.cum_qty = c == 0 ? rc->broker_cum_qty()
                  : c == 1
                      ? Qty{rc->cum_qty().raw + shares(static_cast<std::int64_t>(pick(4))).raw}
                      : Qty{std::max<std::int64_t>(
                            0, rc->cum_qty().raw - shares(static_cast<std::int64_t>(pick(4))).raw)};
      r.leaves_qty = chance(30) ? Qty{} : rc->leaves();
      r.avg_px = some_px();
      what_ = "status " + std::to_string(x);
    } else if (kind < 80) {
      static constexpr ExecType kT[] = {ExecType::kRejected,      ExecType::kExpired,
                                        ExecType::kDoneForDay,    ExecType::kRestated,
                                        ExecType::kPendingCancel, ExecType::kPendingNew};
      r = base(to, orig, kT[pick(std::size(kT))], OrdStatus::kNew);
      if (r.exec_type == ExecType::kRejected) r.status = OrdStatus::kRejected;
      if (r.exec_type == ExecType::kExpired) r.status = OrdStatus::kExpired;
      if (r.exec_type == ExecType::kDoneForDay) r.status = OrdStatus::kDoneForDay;
      r.cum_qty = rc->broker_cum_qty();
      r.leaves_qty = shares(static_cast<std::int64_t>(pick(15)));
      what_ = "other report on " + std::to_string(x);
    } else if (kind < 92) {  // a resend of an earlier report
      if (sent_.empty()) return;
      r = sent_[pick(sent_.size())];
      what_ = "resend to " + std::to_string(r.order.value);
    } else {
      r = base(to, orig, ExecType::kTrade, OrdStatus::kPartiallyFilled);
      r.last_qty = shares(1);
      r.last_px = some_px();
      r.issue = ReportIssue::kBadNumber;
      what_ = "unbookable on " + std::to_string(x);
    }
    send_report(r);
  }

  void send_report(const ExecutionReported& r) {
    if (!eligible_id(r.order.value) || !eligible_id(r.orig_order.value)) return;
    // Replace reports involve the order replaced by the ClOrdID's replacement.
    const ChildOrder* rc = ref_.m.child(r.order);
    if (rc != nullptr && rc->replaces().valid() && !eligible_id(rc->replaces().value)) return;
    both(r);
    if (sent_.size() < 400) sent_.push_back(r);
    const bool trade = r.exec_type == ExecType::kTrade || r.exec_type == ExecType::kPartialFill ||
                       r.exec_type == ExecType::kFill;
    if (trade && !r.exec_id.empty() && r.issue == ReportIssue::kNone) {
      // The child the trade booked to.
      std::uint64_t owner = r.order.value;
      if (const auto it = cancel_owner_.find(owner); it != cancel_owner_.end()) owner = it->second;
      if (const ChildOrder* c = ref_.m.child(OrderId{owner});
          c != nullptr && !c->active() && c->replaces().valid()) {
        owner = c->replaces().value;
      }
      if (kid_index_.count(owner) != 0) trades_.push_back({owner, r});
    }
  }

  void reject() {
    const std::uint64_t x = some_held();
    if (x == 0 || !eligible_id(x)) return;
    const Kid& k = kids_[kid_index_[x]];
    const ChildOrder* rc = ref_.m.child(OrderId{x});
    if (chance(60)) {
      CancelRejected cr{};
      cr.session = SessionId{1};
      cr.orig_order = OrderId{x};
      if (rc->replace_pending() && chance(60)) {
        cr.response_to = CancelRejectResponseTo::kReplace;
        cr.order = rc->replaced_by();
      } else {
        cr.response_to = CancelRejectResponseTo::kCancel;
        cr.order = OrderId{k.cancels.empty() ? fresh() : k.cancels.back()};
      }
      if (!eligible_id(cr.order.value)) return;
      what_ = "cxlrej " + std::to_string(x);
      both(cr);
    } else {
      MessageRejected mr{};
      mr.session = SessionId{1};
      const int r = static_cast<int>(pick(3));
      mr.order = OrderId{x};
      if (r == 1 && !k.cancels.empty()) mr.order = OrderId{k.cancels.back()};
      if (r == 2 && rc->replace_pending()) mr.order = rc->replaced_by();
      if (!eligible_id(mr.order.value)) return;
      what_ = "msgrej " + std::to_string(mr.order.value);
      both(mr);
    }
  }

  void parents() {
    if (chance(50) && parents_open_.size() < 6 && sub_.m.parents_held() < 14) {
      const std::uint64_t p = fresh();
      const AccountId a = sub_.acct[pick(2)];
      const bool s = sub_.m.open_parent(OrderId{p}, a, sub_.d.spy, Side::kBuy, shares(100));
      const bool r = ref_.m.open_parent(OrderId{p}, a, ref_.d.spy, Side::kBuy, shares(100));
      ASSERT_EQ(s, r) << where();
      if (s) {
        parents_open_.push_back(p);
        parents_.push_back(p);
      }
    } else if (!parents_open_.empty()) {
      const std::size_t i = pick(parents_open_.size());
      const std::uint64_t p = parents_open_[i];
      parents_open_.erase(parents_open_.begin() + static_cast<std::ptrdiff_t>(i));
      ASSERT_TRUE(sub_.m.close_parent(OrderId{p})) << where();
      ASSERT_TRUE(ref_.m.close_parent(OrderId{p})) << where();
    } else {
      // Unknown ids: refused by both.
      ASSERT_FALSE(sub_.m.close_parent(OrderId{fresh()})) << where();
    }
  }

  void ghost_report() {
    const std::uint64_t x = some_retired();
    if (x == 0) return;
    const Kid& k = kids_[kid_index_[x]];
    ExecutionReported r{};
    const int kind = static_cast<int>(pick(6));
    std::uint64_t to = x;
    if (kind == 5 && !k.cancels.empty()) to = k.cancels[pick(k.cancels.size())];
    static constexpr ExecType kT[] = {ExecType::kTrade,        ExecType::kTradeCancel,
                                      ExecType::kTradeCorrect, ExecType::kCanceled,
                                      ExecType::kOrderStatus,  ExecType::kReplaced};
    r = base(to, chance(50) ? x : 0, kT[pick(std::size(kT))], OrdStatus::kFilled);
    r.last_qty = shares(1 + static_cast<std::int64_t>(pick(5)));
    r.last_px = some_px();
    r.cum_qty = r.last_qty;
    r.exec_id.assign(("G" + std::to_string(fresh())).c_str());
    if (!trades_.empty()) r.exec_ref_id = trades_[pick(trades_.size())].second.exec_id;
    if (r.exec_type == ExecType::kReplaced) {
      r.order = OrderId{fresh()};
      r.orig_order = OrderId{x};
    }
    what_ = "ghost report for " + std::to_string(x);
    if (chance(30)) {
      what_ = "ghost cancel of " + std::to_string(x);
      ghost(CancelOrder{.order = OrderId{fresh()}, .orig_order = OrderId{x}});
      return;
    }
    if (chance(20)) {
      what_ = "ghost cxlrej of " + std::to_string(x);
      ghost(CancelRejected{.order = OrderId{to},
                           .orig_order = OrderId{x},
                           .response_to = chance(50) ? CancelRejectResponseTo::kCancel
                                                     : CancelRejectResponseTo::kReplace});
      return;
    }
    if (chance(20)) {
      what_ = "ghost msgrej of " + std::to_string(to);
      ghost(MessageRejected{.order = OrderId{to}});
      return;
    }
    ghost(r);
  }

  void stale_timer() {
    if (all_sub_timers_.empty()) return;
    const auto& [t, child] = all_sub_timers_[pick(all_sub_timers_.size())];
    if (held(child)) return;  // only timers of children that left
    TimerFired f{};
    f.timer = t.timer;
    f.owner = t.owner;
    f.cookie = t.cookie;
    ++stale_timers;
    what_ = "stale timer of " + std::to_string(child);
    ghost(f);
  }

  void one_step() {
    advance();
    // The clock's own effect first (retirements due now), so that what the step picks is what the
    // subject holds when the event arrives.
    TimerFired tick{};
    tick.owner = 0;
    what_ = "tick";
    both(tick);
    if (::testing::Test::HasFatalFailure()) return;
    what_.clear();
    // What this step does, by cumulative weight out of 100.
    using Op = void (Differential::*)();
    static constexpr std::pair<int, Op> kOps[] = {
        {16, &Differential::submit},       {24, &Differential::cancel},
        {30, &Differential::replace},      {70, &Differential::report},
        {77, &Differential::reject},       {80, &Differential::parents},
        {88, &Differential::ghost_report}, {92, &Differential::stale_timer},
        {100, &Differential::due_timers}};
    const int r = static_cast<int>(pick(100));
    for (const auto& [upto, op] : kOps) {
      if (r < upto) {
        (this->*op)();
        break;
      }
    }
    if (::testing::Test::HasFatalFailure()) return;
    if (std::getenv("RETENTION_DIFF_TRACE") != nullptr) {
      std::printf("step %d t=%lld %s held=%zu\n", step_, static_cast<long long>(now_.ns),
                  what_.c_str(), sub_.m.children_held());
    }
    compare();
  }

  std::mt19937_64 rng_;
  std::uint32_t seed_;
  std::size_t max_children_;
  std::int64_t retention_;
  Timestamp now_ = test::ny(10, 0);
  Side_ sub_;
  Side_ ref_;
  int step_ = 0;
  std::string what_;
  std::uint64_t next_id_ = 1000;
  std::vector<Kid> kids_;
  std::unordered_map<std::uint64_t, std::size_t> kid_index_;
  std::unordered_map<std::uint64_t, std::uint64_t> cancel_owner_;
  std::vector<std::pair<std::uint64_t, ExecutionReported>> trades_;
  std::vector<ExecutionReported> sent_;
  std::vector<std::uint64_t> parents_open_;
  std::vector<std::uint64_t> parents_;
  std::vector<std::pair<ScheduleTimer, std::uint64_t>> all_sub_timers_;
  std::array<std::vector<std::string>, 2> fired_;
  std::array<std::uint64_t, kCounters> adjust_{};
  std::unordered_map<std::uint64_t, std::int64_t> closed_since_;
  std::size_t held_before_ = 0;
  std::uint64_t early_before_ = 0;
  std::vector<std::uint64_t> held_ids_before_;
};

/// RETENTION_DIFF_SEED=n starts at seed n (to trace one case with RETENTION_DIFF_TRACE=1).
std::uint32_t first_seed() {
  const char* s = std::getenv("RETENTION_DIFF_SEED");
  return s != nullptr ? static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10)) : 1;
}

TEST(OrderManagerRetentionDifferential, SmallTablesBookWhatUnboundedTablesBook) {
  std::uint64_t ghosts = 0, stale = 0, retired = 0, early = 0, shared = 0;
  // 1,500 cases; a quarter under a sanitizer (support/test_scale.hpp).
  const auto last = static_cast<std::uint32_t>(test::scaled_cases(1500));
  for (std::uint32_t seed = first_seed(); seed <= last; ++seed) {
    std::mt19937_64 pick(seed * 7919u);
    const std::size_t max_children = 8 + pick() % 57;                                  // 8..64
    const std::int64_t retention = kMin * static_cast<std::int64_t>(1 + pick() % 20);  // 1..20 min
    Differential d(seed, max_children, retention);
    d.run(300);
    if (::testing::Test::HasFatalFailure()) return;
    ghosts += d.ghosts;
    stale += d.stale_timers;
    retired += d.retired();
    early += d.retired_early();
    shared += d.shared;
  }
  // The stream reached what it is meant to test.
  // The stream reached every case it is for (a quarter as many under a sanitizer).
  const auto div = static_cast<std::uint64_t>(test::kSanitizerDivisor);
  EXPECT_GT(retired, 10'000u / div);
  EXPECT_GT(early, 100u / div);
  EXPECT_GT(ghosts, 10'000u / div);
  EXPECT_GT(stale, 1'000u / div);
  std::printf("shared events %llu, ghosts %llu, stale timers %llu, retired %llu (early %llu)\n",
              static_cast<unsigned long long>(shared), static_cast<unsigned long long>(ghosts),
              static_cast<unsigned long long>(stale), static_cast<unsigned long long>(retired),
              static_cast<unsigned long long>(early));
}

}  // namespace
}  // namespace ballast
