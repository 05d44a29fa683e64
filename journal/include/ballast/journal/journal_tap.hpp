// JournalTap: the core loop's input tap and intent recorder over a JournalWriter.
#pragma once

#include <variant>

#include "ballast/core/events.hpp"
#include "ballast/journal/journal_writer.hpp"

namespace ballast {

/// Whether `e` is an outbound order intent (goes to a broker): SubmitOrder, CancelOrder,
/// ReplaceOrder, QueryOrderStatus.
constexpr bool is_order_intent(const Event& e) noexcept {
  return std::holds_alternative<SubmitOrder>(e) || std::holds_alternative<CancelOrder>(e) ||
         std::holds_alternative<ReplaceOrder>(e) || std::holds_alternative<QueryOrderStatus>(e);
}

/// Has the CoreLoop Sink shape for the journal's part: on_input() journals every input (waiting
/// when the writer's queue is full: an input is never processed unjournaled); try_publish()
/// journals order intents (or every emitted event with `all_emitted`) and returns false when the
/// queue is full. A composite sink that also feeds FIX must not call try_publish twice for one
/// event after it succeeded once (the loop retries the whole publish on false).
/// Thread: the core thread.
class JournalTap {
 public:
  explicit JournalTap(JournalWriter& w, bool all_emitted = false) noexcept
      : w_(w), all_(all_emitted) {}
  void on_input(const Event& e) noexcept { w_.append_input(e); }
  [[nodiscard]] bool try_publish(const Event& e) noexcept {
    if (!all_ && !is_order_intent(e)) return true;
    return w_.try_append_intent(e);
  }

 private:
  JournalWriter& w_;
  bool all_;
};

}  // namespace ballast
