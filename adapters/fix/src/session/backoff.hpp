// Reconnect back-off: min, doubling up to max, back to min after a successful logon.
#pragma once

namespace ballast {
namespace fix {

class Backoff {
 public:
  Backoff(int min_ms, int max_ms)
      : min_ms_(min_ms), max_ms_(max_ms < min_ms ? min_ms : max_ms), next_ms_(min_ms) {}
  /// The delay before the next attempt after a failure or drop; doubles the one after it.
  int next_delay_ms() {
    const int d = next_ms_;
    next_ms_ = next_ms_ > max_ms_ / 2 ? max_ms_ : next_ms_ * 2;
    return d;
  }
  void on_logon() { next_ms_ = min_ms_; }
  int peek_ms() const { return next_ms_; }

 private:
  int min_ms_;
  int max_ms_;
  int next_ms_;
};

}  // namespace fix
}  // namespace ballast
