// FlatIdMap: open addressing with linear probing, fixed capacity.
#include "ballast/execution/flat_id_map.hpp"

#include <bit>

namespace ballast {

FlatIdMap::FlatIdMap(std::size_t max_keys) : max_keys_(max_keys) {
  const std::size_t cap = std::bit_ceil(max_keys < 4 ? std::size_t{8} : max_keys * 2);
  table_.assign(cap, Entry{});
  mask_ = cap - 1;
}

std::size_t FlatIdMap::home(std::uint64_t key) const noexcept {
  // Ids are sequential in their low bits: a multiplicative hash spreads them over the table.
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 17) & mask_;
}

std::uint32_t FlatIdMap::find(std::uint64_t key) const noexcept {
  for (std::size_t i = home(key);; i = (i + 1) & mask_) {
    const Entry& e = table_[i];
    if (e.key == key) return e.value;
    if (e.key == kEmpty) return kNone;
  }
}

bool FlatIdMap::insert(std::uint64_t key, std::uint32_t value) noexcept {
  if (key == kEmpty) return false;
  for (std::size_t i = home(key);; i = (i + 1) & mask_) {
    Entry& e = table_[i];
    if (e.key == key) return false;
    if (e.key == kEmpty) {
      if (size_ >= max_keys_) return false;
      e.key = key;
      e.value = value;
      ++size_;
      return true;
    }
  }
}

bool FlatIdMap::erase(std::uint64_t key) noexcept {
  if (key == kEmpty) return false;
  std::size_t i = home(key);
  for (;; i = (i + 1) & mask_) {
    if (table_[i].key == key) break;
    if (table_[i].key == kEmpty) return false;
  }
  // Backward shift: each later entry of the run moves into the hole when the hole lies between
  // its home and where it sits (cyclically), so every key stays reachable from its home.
  for (std::size_t j = (i + 1) & mask_; table_[j].key != kEmpty; j = (j + 1) & mask_) {
    const std::size_t h = home(table_[j].key);
    if (((j - h) & mask_) >= ((j - i) & mask_)) {
      table_[i] = table_[j];
      i = j;
    }
  }
  table_[i] = Entry{};
  --size_;
  return true;
}

void FlatIdMap::clear() noexcept {
  for (auto& e : table_) e = Entry{};
  size_ = 0;
}

}  // namespace ballast
