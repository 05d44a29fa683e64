// Tape events and fixed-point units for the broker-sim tests (the matching core's and the
// loopback's). C++14, no QuickFIX.
#pragma once

#include <cstdint>
#include <cstring>

#include "ballast/fix/broker_sim.hpp"

namespace ballast {
namespace fix {
namespace test {

constexpr std::int64_t kCent = 10000000;  // 0.01 in raw 1e-9 units
constexpr std::int64_t px(std::int64_t cents) {
  return cents * kCent;
}
constexpr std::int64_t sh(std::int64_t shares) {
  return shares * 1000000;
}
/// 2012-06-21 14:30:00 UTC, a plausible tape start.
constexpr std::int64_t kT0 = 1340289000LL * 1000000000LL;

/// An event of the tape for `sym` at `t` (ns since the epoch), neither quote nor trade yet.
inline TapeEvent tape_event(const char* sym, std::int64_t t) {
  TapeEvent e;
  std::strncpy(e.symbol, sym, sizeof(e.symbol) - 1);
  e.time_ns = t;
  return e;
}

inline TapeEvent quote(const char* sym, std::int64_t t, std::int64_t bid, std::int64_t bid_sz,
                       std::int64_t ask, std::int64_t ask_sz) {
  TapeEvent e = tape_event(sym, t);
  e.bid = bid;
  e.bid_size = bid_sz;
  e.ask = ask;
  e.ask_size = ask_sz;
  return e;
}

inline TapeEvent trade(const char* sym, std::int64_t t, std::int64_t price, std::int64_t size) {
  TapeEvent e = tape_event(sym, t);
  e.is_trade = true;
  e.price = price;
  e.size = size;
  return e;
}

}  // namespace test
}  // namespace fix
}  // namespace ballast
