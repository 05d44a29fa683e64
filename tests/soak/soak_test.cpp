// Issue 14, item 5: months of operation in bounded memory. One kernel, built as `ballast run`
// builds it (typed Settings from YAML + load_market_context), is driven offline on the market
// clock through 10 simulated trading days. A broker written here fills every child at once, so
// TWAP parents send a child each interval; prices swing each morning so every account rebalances
// every day. Over 1,000,000 children and 5,000 parents pass through working tables sized for
// 65,536 children and 1,024 parents at once: closed children leave after execution.retention,
// finished parents with their last child, the ExecID ledger keeps two days. The test prints RSS per
// day and checks it flat, checks no order was refused for room, and checks every account's
// positions against the fills the broker sent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"
#include "support/kernel_test_desk.hpp"
#include "support/kernel_test_support.hpp"
#include "support/test_scale.hpp"

namespace ballast {
namespace {

using namespace std::chrono;

constexpr CivilDate kFirstDay = test::kKernelSession;

double rss_mib() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

std::string desk(int accounts) {
  std::string a;
  for (int i = 0; i < accounts; ++i) {
    a += "  - {id: A" + std::to_string(i) +
         ", model: m, cash: " + std::to_string(40'000'000 + 10'000 * i) + ".00}\n";
  }
  return test::desk_yaml(
      {.cost_benefit = "",
       .cool_down = "30m",
       .hours = "{start: \"09:35\", end: \"14:00\"}",
       .model = "weights: {AAPL: 0.30, AMZN: 0.30, GOOG: 0.30}, cash_buffer: 0.10",
       .accounts = a,
       .execution = "{algo: twap, horizon: 60m, interval: 15s, retention: 30m}",
       .compliance =
           "{max_adv_share: off, reference_stale_after: 30m, price_collar_bps: 2000,\n"
           "  max_orders_per_second: 100000, kill_switch: {order_rate_runaway: 1000000}}"});
}

TEST(Soak, TenTradingDaysOverAMillionChildrenInFlatMemory) {
  const int accounts = 180 / test::kSanitizerDivisor;
  const int n_days = 10;
  auto loaded = config::load_string(desk(accounts), "soak desk");
  ASSERT_TRUE(loaded.ok());
  kernel::KernelOptions o;
  o.max_children = 1u << 16;
  o.max_parents = 1u << 10;
  o.max_exec_ids_per_day = 1u << 18;
  auto made = test::offline_kernel(*loaded.settings, std::move(o));
  ASSERT_TRUE(made) << made.error().message;
  kernel::Kernel& k = *made.value();

  // A broker that fills every order at once, at its limit, and refuses every cancel and replace
  // (the order is already filled); it remembers the signed quantity it filled per account and
  // instrument (the other side's record). Every answer goes back in, and so does whatever it
  // caused, until the chain is quiet.
  test::TestBroker broker{.instant = true, .refuse_unknown = true};
  const auto feed = [&](const Event& e, Timestamp t) { broker.feed(k, e, t); };

  const double base[3] = {580.0, 220.0, 570.0};
  std::vector<double> rss;
  std::size_t peak_children = 0, peak_parents = 0;
  std::printf("day  date        children sent  peak held: children parents  RSS MiB\n");
  sys_days date{kFirstDay};
  for (int d = 0; d < n_days; ++d) {
    while (weekday{date} == Saturday || weekday{date} == Sunday) date += days{1};
    const CivilDate cd{date};
    // AAPL and AMZN swing 12% against each other every morning: every account drifts out of
    // its 2% band and rebalances.
    const double swing = d % 2 == 0 ? 1.12 : 0.88;
    const double mids[3] = {base[0] * swing, base[1] / swing, base[2]};
    for (int sec = 9 * 3600 + 30 * 60; sec <= 16 * 3600; sec += 15) {
      const Timestamp t = Timestamp{us_eastern_to_utc(cd, 0).ns + sec * 1'000'000'000LL};
      for (std::uint32_t i = 0; i < 3; ++i) {
        // A cent's wiggle each quote: the marks move, so the drift monitor looks again.
        const std::int64_t cents =
            static_cast<std::int64_t>(mids[i] * 100.0 + 0.5) + ((sec / 15) % 2);
        feed(test::quote_of(InstrumentId{i}, t, cents, 1, 5'000), t);
      }
      peak_children = std::max(peak_children, k.orders().children_held());
      peak_parents = std::max(peak_parents, k.orders().parents_held());
    }
    rss.push_back(rss_mib());
    std::printf("%3d  %04d-%02u-%02u  %13llu  %18zu %7zu  %7.1f\n", d + 1,
                static_cast<int>(cd.year()), static_cast<unsigned>(cd.month()),
                static_cast<unsigned>(cd.day()), static_cast<unsigned long long>(broker.orders),
                peak_children, peak_parents, rss.back());
    peak_children = peak_parents = 0;
    std::fflush(stdout);
    date += days{1};
  }

  const OrderManagerCounters& c = k.orders().counters();
  const std::pair<const char*, std::uint64_t> totals[] = {{"children", broker.orders},
                                                          {"retired", c.retired_children},
                                                          {"retired early", c.retired_early},
                                                          {"parents retired", c.retired_parents},
                                                          {"fills", c.fills},
                                                          {"day rolls", c.day_rolls}};
  for (const auto& [name, value] : totals) {
    std::printf("%s %llu; ", name, static_cast<unsigned long long>(value));
  }
  std::printf("\n");
  const std::uint64_t want = 1'000'000 / static_cast<std::uint64_t>(test::kSanitizerDivisor);
  EXPECT_GT(broker.orders, want);
  EXPECT_GT(broker.orders, 4u * (1u << 16)) << "the tables must have been reused many times over";
  EXPECT_EQ(c.capacity_exhausted, 0u);
  EXPECT_EQ(c.retired_early, 0u) << "30 minutes of closed children fit the table";
  EXPECT_EQ(c.unknown_orders, 0u);
  EXPECT_EQ(c.ledger_full, 0u);
  EXPECT_EQ(c.fills, broker.orders);
  EXPECT_EQ(c.day_rolls, static_cast<std::uint64_t>(n_days - 1));
  EXPECT_GT(c.retired_parents, 1u << 10) << "the parent tables must have been reused";
  EXPECT_LE(k.orders().children_held(), std::size_t{1} << 16);
  // Flat: after the first days filled the tables to their working size, memory stays put.
  ASSERT_EQ(rss.size(), static_cast<std::size_t>(n_days));
  EXPECT_LE(rss.back(), rss[2] + 16.0) << "RSS grew from day 3 to day " << n_days;
  // The book agrees with the broker's record of what it filled, account by account.
  for (const auto& [key, qty] : broker.filled) {
    EXPECT_EQ(k.book().position(AccountId{key.first}, InstrumentId{key.second}).raw, qty)
        << "account " << key.first << " instrument " << key.second;
  }
}

}  // namespace
}  // namespace ballast
