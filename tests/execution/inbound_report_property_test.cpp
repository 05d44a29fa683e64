// Issue 13, items 1-3 ("losing fills"), as a property: thousands of random ExecutionReports from
// a broker model, across every ExecType of FIX 4.2 and 4.4, with random valid decimal formats
// (trailing and leading zeros, integer forms, floating-point noise such as 223.66000000000003,
// exact ties), written as FIX text and read by the same codec the initiator uses (through
// FixLogReader), converted by the FIX bridge and pumped through the compliance gate and the order
// manager in the real core loop (timers included). Oracle after every report:
//  - every report is delivered (decoded, never refused for a number's format) and carries the
//    numbers the stated rule gives (half-even at 1e-9 for prices, 1e-6 for quantities);
//  - each account's position equals its seed plus the sum of its fills as rounded, net of busts
//    and corrections (the broker model's own book);
//  - the gate counts as working exactly the orders the order manager holds live;
//  - an unbookable report stops trading on its account with kUnbookableReport.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/fix_log.hpp"
#include "ballast/risk/compliance.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/loop_test_support.hpp"

namespace ballast {
namespace {

using namespace test;

// ------------------------------------------------------------------ decimal text with an oracle

/// Renders `raw` (with `decimals` fractional digits) as one of many valid FIX decimal forms whose
/// value, rounded half-even to `decimals`, is exactly `raw`. Returns the text.
std::string render(std::int64_t raw, int decimals, std::mt19937_64& rng) {
  const int kind = static_cast<int>(rng() % 8);
  std::int64_t pow = 1;
  for (int i = 0; i < decimals; ++i) pow *= 10;
  auto full = [&](std::int64_t v) {  // exactly `decimals` fractional digits
    std::string s = std::to_string(v / pow);
    std::string f = std::to_string(v % pow);
    s += "." + std::string(static_cast<std::size_t>(decimals) - f.size(), '0') + f;
    return s;
  };
  switch (kind) {
    case 0:
      return fix::format_decimal(raw, decimals);  // canonical, integer form when whole
    case 1: {
      std::string s = fix::format_decimal(raw, decimals);
      if (s.find('.') == std::string::npos) s += ".";
      return s + std::string(1 + rng() % 6, '0');  // trailing zeros, beyond the scale too
    }
    case 2:
      return std::string(1 + rng() % 3, '0') + fix::format_decimal(raw, decimals);  // leading 0s
    case 3:  // floating-point noise above: 223.66000000000003
      return full(raw) + std::string(rng() % 6, '0') + std::to_string(1 + rng() % 4);
    case 4:  // floating-point noise below: 223.65999999999997 (only when raw > 0)
      if (raw == 0) return full(raw);
      return full(raw - 1) + std::string(1 + rng() % 6, '9') + std::to_string(6 + rng() % 4);
    case 5:  // an exact tie goes to the even neighbour: raw + a half rounds to raw when even
      if (raw % 2 == 0) return full(raw) + "5" + std::string(rng() % 3, '0');
      return full(raw);
    case 6:  // above half, rounds up to raw
      if (raw == 0) return full(raw);
      return full(raw - 1) + "5" + std::string(rng() % 3, '0') + "1";
    default:
      return full(raw);  // all the fixed-point digits
  }
}

TEST(InboundDecimal, RenderedFormsRoundBackToTheirValueUnderTheStatedRule) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const int decimals = i % 2 == 0 ? 9 : 6;
    const std::int64_t raw = static_cast<std::int64_t>(rng() % 1'000'000'000'000ULL);
    const std::string text = render(raw, decimals, rng);
    std::int64_t got = 0;
    bool rounded = false;
    ASSERT_TRUE(fix::parse_decimal_rounded(text, decimals, got, rounded)) << text;
    ASSERT_EQ(got, raw) << text;
  }
}

// ------------------------------------------------------------------ the broker model

struct Fill {
  std::string exec_id;
  std::int64_t qty = 0;  // raw 1e-6, as booked (after rounding)
  std::int64_t px = 0;   // raw 1e-9
  bool busted = false;
};

struct BrokerOrder {
  OrderId id{};          // the live ClOrdID (changes on replace)
  OrderId pending_id{};  // a cancel or replace request we have not answered
  bool pending_replace = false;
  std::int64_t pending_qty = 0;
  AccountId account{};
  bool fix42 = false;
  std::int64_t qty = 0, cum = 0, px = 0;
  bool acked = false, closed = false;
  char status = '0';
  std::vector<Fill> fills;
};

