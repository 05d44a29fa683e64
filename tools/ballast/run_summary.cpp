#include "run_summary.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <ostream>

#include "ballast/execution/rebalancer.hpp"

namespace ballast::tools {

std::string thousands(std::uint64_t v) {
  const std::string d = std::to_string(v);
  std::string s;
  s.reserve(d.size() + d.size() / 3);
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) s += ',';
    s += d[i];
  }
  return s;
}

std::vector<ModelDrift> drift_now(const kernel::Kernel& eng, Timestamp now) {
  const auto& book = eng.book();
  std::vector<ModelDrift> md(eng.settings().models.size());
  for (const AccountId id : eng.accounts()) {
    const std::size_t m = book.model_of(id).value;
    if (m >= md.size()) continue;
    ModelDrift& d = md[m];
    ++d.accounts;
    const DriftFigures f = eng.monitor().figures(id, now);
    if (!f.complete) {
      ++d.unpriced;
      continue;
    }
    d.sum_after += f.max_abs;
    d.worst_after = std::max(d.worst_after, f.max_abs);
    if (f.abs_utilization > 1.0) ++d.out_after;
  }
  return md;
}

void print_drift(const kernel::Kernel& eng, const std::vector<ModelDrift>& md, bool before,
                 std::ostream& out) {
  const auto& s = eng.settings();
  const auto flags = out.flags();
  const auto precision = out.precision();
  out << "Drift, max |weight - target| per account (band " << std::fixed << std::setprecision(1)
      << s.triggers.absolute.band * 100 << "%):\n";
  out << "  model          accounts";
  if (before) out << "   before: mean   worst  outside";
  out << "   after: mean   worst  outside  unpriced\n";
  for (std::size_t m = 0; m < md.size(); ++m) {
    const ModelDrift& d = md[m];
    if (d.accounts == 0) continue;
    out << "  " << std::left << std::setw(14) << s.models[m].id << std::right << std::setw(9)
        << d.accounts << std::setprecision(2);
    if (before) {
      out << std::setw(14) << 100 * d.sum_before / static_cast<double>(d.accounts) << "%"
          << std::setw(7) << 100 * d.worst_before << "%" << std::setw(9) << d.out_before;
    }
    const std::uint64_t priced = d.accounts - d.unpriced;
    out << std::setw(13) << (priced > 0 ? 100 * d.sum_after / static_cast<double>(priced) : 0.0)
        << "%" << std::setw(7) << 100 * d.worst_after << "%" << std::setw(9) << d.out_after
        << std::setw(10) << d.unpriced << "\n";
  }
  std::uint64_t in = 0, outside = 0, unpriced = 0;
  for (const ModelDrift& d : md) {
    outside += d.out_after;
    unpriced += d.unpriced;
    in += d.accounts - d.out_after - d.unpriced;
  }
  out << "Accounts: " << thousands(in) << " in band, " << thousands(outside) << " out of band, "
      << thousands(unpriced) << " unpriced (no fresh mark for a holding)\n";
  out.flags(flags);
  out.precision(precision);
}

void print_orders(const kernel::Kernel& eng, std::ostream& out, const std::string& working) {
  const auto& l = eng.live();
  out << "Orders: " << thousands(eng.rebalances()) << " rebalances, "
      << thousands(l.parents.value()) << " parent orders, " << thousands(l.children.value())
      << " child orders, " << thousands(l.fills.value()) << " fills, "
      << thousands(l.rejects.value()) << " rejects; " << working << "\n";
  const OrderManagerCounters& oc = eng.orders().counters();
  out << "Working tables: " << thousands(eng.orders().children_held()) << " child orders and "
      << thousands(eng.orders().parents_held()) << " parents held; "
      << thousands(oc.retired_children) << " closed children left after execution.retention";
  if (oc.retired_early > 0) {
    out << ", " << thousands(oc.retired_early)
        << " of them early (the tables were full: a late bust for one is an unknown order)";
  }
  if (oc.capacity_exhausted > 0) {
    out << "; " << thousands(oc.capacity_exhausted)
        << " orders dropped: the tables were full of live orders";
  }
  out << "\n";
  const auto& sv = eng.rebalancer().counters();
  out << "Optimizer: " << thousands(sv.solver_loads + sv.solver_reuses) << " solves, "
      << thousands(sv.solver_loads) << " cold (a new account shape), "
      << thousands(sv.solver_reuses) << " warm on a kept solver (" << thousands(sv.exact_warm)
      << " exact on the active-set path, no ADMM), " << thousands(sv.solve_errors) << " errors\n";
}

