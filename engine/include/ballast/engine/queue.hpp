// Bounded lock-free queues between threads: moodycamel behind a small wrapper.
//
// One queue per producer-to-consumer link. Capacity is fixed at construction: a push never
// allocates and never drops; when the queue is full try_push returns false and the producer
// decides (push_wait spins with an idle strategy and counts the waits).
#pragma once

#include <atomic>

// ThreadSanitizer does not model the standalone fences ReaderWriterQueue relies on. moodycamel
// annotates them with happens-before edges, but only detects TSan under clang; under GCC's
// -fsanitize=thread we switch the same annotations on here, before its headers are read.
#if defined(__SANITIZE_THREAD__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
namespace moodycamel {
inline int ae_tsan_global;
}
extern "C" void AnnotateHappensBefore(const char*, int, void*);
extern "C" void AnnotateHappensAfter(const char*, int, void*);
#define AE_TSAN_ANNOTATE_RELEASE() \
  AnnotateHappensBefore(__FILE__, __LINE__, static_cast<void*>(&::moodycamel::ae_tsan_global))
#define AE_TSAN_ANNOTATE_ACQUIRE() \
  AnnotateHappensAfter(__FILE__, __LINE__, static_cast<void*>(&::moodycamel::ae_tsan_global))
#endif

#include <concurrentqueue/concurrentqueue.h>
#include <readerwriterqueue/readerwriterqueue.h>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ballast/core/invariant.hpp"

namespace ballast {

/// Single-producer single-consumer bounded queue (moodycamel::ReaderWriterQueue).
/// Thread: exactly one producer thread calls try_push/push_wait, one consumer thread try_pop.
template <class T>
class SpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "queue elements are copied by value");

 public:
  /// Holds at least `capacity` elements; all memory is allocated here.
  explicit SpscQueue(std::size_t capacity) : q_(capacity), capacity_(q_.max_capacity()) {}
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  /// Appends `v`; returns false (and counts it) when the queue is full. Never allocates.
  [[nodiscard]] bool try_push(const T& v) noexcept {
    if (q_.try_enqueue(v)) return true;
    full_events_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  /// Appends `v`, waiting with `idle` while the queue is full (explicit backpressure: the producer
  /// slows down, nothing is dropped). Returns how many times it had to wait.
  template <class Idle>
  std::uint64_t push_wait(const T& v, Idle& idle) noexcept {
    std::uint64_t waits = 0;
    while (!try_push(v)) {
      idle.idle(0);
      ++waits;
    }
    idle.reset();
    return waits;
  }

  /// Takes the oldest element into `out`; returns false when empty.
  [[nodiscard]] bool try_pop(T& out) noexcept { return q_.try_dequeue(out); }

  std::size_t size_approx() const noexcept { return q_.size_approx(); }
  std::size_t capacity() const noexcept { return capacity_; }
  /// How many pushes found the queue full (each retry counts).
  std::uint64_t full_events() const noexcept {
    return full_events_.load(std::memory_order_relaxed);
  }

 private:
  moodycamel::ReaderWriterQueue<T> q_;
  std::size_t capacity_;
  // Written by the producer, read by anyone: its own line keeps it off the queue's hot lines.
  alignas(64) std::atomic<std::uint64_t> full_events_{0};
};

/// Multi-producer single-consumer bounded queue (moodycamel::ConcurrentQueue with producer tokens).
/// For links where several producer threads share one consumer (operator commands, logs).
/// Order is FIFO per producer; across producers it is the order the consumer happens to see.
///
/// Bounding: ConcurrentQueue's explicit producers keep the blocks they take from the preallocated
/// pool and never return them, so with a plain capacity one fast producer can take every block
/// and starve the others for good (seen in tests). Each producer's sub-queue is therefore capped
/// at kPerProducer elements (the MAX_SUBQUEUE_SIZE trait) and the pool is sized for every producer
/// to hold its cap: a producer is refused only when its own share is full.
template <class T, std::size_t kPerProducer = 1024>
class MpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "queue elements are copied by value");
  struct Traits : moodycamel::ConcurrentQueueDefaultTraits {
    static const std::size_t MAX_SUBQUEUE_SIZE = kPerProducer;
  };
  static_assert(kPerProducer >= Traits::BLOCK_SIZE && kPerProducer % Traits::BLOCK_SIZE == 0,
                "per-producer capacity must be a multiple of the block size (32)");
  using Inner = moodycamel::ConcurrentQueue<T, Traits>;

 public:
  /// A producer's handle; each producer thread makes its own and keeps it. Destroying it gives
  /// its place back: the next make_producer() takes over its share (moodycamel recycles the
  /// inactive explicit producer, blocks and all), and what it queued is still popped.
  class Producer {
   public:
    Producer(Producer&& o) noexcept : q_(o.q_), token_(std::move(o.token_)) { o.q_ = nullptr; }
    Producer& operator=(Producer&& o) noexcept {
      if (this != &o) {
        release();
        q_ = o.q_;
        o.q_ = nullptr;
        token_ = std::move(o.token_);
      }
      return *this;
    }
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;
    ~Producer() { release(); }

    /// Appends `v`; false (and counted) when this producer's share is full. Never allocates.
    [[nodiscard]] bool try_push(const T& v) noexcept {
      if (q_->q_.try_enqueue(token_, v)) return true;
      q_->full_events_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    /// Appends `v`, waiting with `idle` while full. Returns how many times it waited.
    template <class Idle>
    std::uint64_t push_wait(const T& v, Idle& idle) noexcept {
      std::uint64_t waits = 0;
      while (!try_push(v)) {
        idle.idle(0);
        ++waits;
      }
      idle.reset();
      return waits;
    }

   private:
    friend class MpscQueue;
    explicit Producer(MpscQueue* q) : q_(q), token_(q->q_) {}
    void release() noexcept {
      if (q_ != nullptr) q_->producers_.fetch_sub(1, std::memory_order_relaxed);
      q_ = nullptr;
    }
    MpscQueue* q_;  // null: moved from
    typename Inner::producer_token_t token_;
  };

  /// Preallocates room for `max_producers` producers of kPerProducer elements each.
  explicit MpscQueue(std::size_t max_producers)
      : q_(kPerProducer, max_producers, 0), max_producers_(max_producers) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  /// Makes a producer handle (cold path: allocates its token). At most max_producers alive at
  /// once (more is the program's bug: the queue is sized for them).
  Producer make_producer() {
    const auto n = producers_.fetch_add(1, std::memory_order_relaxed);
    BALLAST_INVARIANT(n < max_producers_, "MpscQueue: more producers than configured");
    return Producer(this);
  }

  [[nodiscard]] bool try_pop(T& out) noexcept { return q_.try_dequeue(out); }
  std::size_t size_approx() const noexcept { return q_.size_approx(); }
  static constexpr std::size_t per_producer_capacity() noexcept { return kPerProducer; }
  std::uint64_t full_events() const noexcept {
    return full_events_.load(std::memory_order_relaxed);
  }

 private:
  Inner q_;
  std::size_t max_producers_;
  std::atomic<std::size_t> producers_{0};
  alignas(64) std::atomic<std::uint64_t> full_events_{0};
};

}  // namespace ballast
