// ExecLedger: (session, ExecID) -> applied fill, open addressing, fixed capacity.
#include "ballast/execution/exec_ledger.hpp"

#include <bit>

namespace ballast {

ExecLedger::ExecLedger(std::size_t max_records) : max_records_(max_records) {
  const std::size_t cap = std::bit_ceil(max_records < 4 ? std::size_t{8} : max_records * 2);
  for (Day& d : day_) d.table.assign(cap, ExecRecord{});
  mask_ = cap - 1;
}

std::size_t ExecLedger::slot_of(SessionId session, const FixedString<32>& exec_id) const noexcept {
  std::uint64_t h = 1469598103934665603ull ^ session.value;  // FNV-1a
  for (char c : exec_id.data) {
    if (c == '\0') break;
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  return static_cast<std::size_t>(h ^ (h >> 29)) & mask_;
}

ExecRecord* ExecLedger::Day::find(std::size_t home, std::size_t mask, SessionId session,
                                  const FixedString<32>& exec_id) noexcept {
  if (size == 0) return nullptr;
  for (std::size_t i = home;; i = (i + 1) & mask) {
    ExecRecord& r = table[i];
    if (!r.used) return nullptr;
    if (r.session == session && r.exec_id == exec_id) return &r;
  }
}

void ExecLedger::Day::clear() noexcept {
  if (size == 0) return;
  for (auto& r : table) r = ExecRecord{};
  size = 0;
}

ExecRecord* ExecLedger::find(SessionId session, const FixedString<32>& exec_id) noexcept {
  const std::size_t home = slot_of(session, exec_id);
  if (ExecRecord* r = day_[cur_].find(home, mask_, session, exec_id)) return r;
  return day_[cur_ ^ 1].find(home, mask_, session, exec_id);
}

ExecLedger::Insert ExecLedger::insert(SessionId session, const FixedString<32>& exec_id,
                                      OrderId order, Qty qty, Price px, ExecRecord** out) noexcept {
  const std::size_t home = slot_of(session, exec_id);
  if (ExecRecord* r = day_[cur_ ^ 1].find(home, mask_, session, exec_id)) {
    if (out) *out = r;
    return Insert::kDuplicate;
  }
  Day& d = day_[cur_];
  for (std::size_t i = home;; i = (i + 1) & mask_) {
    ExecRecord& r = d.table[i];
    if (r.used && r.session == session && r.exec_id == exec_id) {
      if (out) *out = &r;
      return Insert::kDuplicate;
    }
    if (!r.used) {
      if (d.size >= max_records_) return Insert::kFull;
      r = ExecRecord{.exec_id = exec_id,
                     .order = order,
                     .qty = qty,
                     .px = px,
                     .session = session,
                     .used = true,
                     .busted = false};
      ++d.size;
      if (out) *out = &r;
      return Insert::kInserted;
    }
  }
}

void ExecLedger::roll() noexcept {
  cur_ ^= 1;
  day_[cur_].clear();
}

void ExecLedger::clear() noexcept {
  for (Day& d : day_) d.clear();
}

}  // namespace ballast
