#include "desk_view_builder.hpp"

#include <algorithm>
#include <cmath>

namespace ballast::kernel {

void DeskRecorder::copy_denials(std::vector<DenialView>& out) const {
  const std::uint64_t n = std::min<std::uint64_t>(denials_total_, denials_.size());
  for (std::uint64_t i = denials_total_ - n; i < denials_total_; ++i) {
    out.push_back(denials_[i % denials_.size()]);
  }
}

void DeskRecorder::copy_fills(std::vector<FillView>& out) const {
  const std::uint64_t n = std::min<std::uint64_t>(fills_total_, fills_.size());
  for (std::uint64_t i = fills_total_ - n; i < fills_total_; ++i) {
    out.push_back(fills_[i % fills_.size()]);
  }
}

void build_desk_view(const DeskSources& src, Timestamp now, DeskView& v) {
  const PortfolioBook& book = src.book;
  v.as_of = now;
  v.models.clear();
  v.accounts.clear();
  v.positions.clear();
  v.why.clear();
  v.orders.clear();
  v.denials.clear();
  v.fills.clear();
  v.models.resize(book.models());
  for (std::size_t m = 0; m < book.models(); ++m) {
    v.models[m].model = ModelId{static_cast<std::uint32_t>(m)};
  }
  const std::size_t n_accounts = book.accounts();
  v.accounts.resize(n_accounts);
  // Working children per account (blocks' children have no account).
  v.orders_total = 0;
  src.om.for_each_live_child([&](const ChildOrder& c) {
    ++v.orders_total;
    if (c.account().valid() && c.account().value < n_accounts)
      ++v.accounts[c.account().value].working;
    if (v.orders.size() < DeskView::kMaxOrders) {
      v.orders.push_back(OrderView{c.id(), c.parent(), c.account(), c.instrument(), c.session(),
                                   c.side(), static_cast<std::uint8_t>(c.state()), c.qty(),
                                   c.cum_qty(), c.limit()});
    }
  });
  for (std::size_t i = 0; i < n_accounts; ++i) {
    const AccountId a{static_cast<std::uint32_t>(i)};
    AccountView& av = v.accounts[i];
    av.account = a;
    av.model = book.model_of(a);
    av.cash = book.cash(a);
    const DriftFigures f = src.monitor.figures(a, now);
    av.nav = book.nav(a);
    av.complete = f.complete;
    av.max_abs_drift = f.max_abs;
    av.half_turnover = f.half_turnover;
    av.tracking_error = f.tracking_error;
    const TriggerConfig& prof = src.monitor.profile(a);
    double util = 0;
    if (prof.absolute.enabled) util = std::max(util, f.abs_utilization);
    if (prof.relative.enabled) util = std::max(util, f.rel_utilization);
    av.band_utilization = util;
    av.outside_band = f.complete && util >= 1.0;
    // worst_slot is the book's slot index (the account's first slot already added), -1 for cash.
    av.worst = f.worst_slot >= 0 ? book.slot_instrument(static_cast<std::uint32_t>(f.worst_slot))
                                 : InstrumentId{};
    av.paused = src.monitor.paused(a);
    av.killed = src.gate.kill_active(a);
    av.rebalancing = av.working > 0 || book.has_pending(a);
    // Positions.
    av.first_position = static_cast<std::uint32_t>(v.positions.size());
    const std::uint32_t first = book.first_slot(a);
    const std::uint32_t n = book.slot_count(a);
    const double inv_nav = f.nav_ok ? 1.0 / f.nav : 0.0;
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t s = first + k;
      PositionView p;
      p.instrument = book.slot_instrument(s);
      p.qty = Qty{book.slot_qty_raw(s)};
      p.pending = Qty{book.slot_pending_raw(s)};
      p.target = book.slot_target(s);
      p.restricted = (book.slot_flags(s) & kSlotRestricted) != 0;
      if (src.market.has_mark(p.instrument)) {
        p.mark = src.market.mark_for(p.instrument, p.qty.raw);
        p.weight = static_cast<double>(p.qty.raw) * 1e-6 * static_cast<double>(p.mark.raw) * 1e-9 *
                   inv_nav;
      }
      p.band = src.monitor.band(a, k);
      v.positions.push_back(p);
    }
    av.positions = n;
    // The last trigger and its why-record.
    const DeskRecorder::LastTrigger& lt = src.recorder.last(a);
    av.triggers = lt.count;
    av.first_why = static_cast<std::uint32_t>(v.why.size());
    if (lt.count > 0) {
      av.last_trigger = lt.time;
      av.last_rule = lt.rule;
      av.last_max_abs_drift = lt.max_abs_drift;
      av.last_band_utilization = lt.band_utilization;
      for (const WhyLine& w : src.monitor.why(lt.why_id)) {
        v.why.push_back(WhyView{w.instrument, static_cast<std::uint8_t>(w.excluded), w.weight,
                                w.target, w.price, w.price_time});
      }
    }
    av.why_lines = static_cast<std::uint32_t>(v.why.size()) - av.first_why;
    // The model's figures.
    if (av.model.value < v.models.size()) {
      ModelView& mv = v.models[av.model.value];
      ++mv.accounts;
      if (!f.complete) {
        ++mv.incomplete;
      } else {
        std::size_t b = 0;
        while (b < kUtilizationEdges.size() && util > kUtilizationEdges[b]) ++b;
        ++mv.utilization[b];
        mv.max_utilization = std::max(mv.max_utilization, util);
      }
      mv.outside_band += av.outside_band;
      mv.paused += av.paused;
      mv.killed += av.killed;
    }
  }
  v.proposals.clear();
  v.proposal_lines.clear();
  for (const Rebalancer::Proposal& p : src.rebalancer.proposals()) {
    v.proposals.push_back(ProposalView{p.account, p.time, p.gross,
                                       static_cast<std::uint32_t>(v.proposal_lines.size()),
                                       static_cast<std::uint32_t>(p.lines.size())});
    for (const auto& l : p.lines) v.proposal_lines.push_back({l.instrument, l.qty, l.price});
  }
  src.recorder.copy_denials(v.denials);
  src.recorder.copy_fills(v.fills);
  v.denials_total = src.recorder.denials_total();
  v.fills_total = src.recorder.fills_total();
}

}  // namespace ballast::kernel
