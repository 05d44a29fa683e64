// The desk and the broker of the kernel-level tests that drive `ballast run`'s kernel offline:
// the YAML of a desk on AAPL, AMZN and GOOG (the instruments of the shipped daily closes) from the
// few settings the tests vary, and a stand-in broker that answers the kernel's intents with
// acknowledgements, fills and cancels, fed back until the kernel is quiet.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/kernel/kernel.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast::test {

/// A desk on AAPL, AMZN and GOOG with one model `m`; every field is the text after its key (an
/// empty one leaves its line out, so that the loader's default applies).
struct KernelDesk {
  std::string band = "0.02";                                 ///< triggers.absolute.band
  std::string cost_benefit = "{enabled: false}";             ///< triggers.cost_benefit
  std::string cool_down = "30s";                             ///< triggers.cool_down
  std::string hours = "{start: \"09:30\", end: \"16:00\"}";  ///< triggers.trading_hours
  /// What follows `id: m, ` in the model's entry.
  std::string model = "weights: {AAPL: 0.4, AMZN: 0.3, GOOG: 0.3}";
  /// The entries of `accounts`, each a whole line.
  std::string accounts = "  - {id: CASH, model: m, cash: 1000000.00}\n";
  std::string execution = "{horizon: 90s, interval: 10s}";
  std::string compliance = "{max_adv_share: off, reference_stale_after: 30s}";
};

/// The YAML of `d` (risk model: Ledoit-Wolf over 200 days; no journal).
inline std::string desk_yaml(const KernelDesk& d) {
  std::string y =
      "instruments:\n"
      "  - {symbol: AAPL}\n"
      "  - {symbol: AMZN}\n"
      "  - {symbol: GOOG}\n"
      "triggers:\n"
      "  absolute: {band: " +
      d.band + "}\n";
  if (!d.cost_benefit.empty()) y += "  cost_benefit: " + d.cost_benefit + "\n";
  if (!d.cool_down.empty()) y += "  cool_down: " + d.cool_down + "\n";
  y += "  trading_hours: " + d.hours + "\n";
  y += "models:\n  - {id: m, " + d.model + "}\naccounts:\n" + d.accounts;
  y += "optimizer: {risk_model: {estimator: ledoit_wolf, lookback_days: 200}}\n";
  y += "execution: " + d.execution + "\ncompliance: " + d.compliance + "\n";
  y += "journal: {enabled: false}\n";
  return y;
}

/// The head of a desk on SPY and AGG (fixed income), up to its models: an absolute band of 5
/// points, re-armed at `rearm_fraction` of it, and a cool-down of `cool_down`, no cash-flow or
/// cost-benefit trigger; marks at mid, stale after 24 h, moves of up to `max_move_bps` accepted.
inline std::string spy_agg_desk_head(const std::string& cool_down,
                                     const std::string& rearm_fraction,
                                     const std::string& max_move_bps) {
  return "instruments:\n"
         "  - {symbol: SPY}\n"
         "  - {symbol: AGG, asset_class: fixed_income}\n"
         "triggers:\n"
         "  absolute: {band: 0.05}\n"
         "  cash_flow: {enabled: false}\n"
         "  cost_benefit: {enabled: false}\n"
         "  cool_down: " +
         cool_down + "\n  rearm_fraction: " + rearm_fraction +
         "\nmarket_data_quality: {stale_after: 24h, max_move_bps: " + max_move_bps +
         ", mark: mid}\n";
}

/// A broker stand-in for a kernel fed offline. `instant`: every order is acknowledged and filled
/// in full at its limit as it comes; otherwise it is acknowledged and held, to be filled (in part
/// or in full) or canceled later. A cancel of a held order is confirmed with the quantity filled
/// so far; a cancel or replace of an order it no longer holds is refused (CancelRejected) when
/// `refuse_unknown`, otherwise left unanswered. ExecIDs: N (ack), F (fill), C (cancel) and one
/// sequence number for all.
struct TestBroker {
  bool instant = false;
  bool refuse_unknown = false;
  /// Where to copy every intent received (none when null).
  std::vector<Event>* record = nullptr;
  std::uint64_t exec = 0;
  std::uint64_t orders = 0;         ///< SubmitOrders received
  std::vector<SubmitOrder> held{};  ///< acknowledged, neither filled in full nor canceled
  std::map<std::uint64_t, std::int64_t> cum{};  ///< order -> raw quantity filled so far
  /// (account, instrument) -> raw quantity filled, buys positive (the other side's record).
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> filled{};