/// Records what the engine emitted, for the broker model.
struct Recorder {
  std::vector<Event> out;
  std::vector<std::string> trace;  // the last events, for a failure message
  void on_event(const Event& e, Timestamp, Outbox&) {
    std::string t = event_name(e);
    std::visit(
        [&](const auto& ev) {
          if constexpr (requires { ev.order; }) t += " order=" + std::to_string(ev.order.value);
          if constexpr (requires { ev.orig_order; })
            t += " orig=" + std::to_string(ev.orig_order.value);
          if constexpr (requires { ev.replaces; })
            t += " replaces=" + std::to_string(ev.replaces.value);
        },
        e);
    trace.push_back(t);
    if (trace.size() > 40) trace.erase(trace.begin());
    if (std::holds_alternative<SubmitOrder>(e) || std::holds_alternative<ReplaceOrder>(e) ||
        std::holds_alternative<QueryOrderStatus>(e) ||
        std::holds_alternative<KillSwitchTripped>(e) || std::holds_alternative<OrderDenied>(e)) {
      out.push_back(e);
    }
  }
};

/// The desk and its accounts exist before the gate (it sizes its tables from the book).
struct Accounts {
  Desk d_;
  std::vector<AccountId> accounts_;
  Accounts() {
    d_.price_all(ny(10, 0));
    const auto model = d_.model_60_40();
    for (int a = 0; a < 30; ++a) accounts_.push_back(d_.account(model, "0", "0", "100000000"));
  }
};

class Harness : Accounts {
 public:
  Harness()
      : cfg_(make_cfg()),
        gate_(cfg_, d_.instruments, d_.book, d_.market),
        om_(d_.book, d_.market),
        chain_(gate_, om_, rec_),
        clock_(ny(10, 0)),
        loop_(clock_, chain_, sink_),
        path_(std::string("/tmp/ballast_inbound_prop_") + std::to_string(::getpid()) + ".log") {
    gate_.set_adv(d_.spy, qty("100000000"));
  }
  ~Harness() { std::remove(path_.c_str()); }

  static ComplianceConfig make_cfg() {
    ComplianceConfig c;
    c.kill_switch.reject_storm_count = 1000000;
    c.kill_switch.order_rate_runaway = 1000000;
    c.max_open_orders_per_instrument = 1000;
    c.max_orders_per_second = 1000000;
    c.price_collar_bps = 100000;
    c.max_adv_share = 1.0;
    return c;
  }

  void run(std::uint64_t seed, int steps) {
    std::mt19937_64 rng(seed);
    for (int step = 0; step < steps; ++step) {
      clock_.set(clock_.now() + std::chrono::milliseconds(700));
      d_.price_all(clock_.now());
      fire_timers();
      const int action = static_cast<int>(rng() % 100);
      std::vector<std::size_t> live;
      for (std::size_t k = 0; k < orders_.size(); ++k) {
        const BrokerOrder& o = orders_[k];
        if (!frozen_.count(o.account.value) && !o.closed) live.push_back(k);
      }
      if (action < 12 || live.empty()) {
        propose(rng);
      } else {
        act(orders_[live[rng() % live.size()]], rng);
      }
      answer_engine(rng);
      check();
      if (::testing::Test::HasFatalFailure()) return;
    }
  }

  std::size_t reports = 0, unbookable = 0, orders_sent = 0;
  std::map<std::string, int> kinds;

 private:
  // ---------------------------------------------------------------- engine side
  void fire_timers() {
    while (auto due = loop_.next_timer_due()) {
      if (*due > clock_.now()) break;
      const Timestamp keep = clock_.now();
      clock_.set(*due);
      loop_.do_work();
      clock_.set(keep);
    }
  }

