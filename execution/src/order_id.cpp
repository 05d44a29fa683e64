// ClOrdID generation and text form.
#include "ballast/execution/order_id.hpp"

#include "ballast/core/invariant.hpp"

namespace ballast {

ClOrdIdGenerator::ClOrdIdGenerator(std::uint32_t epoch) noexcept : epoch_(epoch) {
  BALLAST_INVARIANT(epoch != UINT32_MAX, "order id epoch 0xFFFFFFFF is reserved");
}

void ClOrdIdGenerator::reset(std::uint32_t epoch) noexcept {
  BALLAST_INVARIANT(epoch != UINT32_MAX, "order id epoch 0xFFFFFFFF is reserved");
  epoch_ = epoch;
  counter_ = 0;
}

OrderId ClOrdIdGenerator::next() noexcept {
  BALLAST_INVARIANT(counter_ < UINT32_MAX - 1, "order id counter exhausted in this run");
  ++counter_;
  return OrderId{(static_cast<std::uint64_t>(epoch_) << 32) | counter_};
}

std::uint32_t wall_clock_run_epoch(Timestamp now) noexcept {
  const std::int64_t s = now.ns / 1'000'000'000 - kRunEpochOriginUnixSeconds;
  if (s < 1) return 1;
  if (s > static_cast<std::int64_t>(kMaxRunEpoch)) return kMaxRunEpoch;
  return static_cast<std::uint32_t>(s);
}

namespace {
constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
}

std::size_t format_cl_ord_id(OrderId id, char* buf) noexcept {
  char tmp[13];
  std::size_t n = 0;
  std::uint64_t v = id.value;
  do {
    tmp[n++] = kDigits[v % 36];
    v /= 36;
  } while (v != 0);
  buf[0] = 'B';
  for (std::size_t i = 0; i < n; ++i) buf[1 + i] = tmp[n - 1 - i];
  return n + 1;
}

std::string to_cl_ord_id(OrderId id) {
  char buf[kMaxClOrdIdLength];
  return std::string(buf, format_cl_ord_id(id, buf));
}

std::optional<OrderId> parse_cl_ord_id(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > kMaxClOrdIdLength || text[0] != 'B') return std::nullopt;
  if (text[1] == '0' && text.size() > 2) return std::nullopt;  // canonical: no leading zeros
  unsigned __int128 v = 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'A' && c <= 'Z') {
      d = static_cast<unsigned>(c - 'A') + 10;
    } else {
      return std::nullopt;
    }
    v = v * 36 + d;
  }
  if (v >= OrderId::kInvalidValue) return std::nullopt;
  return OrderId{static_cast<std::uint64_t>(v)};
}

}  // namespace ballast