void print_denials(const kernel::Kernel& eng, std::ostream& out) {
  out << "Compliance denials: ";
  bool any = false;
  for (int r = 0; r < static_cast<int>(DenyReason::kCount); ++r) {
    const auto c = eng.gate().denied(static_cast<DenyReason>(r));
    if (c == 0) continue;
    out << (any ? ", " : "") << to_string(static_cast<DenyReason>(r)) << " " << thousands(c);
    any = true;
  }
  out << (any ? "" : "none") << "\n";
}

void print_fix_sessions(const kernel::Kernel& eng, std::ostream& out) {
  const auto& sessions = eng.settings().fix.sessions;
  if (sessions.empty()) {
    out << "FIX: no sessions\n";
    return;
  }
  const fix::InitiatorCounters& c = eng.fix_counters();
  out << "FIX: " << thousands(c.sent.value()) << " application messages sent, "
      << thousands(c.received.value()) << " received, " << thousands(c.invalid_inbound.value())
      << " invalid inbound (rejected), " << thousands(c.send_failures.value()) << " send failures, "
      << thousands(c.stale_resends_suppressed.value()) << " stale resends gap-filled; "
      << c.logons.value() << " logons, " << c.disconnects.value() << " disconnects\n";
  if (const std::uint64_t md = eng.market_data_rejects(); md > 0) {
    out << "  market-data requests refused by the broker: " << thousands(md)
        << " (not order rejects: they do not count toward the reject-storm kill switch)\n";
  }
  for (std::size_t k = 0; k < sessions.size(); ++k) {
    const std::string status = eng.session_status(static_cast<std::uint16_t>(k));
    out << "  session " << sessions[k].name << ": " << (status.empty() ? "(no status)" : status)
        << "\n";
  }
}

void print_stopped_accounts(const kernel::Kernel& eng, std::ostream& out) {
  const auto& gate = eng.gate();
  const auto& ids = eng.accounts();
  const auto& cfg = eng.settings().accounts;
  std::size_t stopped = 0;
  std::string named;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    KillReason why{};
    if (!gate.kill_reason(ids[k], why)) continue;
    if (++stopped <= 20) {
      named += (named.empty() ? "" : ", ") + (k < cfg.size() ? cfg[k].id : std::to_string(k)) +
               " (" + to_string(why) + ")";
    }
  }
  if (stopped > 20) named += ", and " + thousands(stopped - 20) + " more";
  if (gate.kill_global()) {
    out << "Stopped (kill switch): every account, global (" << to_string(gate.kill_global_reason())
        << ")\n";
  }
  if (stopped > 0)
    out << "Stopped (kill switch): " << thousands(stopped) << " accounts: " << named << "\n";
  const auto& oc = eng.orders().counters();
  if (oc.unknown_order_fills > 0) {
    out << "Fills for orders Ballast never sent (or with an unreadable ClOrdID): "
        << thousands(oc.unknown_order_fills) << "; not booked, every account stopped\n";
  }
  if (oc.exec_id_reuses > 0) {
    out << "ExecIDs the broker reused for another fill: " << thousands(oc.exec_id_reuses)
        << "; booked from the broker's CumQty through status requests\n";
  }
  if (eng.unbookable_reports() > 0) {
    out << "Unbookable execution reports: " << thousands(eng.unbookable_reports())
        << "; last: " << eng.last_unbookable() << "\n";
  }
}

namespace {
/// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}
}  // namespace

Status write_positions_csv(const PortfolioBook& book, const InstrumentTable& ins,
                           std::span<const AccountId> accounts, const std::string& path) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) return Error(path + ": cannot write the positions: " + std::strerror(errno));
  f << "account,instrument,qty,cash\n";
  for (const AccountId a : accounts) {
    const std::string cash = book.cash(a).to_string(2);
    bool any = false;
    for (std::uint32_t i = 0; i < ins.size(); ++i) {
      const Qty q = book.position(a, InstrumentId{i});
      if (q.raw == 0) continue;
      f << csv_field(book.account_key(a)) << "," << csv_field(ins[InstrumentId{i}].symbol) << ","
        << q.to_string() << "," << cash << "\n";
      any = true;
    }
    if (!any) f << csv_field(book.account_key(a)) << ",,0," << cash << "\n";
  }
  f.flush();
  if (!f) return Error(path + ": writing the positions failed: " + std::strerror(errno));
  return Ok{};
}

Status write_positions_csv(const kernel::Kernel& eng, const std::string& path) {
  return write_positions_csv(eng.book(), eng.instruments(), eng.accounts(), path);
}

Status write_counters_csv(const std::vector<CounterReading>& counters, const std::string& path) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) return Error(path + ": cannot write the counters: " + std::strerror(errno));
  f << "counter,value\n";
  for (const CounterReading& c : counters) f << c.name << "," << c.value << "\n";
  f.flush();
  if (!f) return Error(path + ": cannot write the counters: " + std::strerror(errno));
  return Ok{};
}

}  // namespace ballast::tools