  void propose(std::mt19937_64& rng) {
    AccountId a = accounts_[rng() % accounts_.size()];
    if (frozen_.count(a.value) || gate_.kill_active(a)) return;
    ChildOrderProposed p{};
    p.order = OrderId{next_id_++};
    p.parent = OrderId{5'000'000 + rng() % 50};
    p.account = a;
    p.instrument = d_.spy;
    p.session = SessionId{0};
    p.side = Side::kBuy;
    p.qty = Qty::from_raw(static_cast<std::int64_t>(1 + rng() % 400) * 1'000'000 / 4);
    p.limit =
        Price::from_raw(100'000'000'000LL + static_cast<std::int64_t>(rng() % 1000) * 1'000'000);
    p.reference = Price::from_raw(100'000'000'000LL);
    loop_.process(p);
  }

  void answer_engine(std::mt19937_64& rng) {
    while (!rec_.out.empty()) {
      std::vector<Event> batch;
      batch.swap(rec_.out);
      for (const Event& e : batch) {
        if (const auto* s = std::get_if<SubmitOrder>(&e)) {
          BrokerOrder o;
          o.id = s->order;
          o.account = s->account;
          o.fix42 = rng() % 2 == 0;
          o.qty = s->qty.raw;
          o.px = s->limit.raw;
          by_id_[o.id.value] = orders_.size();
          orders_.push_back(o);
          ++orders_sent;
        } else if (const auto* r = std::get_if<ReplaceOrder>(&e)) {
          auto it = by_id_.find(r->orig_order.value);
          if (it == by_id_.end()) continue;
          BrokerOrder& o = orders_[it->second];
          o.pending_id = r->order;
          o.pending_replace = true;
          o.pending_qty = r->qty.raw;
          by_id_[r->order.value] = it->second;
        } else if (const auto* q = std::get_if<QueryOrderStatus>(&e)) {
          auto it = by_id_.find(q->order.value);
          if (it == by_id_.end()) continue;
          BrokerOrder& o = orders_[it->second];
          if (frozen_.count(o.account.value)) continue;
          status_report(o, rng);
        } else if (const auto* k = std::get_if<KillSwitchTripped>(&e)) {
          kills_.push_back(*k);
        }
      }
    }
  }

  // ---------------------------------------------------------------- broker side
  struct Er {
    std::vector<std::pair<int, std::string>> f;
    void set(int tag, const std::string& v) { f.emplace_back(tag, v); }
  };

  std::string qtxt(std::int64_t raw, std::mt19937_64& rng) { return render(raw, 6, rng); }
  std::string ptxt(std::int64_t raw, std::mt19937_64& rng) { return render(raw, 9, rng); }

  std::int64_t avg(const BrokerOrder& o) const {
    __int128 n = 0;
    std::int64_t q = 0;
    for (const Fill& f : o.fills) {
      if (f.busted) continue;
      n += static_cast<__int128>(f.qty) * f.px;
      q += f.qty;
    }
    return q == 0 ? 0 : static_cast<std::int64_t>(n / q);
  }

  char live_status(const BrokerOrder& o) const {
    if (o.cum >= o.qty && o.qty > 0) return '2';
    return o.cum > 0 ? '1' : '0';
  }

  /// Sends one ExecutionReport (exec_type as FIX 4.4 names it; mapped for 4.2) through the text
  /// codec, the bridge and the core loop; checks the decoded numbers.
  void send(BrokerOrder& o, char exec_type, char ord_status, OrderId cl, OrderId orig,
            std::int64_t last_qty, std::int64_t last_px, const std::string& exec_ref,
            std::mt19937_64& rng, const std::string& break_field = "") {
    Er m;
    const std::string exec_id = "X" + std::to_string(++exec_seq_);
    char et = exec_type;
    char trans = '0';
    if (o.fix42) {
      if (exec_type == 'F') et = (o.cum >= o.qty) ? '2' : '1';
      if (exec_type == 'H') {
        trans = '1';
        et = ord_status;
      }
      if (exec_type == 'G') {
        trans = '2';
        et = ord_status;
      }
      if (exec_type == 'I') {
        trans = '3';
        et = ord_status;
      }
    }
    kinds[std::string(o.fix42 ? "4.2:" : "4.4:") + exec_type]++;
    char id[24];
    m.set(37, "BRK-" + std::to_string(o.id.value));
    m.set(11, std::string(id, format_cl_ord_id(cl, id)));
    if (orig.valid() && rng() % 2 == 0) m.set(41, std::string(id, format_cl_ord_id(orig, id)));
    m.set(17, exec_id);
    if (!exec_ref.empty()) m.set(19, exec_ref);
    if (o.fix42) m.set(20, std::string(1, trans));
    m.set(150, break_field == "150" ? std::string("Z") : std::string(1, et));
    m.set(39, std::string(1, ord_status));
    m.set(1, "ACC");
    m.set(55, "SPY");
    m.set(54, "1");
    m.set(38, qtxt(o.qty, rng));
    if (last_qty > 0 || exec_type == 'F' || exec_type == 'G') {
      m.set(32, break_field == "32" ? std::string("12x") : qtxt(last_qty, rng));
      m.set(31, ptxt(last_px, rng));
    }
    const std::int64_t leaves = o.closed ? 0 : std::max<std::int64_t>(o.qty - o.cum, 0);
    m.set(14, qtxt(o.cum, rng));
    m.set(151, qtxt(leaves, rng));
    // AvgPx as a broker computing in doubles sends it: noise in the last digits.
    const double avg_d = static_cast<double>(avg(o)) / 1e9;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", avg_d);
    std::string avg_text = buf;
    if (avg_text.find_first_of("eE") != std::string::npos) avg_text = ptxt(avg(o), rng);
    m.set(6, avg_text);
    m.set(60, "20240102-14:30:00.250");

    std::string body;
    for (const auto& [t, v] : m.f) body += std::to_string(t) + "=" + v + "|";
    const std::string text = std::string(o.fix42 ? "8=FIX.4.2" : "8=FIX.4.4") +
                             "|9=0|35=8|49=BROKER|56=BALLAST|34=" + std::to_string(exec_seq_) +
                             "|52=20240102-14:30:00.250|" + body + "10=000|";
    {
      std::ofstream f(path_, std::ios::trunc);
      f << text << "\n";
    }
    history_.push_back(text);
    if (history_.size() > 12) history_.erase(history_.begin());
    fix::FixLogOptions opt;
    opt.our_comp_id = "BALLAST";
    opt.check_body_length = false;
    opt.check_checksum = false;
    opt.max_line_bytes = 4096;
    std::vector<fix::FixLogEntry> entries;
    std::string error;
    ASSERT_TRUE(fix::read_fix_log(path_, opt, entries, error)) << error;
    ASSERT_EQ(entries.size(), 1u) << text;
    ASSERT_EQ(entries[0].kind, fix::FixLogKind::kExecutionReport)
        << text << " -> " << entries[0].error;
    fix::ExecutionReport r = entries[0].execution_report;
    r.session = o.fix42 ? 1 : 0;
    ExecutionReported ev;
    const char* why = "";
    const bool bookable = to_event(r, ev, why);
    if (break_field.empty()) {
      // The stated rule: every rendered form rounds back to the broker's exact value.
      ASSERT_TRUE(bookable) << text << ": " << why;
      ASSERT_EQ(ev.cum_qty.raw, o.cum) << text;
      ASSERT_EQ(ev.leaves_qty.raw, leaves) << text;
      if (last_qty > 0) {
        ASSERT_EQ(ev.last_qty.raw, last_qty) << text;
        ASSERT_EQ(ev.last_px.raw, last_px) << text;
      }
    } else {
      ASSERT_FALSE(bookable) << text;
      ASSERT_NE(ev.issue, ReportIssue::kNone);
      ++unbookable;
    }
    ++reports;
    loop_.process(ev);  // never dropped: every report enters the core
  }

  void status_report(BrokerOrder& o, std::mt19937_64& rng) {
    // The broker answers about the live order; a cancel/replace it "lost" is forgotten.
    if (o.pending_id.valid() && lost_.count(o.pending_id.value)) {
      o.pending_id = OrderId{};
      o.pending_replace = false;
    }
    // A request the broker holds but has not answered shows as PendingCancel/PendingReplace.
    char st = o.closed ? o.status : live_status(o);
    if (!o.closed && o.pending_id.valid()) st = o.pending_replace ? 'E' : '6';
    send(o, 'I', st, o.id, OrderId{}, 0, 0, "", rng);
  }

  void act(BrokerOrder& o, std::mt19937_64& rng) {
    const int what = static_cast<int>(rng() % 100);
    const std::int64_t leaves = o.qty - o.cum;
    if (!o.acked) {
      o.acked = true;
      if (what < 5) {
        o.closed = true;
        o.status = '8';
        send(o, '8', '8', o.id, OrderId{}, 0, 0, "", rng);
        return;
      }
      if (what < 15) send(o, 'A', 'A', o.id, OrderId{}, 0, 0, "", rng);
      send(o, '0', '0', o.id, OrderId{}, 0, 0, "", rng);
      return;
    }
    if (o.pending_id.valid() && !lost_.count(o.pending_id.value)) {
      // Answer the outstanding request, or lose it (the engine times out and asks).
      const OrderId req = o.pending_id;
      if (what < 15) {
        lost_.insert(req.value);
        return;
      }
      o.pending_id = OrderId{};
      if (o.pending_replace) {
        o.pending_replace = false;
        if (o.pending_qty <= o.cum || what < 30) {
          CancelRejected cr{};
          cr.order = req;
          cr.orig_order = o.id;
          cr.response_to = CancelRejectResponseTo::kReplace;
          loop_.process(cr);
          return;
        }
        if (what < 40) send(o, 'E', 'E', req, o.id, 0, 0, "", rng);
        const OrderId old = o.id;
        o.id = req;
        o.qty = o.pending_qty;
        send(o, '5', live_status(o), req, old, 0, 0, "", rng);
        return;
      }
      if (what < 40) send(o, '6', '6', req, o.id, 0, 0, "", rng);
      o.closed = true;
      o.status = '4';
      send(o, '4', '4', req, o.id, 0, 0, "", rng);  // OrigClOrdID (41) sent half of the time
      return;
    }
    if (what < 40 && leaves > 0) {  // a fill
      std::int64_t q = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(leaves));
      if (rng() % 3 == 0) q = leaves;
      const std::int64_t px = o.px - static_cast<std::int64_t>(rng() % 50000) * 7;
      o.cum += q;
      Fill f{"X" + std::to_string(exec_seq_ + 1), q, px, false};
      o.fills.push_back(f);
      book_[o.account.value] += q;
      send(o, 'F', live_status(o), o.id, OrderId{}, q, px, "", rng);
      return;
    }
    // The engine cancels and replaces only what it holds as working (as the slicer does).
    const ChildOrder* mine = om_.child(o.id);
    const bool working = mine != nullptr && mine->live() && mine->state() != OrderState::kFilled &&
                         !mine->request_pending();
    if (what < 50 && !working) return;
    if (what < 58 && !working) return;
    if (what < 50) {  // ask to cancel
      CancelOrder c{};
      c.order = OrderId{next_id_++};
      c.orig_order = o.id;
      o.pending_id = c.order;
      o.pending_replace = false;
      by_id_[c.order.value] = by_id_[o.id.value];
      loop_.process(c);
      return;
    }
    if (what < 58) {  // ask to replace (new total quantity)
      ChildOrderProposed p{};
      p.order = OrderId{next_id_++};
      p.replaces = o.id;
      p.account = o.account;
      p.instrument = d_.spy;
      p.side = Side::kBuy;
      p.qty = Qty::from_raw(o.cum + static_cast<std::int64_t>(1 + rng() % 300) * 250'000);
      p.limit = Price::from_raw(o.px);
      p.reference = Price::from_raw(100'000'000'000LL);
      loop_.process(p);
      return;
    }
    if (what < 66) {  // bust a fill; the broker closes the order or works the quantity again
      Fill* f = nullptr;
      for (Fill& x : o.fills)
        if (!x.busted) f = &x;
      if (f == nullptr) return;
      f->busted = true;
      o.cum -= f->qty;
      book_[o.account.value] -= f->qty;
      char st;
      if (rng() % 2 == 0) {
        o.closed = true;
        st = o.cum > 0 && rng() % 2 == 0 ? '3' : '4';
        o.status = st;
      } else {
        st = live_status(o);
      }
      send(o, 'H', st, o.id, OrderId{}, f->qty, f->px, f->exec_id, rng);
      return;
    }
    if (what < 72) {  // correct a fill to a smaller quantity and another price
      Fill* f = nullptr;
      for (Fill& x : o.fills)
        if (!x.busted && x.qty > 1) f = &x;
      if (f == nullptr) return;
      const std::int64_t q2 =
          1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(f->qty - 1));
      o.cum += q2 - f->qty;
      book_[o.account.value] += q2 - f->qty;
      f->qty = q2;
      f->px += 1000;
      send(o, 'G', live_status(o), o.id, OrderId{}, q2, f->px, f->exec_id, rng);
      return;
    }
    if (what < 78 && leaves > 1) {  // Restated: the broker cuts OrderQty
      o.qty = o.cum + 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(leaves - 1));
      send(o, 'D', live_status(o), o.id, OrderId{}, 0, 0, "", rng);
      return;
    }
    if (what < 81) {
      send(o, '9', '9', o.id, OrderId{}, 0, 0, "", rng);  // Suspended
      return;
    }
    if (what < 84 && !o.fix42) {
      send(o, 'B', live_status(o), o.id, OrderId{}, 0, 0, "", rng);  // Calculated (4.4)
      return;
    }
    if (what < 86) {
      send(o, '7', '7', o.id, OrderId{}, 0, 0, "", rng);  // Stopped: still working
      return;
    }
    if (what < 89) {
      o.closed = true;
      o.status = rng() % 2 == 0 ? '3' : 'C';
      send(o, o.status, o.status, o.id, OrderId{}, 0, 0, "", rng);  // DoneForDay / Expired
      return;
    }
    if (what < 92) {
      status_report(o, rng);  // unsolicited status
      return;
    }
    if (what < 93 && rng() % 6 == 0) {  // a report Ballast cannot book: the account stops
      frozen_.insert(o.account.value);
      send(o, 'F', live_status(o), o.id, OrderId{}, 0, 0, "", rng, rng() % 2 ? "32" : "150");
      return;
    }
    send(o, '0', live_status(o), o.id, OrderId{}, 0, 0, "", rng);  // a repeated ack
  }

  void check() {
    std::size_t live = 0;
    std::string states;
    om_.for_each_live_child([&](const ChildOrder& c) {
      ++live;
      char id[24];
      states += std::string(id, format_cl_ord_id(c.id(), id)) + "=" + std::to_string(c.id().value) +
                ":" + to_string(c.state()) + " ";
    });
    if (gate_.working_orders() != live) {
      std::string h;
      for (const auto& t : history_) h += t + "\n";
      for (const auto& t : rec_.trace) h += t + "\n";
      ASSERT_EQ(gate_.working_orders(), live)
          << "gate and order manager disagree on working orders; live: " << states << "\n"
          << h;
    }
    for (const AccountId a : accounts_) {
      ASSERT_EQ(d_.book.position(a, d_.spy).raw, book_[a.value])
          << "account " << a.value << ": booked position != sum of rounded fills";
      if (frozen_.count(a.value)) {
        ASSERT_TRUE(gate_.kill_active(a)) << "an unbookable report must stop its account";
        bool said = false;
        for (const auto& k : kills_)
          said = said || (k.account == a && k.reason == KillReason::kUnbookableReport);
        ASSERT_TRUE(said) << "the stop must say why";
      }
    }
    ASSERT_FALSE(gate_.kill_global());
  }

  ComplianceConfig cfg_;
  ComplianceGate gate_;
  OrderManager om_;
  Recorder rec_;
  ComponentChain<ComplianceGate, OrderManager, Recorder> chain_;
  ManualClock clock_;
  NullSink sink_;
  CoreLoop<ManualClock, ComponentChain<ComplianceGate, OrderManager, Recorder>, NullSink> loop_;
  std::string path_;
  std::vector<BrokerOrder> orders_;
  std::map<std::uint64_t, std::size_t> by_id_;
  std::map<std::uint32_t, std::int64_t> book_;
  std::set<std::uint32_t> frozen_;
  std::set<std::uint64_t> lost_;
  std::vector<KillSwitchTripped> kills_;
  std::vector<std::string> history_;
  std::uint64_t next_id_ = 1'000'000;
  std::uint64_t exec_seq_ = 0;
};

TEST(InboundReportProperty, RandomReportsOfEveryExecTypeAreBookedByTheRoundingRuleAndNeverLost) {
  Harness h;
  h.run(20261206, 6000);
  if (::testing::Test::HasFatalFailure()) return;
  std::printf("random reports: %zu (%zu unbookable), orders: %zu\n", h.reports, h.unbookable,
              h.orders_sent);
  EXPECT_GT(h.reports, 3000u);
  EXPECT_GT(h.orders_sent, 200u);
  EXPECT_GT(h.unbookable, 0u);
  // Every ExecType of both versions was exercised.
  for (const char* k :
       {"4.4:0", "4.4:A", "4.4:F", "4.4:4", "4.4:5", "4.4:6", "4.4:E", "4.4:8", "4.4:H",
        "4.4:G", "4.4:D", "4.4:9", "4.4:B", "4.4:7", "4.4:3", "4.4:C", "4.4:I", "4.2:0",
        "4.2:A", "4.2:F", "4.2:4", "4.2:5", "4.2:6", "4.2:E", "4.2:8", "4.2:H", "4.2:G",
        "4.2:D", "4.2:9", "4.2:7", "4.2:3", "4.2:C", "4.2:I"}) {
    EXPECT_GT(h.kinds[k], 0) << k;
  }
}

}  // namespace
}  // namespace ballast
