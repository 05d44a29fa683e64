// Pieces of a test's own core loop (components in a real CoreLoop, without the kernel): the
// recorder last in the chain, a sink that publishes nowhere, and a priced desk with one cash
// account.
#pragma once

#include <variant>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/engine/outbox.hpp"
#include "engine/drift_fixtures.hpp"

namespace ballast::test {

/// What the compliance gate sends for an approved proposal that replaces a working child (as
/// ComplianceGate does; submit_of for a new order); the header is left for the loop to stamp.
inline ReplaceOrder replace_of(const ChildOrderProposed& o) noexcept {
  ReplaceOrder r{};
  r.order = o.order;
  r.orig_order = o.replaces;
  r.session = o.session;
  r.qty = o.qty;
  r.limit = o.limit;
  return r;
}

/// The order intent an approved proposal becomes: a replace or a new order.
inline Event intent_of(const ChildOrderProposed& o) noexcept {
  if (o.replaces.valid()) return replace_of(o);
  return submit_of(o);
}

/// Last in a test's chain: every event the components handled, in the loop's order.
struct Recorder {
  std::vector<Event> out;
  void on_event(const Event& e, Timestamp, Outbox&) { out.push_back(e); }
  /// The recorded events of type T.
  template <class T>
  std::vector<T> all() const {
    std::vector<T> v;
    for (const Event& e : out)
      if (const auto* p = std::get_if<T>(&e)) v.push_back(*p);
    return v;
  }
};

/// The loop's sink when nothing is journaled or sent.
struct NullSink {
  void on_input(const Event&) {}
  bool try_publish(const Event&) { return true; }
};

/// Every instrument of the desk priced at 10:00 New York and one 60/40 account holding
/// `cash` only. A base class, so that the desk exists before the components built on its book.
struct OneAccountDesk {
  Desk d;
  AccountId acct;
  explicit OneAccountDesk(const char* cash = "1000000") {
    d.price_all(ny(10, 0));
    acct = d.account(d.model_60_40(), "0", "0", cash);
  }
};

}  // namespace ballast::test
