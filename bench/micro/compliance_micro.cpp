// Compliance, on one child order:
//   BM_ComplianceCheck: the full rule set (ballast::check) on states built to pass every rule
//     (nothing short-circuits: the worst case), cycling through 65,536 of them; fixture shared
//     with compliance_bench (compliance_fixture.hpp).
//   BM_ComplianceGateCheck: what ComplianceGate::on_child_order_proposed does up to its verdict:
//     fill_state (the rule inputs from the gate's tables, the book and the market, including the
//     walk over the account's other holdings of the asset class) then check, on a desk of 200
//     instruments and 1,024 accounts of 25 holdings each, one buy per account in turn.
// Every verdict must be "may go out".
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../compliance_fixture.hpp"
#include "micro_check.hpp"

namespace ballast::micro {
namespace {

constexpr std::size_t kCases = 1u << 16;  // a power of two: the index wraps with a mask

void BM_ComplianceCheck(benchmark::State& state) {
  static std::array<RecentOrder, 4> recent{};
  static const std::vector<bench::ComplianceCase> cases =
      bench::make_compliance_cases(recent, kCases);
  static const ComplianceLimits lim = bench::compliance_bench_limits();
  std::size_t k = 0;
  for (auto _ : state) {
    const bench::ComplianceCase& c = cases[k];
    const std::optional<DenyReason> verdict = check(c.o, c.s, lim, bench::kComplianceNow);
    benchmark::DoNotOptimize(verdict);
    if (verdict.has_value()) {
      fail(state, "compliance check denied an order built to pass every rule");
      break;
    }
    k = (k + 1) & (kCases - 1);
  }
}
BENCHMARK(BM_ComplianceCheck);

constexpr std::uint32_t kInstruments = 200;
constexpr std::uint32_t kModels = 8;
constexpr std::uint32_t kHoldings = 25;  // instruments per model
constexpr std::uint32_t kAccounts = 1024;

// The desk the gate reads: instruments (every fourth fixed income) quoted 99.99 / 100.01 at
// kComplianceNow; account k follows model k % 8 (25 instruments, equal weights), holds 1,000 of
// each and 1,000,000 in cash; every instrument trades 1,000,000 a day.
struct GateDesk {
  InstrumentTable table;
  MarketState market{kInstruments, MarketDataQualityConfig{}};
  PortfolioBook book{kInstruments};
  std::unique_ptr<ComplianceGate> gate;
  std::vector<ChildOrderProposed> orders;  // one passing buy of 10 per account
  bool ok = false;
};

std::unique_ptr<GateDesk> make_gate_desk() {
  auto d = std::make_unique<GateDesk>();
  Outbox out;
  for (std::uint32_t i = 0; i < kInstruments; ++i) {
    Instrument ins;
    ins.symbol = "S" + std::to_string(i);
    ins.asset_class = i % 4 == 3 ? AssetClass::kFixedIncome : AssetClass::kEquity;
    const auto id = d->table.add(ins);
    if (!id) return d;
    QuoteUpdated q;
    q.instrument = id.value();
    q.bid = Price::parse("99.99").value();
    q.ask = Price::parse("100.01").value();
    q.bid_size = q.ask_size = Qty::from_units(100);
    q.hdr.event_time = bench::kComplianceNow;
    d->market.on_quote(q, bench::kComplianceNow, out);
  }
  std::vector<Model> models(kModels);
  for (std::uint32_t m = 0; m < kModels; ++m) {
    models[m].key = models[m].name = "model" + std::to_string(m);
    for (std::uint32_t j = 0; j < kHoldings; ++j) {
      models[m].instruments.push_back(InstrumentId{(m * 20 + j) % kInstruments});
      models[m].weights.push_back(1.0 / kHoldings);
    }
    const auto id = d->book.add_model(models[m]);
    if (!id) return d;
    models[m].id = id.value();
  }
  std::vector<AccountId> accounts;
  for (std::uint32_t k = 0; k < kAccounts; ++k) {
    AccountSpec s;
    s.key = "acct" + std::to_string(k);
    s.model = models[k % kModels].id;
    s.cash = Money::from_units(1'000'000);
    for (InstrumentId i : models[k % kModels].instruments)
      s.positions.emplace_back(i, Qty::from_units(1000));
    const auto a = d->book.add_account(s, d->market);
    if (!a) return d;
    accounts.push_back(a.value());
  }
  d->gate = std::make_unique<ComplianceGate>(ComplianceConfig{}, d->table, d->book, d->market);
  for (std::uint32_t i = 0; i < kInstruments; ++i)
    d->gate->set_adv(InstrumentId{i}, Qty::from_units(1'000'000));
  for (std::uint32_t k = 0; k < kAccounts; ++k) {
    ChildOrderProposed o;
    o.order = OrderId{k + 1};
    o.parent = OrderId{1'000'000 + k};
    o.account = accounts[k];
    o.instrument = models[k % kModels].instruments[k % kHoldings];
    o.session = SessionId{0};
    o.side = Side::kBuy;
    o.type = OrdType::kLimit;
    o.qty = Qty::from_units(10);
    o.limit = Price::from_units(100);
    o.reference = Price::from_units(100);
    d->orders.push_back(o);
  }
  d->ok = true;
  return d;
}

void BM_ComplianceGateCheck(benchmark::State& state) {
  static const std::unique_ptr<GateDesk> desk = make_gate_desk();
  if (!desk->ok) {
    fail(state, "the compliance desk (instruments, models, accounts) did not build");
    return;
  }
  ComplianceGate& gate = *desk->gate;
  std::size_t k = 0;
  for (auto _ : state) {
    const ChildOrderProposed& o = desk->orders[k];
    ComplianceState s;
    const bool filled = gate.fill_state(o, bench::kComplianceNow, s);
    const std::optional<DenyReason> verdict = check(o, s, gate.limits(), bench::kComplianceNow);
    benchmark::DoNotOptimize(verdict);
    if (!filled || verdict.has_value()) {
      fail(state, "the gate denied a buy of 10 inside every limit");
      break;
    }
    k = (k + 1) % kAccounts;
  }
}
BENCHMARK(BM_ComplianceGateCheck);

}  // namespace
}  // namespace ballast::micro
