// What an engine run did, printed at its end: shared by `ballast run` (its stop summary) and
// `ballast demo`; and the positions export (`ballast run --positions-out FILE`). docs/run.md.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "ballast/core/result.hpp"
#include "ballast/kernel/kernel.hpp"

namespace ballast::tools {

/// 1234567 -> "1,234,567".
std::string thousands(std::uint64_t v);

/// One model's accounts: max |weight - target| per account (mean, worst) and how many are
/// outside their absolute band, before (the demo's starting weights; `ballast run` has none) and
/// now. Accounts without a fresh mark for every holding (no NAV) are `unpriced`, not counted in
/// the band figures.
struct ModelDrift {
  std::uint64_t accounts = 0, out_before = 0, out_after = 0, unpriced = 0;
  double sum_before = 0, worst_before = 0, sum_after = 0, worst_after = 0;
};

/// The "now" half of every model's drift at `now`, from the drift monitor. After stop() only.
std::vector<ModelDrift> drift_now(const kernel::Kernel& eng, Timestamp now);

/// The drift table; with `before` also the starting columns.
void print_drift(const kernel::Kernel& eng, const std::vector<ModelDrift>& md, bool before,
                 std::ostream& out);
/// "Orders: rebalances, parent and child orders, fills, rejects; <working>" and the optimizer's
/// solve counts.
void print_orders(const kernel::Kernel& eng, std::ostream& out, const std::string& working);
/// "Compliance denials: <reason> <n>, ..." (or none).
void print_denials(const kernel::Kernel& eng, std::ostream& out);
/// One line per FIX session (its last status) and the initiator's and bridge's counters.
void print_fix_sessions(const kernel::Kernel& eng, std::ostream& out);
/// "Stopped (kill switch): ..." with the accounts whose kill switch is on and why (up to 20
/// named), the global switch, and the last report that could not be booked; nothing when none.
void print_stopped_accounts(const kernel::Kernel& eng, std::ostream& out);

/// Writes the accounts' positions as CSV `account,instrument,qty,cash` (exact decimals): one row
/// per instrument the account holds (qty not 0), the account's cash repeated on each; an account
/// holding nothing has one row with an empty instrument and qty 0. Accounts in the order given,
/// instruments in table order. Error: the file cannot be written (path and reason).
Status write_positions_csv(const PortfolioBook& book, const InstrumentTable& instruments,
                           std::span<const AccountId> accounts, const std::string& path);
/// The engine's final positions (after stop()), accounts in configuration order.
Status write_positions_csv(const kernel::Kernel& eng, const std::string& path);
/// Writes `counters` as CSV "counter,value", one line each in the order given (the names are
/// [a-z_.] only). Error: the file cannot be written (path and reason).
Status write_counters_csv(const std::vector<CounterReading>& counters, const std::string& path);

}  // namespace ballast::tools
