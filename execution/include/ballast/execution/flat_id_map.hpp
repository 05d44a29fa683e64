// FlatIdMap: a fixed-capacity map from a 64-bit key to a 32-bit index (the order manager's
// indexes), over the one fixed-capacity id table (core/fixed_id_map.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ballast/core/fixed_id_map.hpp"

namespace ballast {

/// Sized at construction to a power of two at least twice `max_keys`; erase() leaves no
/// tombstones; insert() fails instead of growing, so the hot path never allocates. Key
/// UINT64_MAX is reserved (empty slot).
class FlatIdMap {
 public:
  explicit FlatIdMap(std::size_t max_keys) : map_(max_keys) {}

  /// Index stored for key, or kNone.
  std::uint32_t find(std::uint64_t key) const noexcept {
    const Entry* e = map_.find(key);
    return e == nullptr ? kNone : e->value;
  }
  /// Inserts key -> value. Returns false when the key exists (value unchanged) or the map holds
  /// max_keys already.
  [[nodiscard]] bool insert(std::uint64_t key, std::uint32_t value) noexcept {
    if (map_.find(key) != nullptr) return false;
    Entry* e = map_.insert(key);
    if (e == nullptr) return false;
    e->value = value;
    return true;
  }
  /// Removes key. Returns false when it is not there.
  bool erase(std::uint64_t key) noexcept { return map_.erase(key); }
  std::size_t size() const noexcept { return map_.size(); }
  std::size_t max_keys() const noexcept { return map_.capacity(); }
  void clear() noexcept { map_.clear(); }

  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::uint64_t kEmpty = UINT64_MAX;

 private:
  struct Entry {
    std::uint64_t id{kEmpty};
    std::uint32_t value{kNone};
  };
  FixedIdMap<Entry, kEmpty, 17> map_;
};

}  // namespace ballast
