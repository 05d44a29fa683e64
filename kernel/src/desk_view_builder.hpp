// The core thread's side of the desk view (desk_view.hpp): what the audit records as events go by
// (each account's last trigger, the latest denials and fills), and the builder that reads the
// components' state into a DeskView. Private to the kernel.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/execution/rebalancer.hpp"
#include "ballast/kernel/desk_view.hpp"
#include "ballast/risk/compliance.hpp"

namespace ballast::kernel {

/// Records, on the core thread, what a view needs from the event stream. No allocation after
/// construction: a slot per account, two fixed rings.
class DeskRecorder {
 public:
  struct LastTrigger {
    std::uint32_t count = 0;
    Timestamp time{};
    TriggerRule rule{TriggerRule::kAbsoluteBand};
    double max_abs_drift = 0;
    double band_utilization = 0;
    std::uint64_t why_id = 0;
  };

  explicit DeskRecorder(std::size_t accounts) : last_(accounts) {}

  void on(const RebalanceTriggered& t, Timestamp now) noexcept {
    if (t.account.value >= last_.size()) return;
    LastTrigger& l = last_[t.account.value];
    ++l.count;
    l.time = now;
    l.rule = t.rule;
    l.max_abs_drift = t.max_abs_drift;
    l.band_utilization = t.band_utilization;
    l.why_id = t.why_id;
  }
  void on(const OrderDenied& d, Timestamp now) noexcept {
    denials_[denials_total_++ % denials_.size()] =
        DenialView{now, d.order, d.account, d.instrument, d.side, d.reason, d.qty, d.limit};
  }
  void on(const FillBooked& f, Timestamp now) noexcept {
    fills_[fills_total_++ % fills_.size()] =
        FillView{now, f.order, f.account, f.instrument, f.booking, f.qty, f.px};
  }

  const LastTrigger& last(AccountId a) const noexcept { return last_[a.value]; }
  std::size_t accounts() const noexcept { return last_.size(); }

  /// Appends the recorded denials / fills, oldest first.
  void copy_denials(std::vector<DenialView>& out) const;
  void copy_fills(std::vector<FillView>& out) const;
  std::uint64_t denials_total() const noexcept { return denials_total_; }
  std::uint64_t fills_total() const noexcept { return fills_total_; }

 private:
  std::vector<LastTrigger> last_;
  std::array<DenialView, kRecentDenials> denials_{};
  std::array<FillView, kRecentFills> fills_{};
  std::uint64_t denials_total_ = 0, fills_total_ = 0;
};

/// What a view is read from (the core thread's components).
struct DeskSources {
  const PortfolioBook& book;
  const DriftMonitor& monitor;
  const ComplianceGate& gate;
  const OrderManager& om;
  const MarketState& market;
  const DeskRecorder& recorder;
  const Rebalancer& rebalancer;
};

/// Fills `v` (its vectors cleared and refilled, their capacity kept) with the desk as it stands at
/// `now`. Core thread. `seq` and `built_ns` are the caller's.
void build_desk_view(const DeskSources& src, Timestamp now, DeskView& v);

}  // namespace ballast::kernel
