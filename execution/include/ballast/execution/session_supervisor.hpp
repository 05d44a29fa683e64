// The session supervisor: what happens to working orders when a FIX session (re)connects. After
// every logon it asks the broker for the status of every child still working on that session
// (OrderStatusRequest), so fills missed while the session was down are learned even when the
// broker does not resend them; with the "cancel" policy it also cancels each of them.
#pragma once

#include <cstdint>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/execution/order_manager.hpp"

namespace ballast {

enum class WorkingOrderPolicy : std::uint8_t { kRequery, kCancel };

/// A component: on_event(event, now, outbox). Thread: the core thread only.
class SessionSupervisor {
 public:
  /// `policies[s]` applies to session s (missing: requery). `cancel_ids` issues the ClOrdIDs of
  /// the cancels it sends.
  SessionSupervisor(const OrderManager& om, ClOrdIdGenerator& cancel_ids,
                    std::vector<WorkingOrderPolicy> policies);

  void on_event(const Event& e, Timestamp now, Outbox& out);

  struct Counters {
    std::uint64_t logons = 0, logouts = 0, status_requests = 0, cancels = 0;
  };
  const Counters& counters() const noexcept { return c_; }
  /// Whether session s is logged on now.
  bool logged_on(SessionId s) const noexcept { return s.value < up_.size() && up_[s.value] != 0; }

 private:
  const OrderManager& om_;
  ClOrdIdGenerator& ids_;
  std::vector<WorkingOrderPolicy> policies_;
  std::vector<std::uint8_t> up_;
  Counters c_;
};

}  // namespace ballast