  /// The answers to `intents`, appended to `reports`.
  void take(const std::vector<Event>& intents, std::vector<Event>& reports) {
    for (const Event& e : intents) {
      if (record != nullptr) record->push_back(e);
      if (const auto* s = std::get_if<SubmitOrder>(&e)) {
        ++orders;
        reports.push_back(ack_of(*s, "N" + std::to_string(++exec)));
        if (instant) {
          reports.push_back(fill(*s, 0, s->qty.raw));
        } else {
          held.push_back(*s);
        }
      } else if (const auto* c = std::get_if<CancelOrder>(&e)) {
        if (!cancel(*c, reports) && refuse_unknown)
          reports.push_back(
              refusal(c->order, c->orig_order, c->session, CancelRejectResponseTo::kCancel));
      } else if (const auto* rp = std::get_if<ReplaceOrder>(&e)) {
        if (refuse_unknown)
          reports.push_back(
              refusal(rp->order, rp->orig_order, rp->session, CancelRejectResponseTo::kReplace));
      }
    }
  }

  /// Fills the held orders, in the order they came, by what `how_much(left)` says of each (`left`:
  /// its raw quantity not yet filled; 0: it sits); a held order filled in full leaves.
  template <class HowMuch>
  void fill_held(HowMuch&& how_much, std::vector<Event>& reports) {
    for (std::size_t i = 0; i < held.size();) {
      const SubmitOrder& s = held[i];
      std::int64_t& done = cum[s.order.value];
      const std::int64_t q = how_much(s.qty.raw - done);
      if (q == 0) {
        ++i;
        continue;
      }
      const ExecutionReported f = fill(s, done, q);
      done += q;
      reports.push_back(f);
      if (f.leaves_qty.raw == 0) {
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }

  /// Answers `intents` (emptied) at `t`, fills the held orders by `how_much` (see fill_held) and
  /// feeds every report to `k`, calling `after(report)` after each (false: stop here and return
  /// false); again with what the reports caused, until no intent is left and, when `drain`, no
  /// order held -- at most `rounds` times.
  template <class HowMuch, class After>
  bool answer(kernel::Kernel& k, Timestamp t, std::vector<Event>& intents, bool drain,
              HowMuch&& how_much, After&& after, int rounds = 100) {
    for (int r = 0; r < rounds && (!intents.empty() || (drain && !held.empty())); ++r) {
      in_flight_.clear();
      in_flight_.swap(intents);
      reports_.clear();
      take(in_flight_, reports_);
      if (!instant) fill_held(how_much, reports_);
      for (const Event& rep : reports_) {
        k.feed_offline(rep, t, intents);
        if (!after(rep)) return false;
      }
    }
    return true;
  }
  /// The same, holding orders filled in full when `fill` (otherwise they sit), and nothing to do
  /// after each report.
  void answer(kernel::Kernel& k, Timestamp t, std::vector<Event>& intents, bool fill) {
    answer(
        k, t, intents, fill, [fill](std::int64_t left) { return fill ? left : 0; },
        [](const Event&) { return true; });
  }
  /// Feeds `e` to `k` at `t` and answers what it causes (see answer) until quiet.
  void feed(kernel::Kernel& k, const Event& e, Timestamp t) {
    k.feed_offline(e, t, intents_);
    answer(k, t, intents_, true);
  }

  /// Scratch, reused from round to round.
  std::vector<Event> in_flight_{}, reports_{}, intents_{};

 private:
  /// A fill of `q` (raw) of `s` at its limit, after the `done` it had filled before.
  ExecutionReported fill(const SubmitOrder& s, std::int64_t done, std::int64_t q) {
    ExecutionReported f = fill_of(s, "F" + std::to_string(++exec));
    f.last_qty = Qty::from_raw(q);
    f.cum_qty = Qty::from_raw(done + q);
    f.leaves_qty = Qty::from_raw(s.qty.raw - done - q);
    f.status = f.leaves_qty.raw == 0 ? OrdStatus::kFilled : OrdStatus::kPartiallyFilled;
    filled[{s.account.value, s.instrument.value}] += s.side == Side::kBuy ? q : -q;
    return f;
  }
  /// Confirms cancel `c` of a held order; false when it holds none such.
  bool cancel(const CancelOrder& c, std::vector<Event>& reports) {
    for (std::size_t i = 0; i < held.size(); ++i) {
      if (held[i].order != c.orig_order) continue;
      reports.push_back(canceled_of(held[i], c, "C" + std::to_string(++exec),
                                    Qty::from_raw(cum[held[i].order.value])));
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
    return false;
  }
  static CancelRejected refusal(OrderId order, OrderId orig, SessionId session,
                                CancelRejectResponseTo to) {
    CancelRejected cr{};
    cr.order = order;
    cr.orig_order = orig;
    cr.session = session;
    cr.response_to = to;
    return cr;
  }
};

}  // namespace ballast::test
