#include "ballast/kernel/intent_sender.hpp"

#include <ctime>
#include <utility>

namespace ballast::kernel {

namespace {
std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

IntentSender::IntentSender(SpscQueue<Event>& queue, IntentDestination& destination,
                           JournalWriter* journal, IntentSenderOptions options,
                           std::function<void()> on_journal_failure)
    : queue_(queue),
      out_(destination),
      journal_(journal),
      gated_(journal != nullptr && options.release_after_durable),
      idle_(options.idle),
      wait_(options.idle),
      on_journal_failure_(std::move(on_journal_failure)) {}

void IntentSender::release(const Event& e) {
  out_.on_taken(e);
  if (gated_) {
    const std::uint64_t seq = header(e).seq;
    // The cancels of one sweep (a global kill or cancel-all) are one input's intents: once the
    // first of them is durable, so is that input (the journal is durable as a prefix), and a
    // recovery regenerates every cancel of the sweep from it. The others go without waiting.
    const auto* cancel = std::get_if<CancelOrder>(&e);
    const std::uint32_t sweep = cancel != nullptr ? cancel->sweep : 0;
    if (!journal_->is_durable(seq)) {
      if (sweep != 0 && sweep == durable_sweep_ && !journal_->failed()) {
        ++c_.swept;
      } else {
        ++c_.durable_waits;
        // Spin, yield or park per the configured strategy until the writer publishes this seq
        // (or fails): with group commit that is up to group_commit_us away.
        const std::int64_t t0 = monotonic_ns();
        wait_.reset();
        while (!journal_->is_durable(seq) && !journal_->failed()) wait_.idle(0);
        c_.durable_wait.record(monotonic_ns() - t0);
        // The writer may have made it durable just before it failed: decide on durability.
        if (!journal_->is_durable(seq)) {
          ++c_.held;
          if (!reported_.exchange(true, std::memory_order_acq_rel) && on_journal_failure_) {
            on_journal_failure_();
          }
          return;
        }
      }
    }
    if (sweep != 0) durable_sweep_ = sweep;
  }
  out_.send(e);
  ++c_.sent;
}

int IntentSender::do_work() {
  int n = 0;
  Event e;
  while (queue_.try_pop(e)) {
    release(e);
    ++n;
  }
  return n;
}

void IntentSender::on_close() {
  // The producer (the core thread) stopped before this agent was asked to: whatever is queued
  // now is all there will be.
  while (do_work() > 0) {
  }
}

void IntentSender::run() {
  idle_.reset();
  while (!stop_.load(std::memory_order_acquire)) idle_.idle(do_work());
  on_close();
}

}  // namespace ballast::kernel
