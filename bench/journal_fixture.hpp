// The inbound event mix of a trading day for the journal benchmarks (journal_bench and
// micro_bench's CRC32C over encoded records).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ballast/core/events.hpp"

namespace ballast::bench {

// 90% quotes, 5% trades, 5% execution reports (the inbound mix of a trading day).
inline std::vector<Event> make_journal_events(std::size_t n) {
  std::vector<Event> v;
  v.reserve(n);
  std::mt19937_64 rng(11);
  for (std::size_t i = 0; i < n; ++i) {
    const auto seq = static_cast<std::uint64_t>(i + 1);
    const auto t = Timestamp{1'700'000'000'000'000'000 + static_cast<std::int64_t>(i) * 1000};
    const unsigned r = static_cast<unsigned>(rng() % 100);
    if (r < 90) {
      QuoteUpdated q;
      q.hdr = EventHeader{seq, t, t};
      q.instrument = InstrumentId{static_cast<std::uint32_t>(rng() % 500)};
      q.bid = Price{100'000'000'000 + static_cast<std::int64_t>(rng() % 1000) * 10'000'000};
      q.ask = Price{q.bid.raw + 10'000'000};
      q.bid_size = Qty{static_cast<std::int64_t>(rng() % 100 + 1) * 100'000'000};
      q.ask_size = q.bid_size;
      v.push_back(q);
    } else if (r < 95) {
      TradePrinted tp;
      tp.hdr = EventHeader{seq, t, t};
      tp.instrument = InstrumentId{static_cast<std::uint32_t>(rng() % 500)};
      tp.price = Price{100'000'000'000};
      tp.size = Qty{100'000'000};
      v.push_back(tp);
    } else {
      ExecutionReported er{};
      er.hdr = EventHeader{seq, t, t};
      er.order = OrderId{seq};
      er.exec_type = ExecType::kTrade;
      er.last_qty = Qty{100'000'000};
      er.last_px = Price{100'000'000'000};
      er.exec_id.assign("EX" + std::to_string(seq));
      v.push_back(er);
    }
  }
  return v;
}

}  // namespace ballast::bench
