#include "ballast/execution/session_supervisor.hpp"

namespace ballast {

SessionSupervisor::SessionSupervisor(const OrderManager& om, ClOrdIdGenerator& cancel_ids,
                                     std::vector<WorkingOrderPolicy> policies)
    : om_(om), ids_(cancel_ids), policies_(std::move(policies)), up_(policies_.size() + 1, 0) {}

void SessionSupervisor::on_event(const Event& e, Timestamp, Outbox& out) {
  const auto* s = std::get_if<SessionStatusChanged>(&e);
  if (s == nullptr) return;
  const std::size_t idx = s->session.value;
  if (idx >= up_.size()) up_.resize(idx + 1, 0);
  if (s->state != SessionState::kLoggedOn) {
    if (up_[idx] != 0) ++c_.logouts;
    up_[idx] = 0;
    return;
  }
  up_[idx] = 1;
  ++c_.logons;
  const WorkingOrderPolicy policy =
      idx < policies_.size() ? policies_[idx] : WorkingOrderPolicy::kRequery;
  om_.for_each_live_child([&](const ChildOrder& c) {
    if (c.session() != s->session) return;
    QueryOrderStatus q{};
    q.order = c.id();
    q.session = c.session();
    out.emit(q);
    ++c_.status_requests;
    if (policy == WorkingOrderPolicy::kCancel) {
      CancelOrder x{};
      x.order = ids_.next();
      x.orig_order = c.id();
      x.session = c.session();
      out.emit(x);
      ++c_.cancels;
    }
  });
}

}  // namespace ballast
