// FixedIdMap: the one fixed-capacity open-addressing table keyed by a 64-bit id (orders, parents,
// cancel requests, positions), used by the order manager and the compliance gate.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ballast {

/// Stores values V inline; V has a member `std::uint64_t id`, the key. A slot whose id is
/// `kEmptyKey` is free, so that key cannot be stored. Linear probing over a power-of-two table
/// at least twice `capacity` (sized at construction: nothing allocates afterwards); insert()
/// fails instead of growing; erase() shifts the rest of the probe run back (no tombstones), so a
/// table whose keys come and go stays as fast as a fresh one. The home slot is a multiplicative
/// hash of the key shifted by `kShift` (ids are sequential in their low bits). for_each visits
/// the stored values in slot order: deterministic for a given sequence of inserts and erases.
template <class V, std::uint64_t kEmptyKey = 0, unsigned kShift = 20>
class FixedIdMap {
 public:
  /// Room for `capacity` keys, in at least `min_slots` slots.
  explicit FixedIdMap(std::size_t capacity, std::size_t min_slots = 8)
      : slots_(std::bit_ceil(std::max<std::size_t>(capacity * 2, min_slots)), empty()),
        mask_(slots_.size() - 1),
        limit_(capacity) {}

  /// The value stored for `key`, or nullptr.
  V* find(std::uint64_t key) noexcept {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i].id == key) return key == kEmptyKey ? nullptr : &slots_[i];
      if (slots_[i].id == kEmptyKey) return nullptr;
    }
  }
  const V* find(std::uint64_t key) const noexcept {
    return const_cast<FixedIdMap*>(this)->find(key);
  }
  /// The value for `key`: the stored one, or a new value-initialised one (its id set). nullptr
  /// when the key is the empty key or the table holds `capacity` keys already.
  V* insert(std::uint64_t key) noexcept {
    if (key == kEmptyKey) return nullptr;
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].id == key) return &slots_[i];
      if (slots_[i].id == kEmptyKey) break;
    }
    if (size_ >= limit_) return nullptr;
    slots_[i] = V{};
    slots_[i].id = key;
    ++size_;
    return &slots_[i];
  }
  /// Removes `key`. False when it is not stored.
  bool erase(std::uint64_t key) noexcept {
    if (key == kEmptyKey) return false;
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].id == key) break;
      if (slots_[i].id == kEmptyKey) return false;
    }
    // Backward shift: a later entry of the run moves into the hole when the hole lies between
    // its home and where it sits (cyclically), so every key stays reachable from its home.
    for (std::size_t j = (i + 1) & mask_; slots_[j].id != kEmptyKey; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j].id);
      if (((j - h) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = empty();
    --size_;
    return true;
  }
  template <class F>
  void for_each(F&& f) noexcept {
    for (V& v : slots_) {
      if (v.id != kEmptyKey) f(v);
    }
  }
  void clear() noexcept {
    std::fill(slots_.begin(), slots_.end(), empty());
    size_ = 0;
  }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return limit_; }

 private:
  static V empty() noexcept {
    V v{};
    v.id = kEmptyKey;
    return v;
  }
  std::size_t home(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> kShift) & mask_;
  }

  std::vector<V> slots_;
  std::size_t mask_ = 0;
  std::size_t limit_ = 0;
  std::size_t size_ = 0;
};

}  // namespace ballast
