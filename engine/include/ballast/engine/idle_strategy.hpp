// Idle strategies: what a polling thread does when a pass found no work (Aeron's shape).
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace ballast {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

/// Which idle strategy a thread uses (configured per deployment).
enum class IdleKind : std::uint8_t { kBusySpin, kYield, kBackOff };

/// Idle behaviour; `idle(work)` is called after each pass with the work it did.
/// kBusySpin: lowest latency, burns a core. kYield: gives the core away each empty pass.
/// kBackOff: spins, then yields, then sleeps from min to max, doubling (the default).
class IdleStrategy {
 public:
  struct Params {
    IdleKind kind = IdleKind::kBackOff;
    std::uint32_t max_spins = 100;
    std::uint32_t max_yields = 50;
    std::chrono::nanoseconds min_park{std::chrono::microseconds(1)};
    std::chrono::nanoseconds max_park{std::chrono::microseconds(500)};
  };

  IdleStrategy() = default;
  explicit IdleStrategy(Params p) noexcept : p_(p), park_(p.min_park) {}
  explicit IdleStrategy(IdleKind kind) noexcept : IdleStrategy(Params{.kind = kind}) {}

  void idle(int work_count) noexcept {
    if (work_count > 0) {
      reset();
      return;
    }
    switch (p_.kind) {
      case IdleKind::kBusySpin:
        cpu_relax();
        return;
      case IdleKind::kYield:
        std::this_thread::yield();
        return;
      case IdleKind::kBackOff:
        if (spins_ < p_.max_spins) {
          ++spins_;
          cpu_relax();
        } else if (yields_ < p_.max_yields) {
          ++yields_;
          std::this_thread::yield();
        } else {
          std::this_thread::sleep_for(park_);
          park_ = park_ * 2 > p_.max_park ? p_.max_park : park_ * 2;
        }
        return;
    }
  }

  void reset() noexcept {
    spins_ = 0;
    yields_ = 0;
    park_ = p_.min_park;
  }

  IdleKind kind() const noexcept { return p_.kind; }
  /// Where the back-off stands: empty passes spun and yielded since the last work, and how long
  /// the next park sleeps (doubling up to max_park from min_park).
  std::uint32_t spins() const noexcept { return spins_; }
  std::uint32_t yields() const noexcept { return yields_; }
  std::chrono::nanoseconds next_park() const noexcept { return park_; }

 private:
  Params p_{};
  std::uint32_t spins_ = 0;
  std::uint32_t yields_ = 0;
  std::chrono::nanoseconds park_{std::chrono::microseconds(1)};
};

}  // namespace ballast
