// FlatIdMap: a fixed-capacity open-addressing map from a 64-bit key to a 32-bit index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ballast {

/// Linear probing, sized at construction to a power of two at least twice `max_keys`; erase()
/// shifts the following entries of the probe run back (no tombstones), so a map whose keys come
/// and go stays as fast as a fresh one. insert() fails instead of growing, so the hot path never
/// allocates. Key UINT64_MAX is reserved (empty slot).
class FlatIdMap {
 public:
  explicit FlatIdMap(std::size_t max_keys);

  /// Index stored for key, or kNone.
  std::uint32_t find(std::uint64_t key) const noexcept;
  /// Inserts key -> value. Returns false when the key exists (value unchanged) or the map holds
  /// max_keys already.
  [[nodiscard]] bool insert(std::uint64_t key, std::uint32_t value) noexcept;
  /// Removes key. Returns false when it is not there.
  bool erase(std::uint64_t key) noexcept;
  std::size_t size() const noexcept { return size_; }
  std::size_t max_keys() const noexcept { return max_keys_; }
  void clear() noexcept;

  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::uint64_t kEmpty = UINT64_MAX;

 private:
  struct Entry {
    std::uint64_t key{kEmpty};
    std::uint32_t value{kNone};
  };
  std::size_t home(std::uint64_t key) const noexcept;

  std::vector<Entry> table_;
  std::size_t mask_{0};
  std::size_t size_{0};
  std::size_t max_keys_{0};
};

}  // namespace ballast
