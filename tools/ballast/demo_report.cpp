// `ballast demo`: checking and reporting the result. Reconciliation of Ballast's book with
// broker-sim's message log (the ground truth), each model's drift before trading, slippage.
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ballast/fix/fix_log.hpp"
#include "demo_internal.hpp"
#include "run_summary.hpp"

namespace ballast::tools::demo_detail {

namespace {

struct LogRecon {
  std::map<std::pair<std::string, std::string>, std::int64_t>
      positions;  // (account, symbol) -> qty raw
  std::uint64_t fills = 0, new_orders = 0, duplicate_cl_ord_ids = 0;
  std::string error;
};

/// Reads broker-sim's message log with the FIX log reader (so with the one FIX codec): every
/// distinct fill it sent (ExecID de-duplicates resends) and every NewOrderSingle it received.
/// Direction is broker-sim's (IN: received by the simulator).
LogRecon read_message_log(const std::string& path) {
  LogRecon r;
  fix::FixLogReader reader;
  std::string error;
  if (!reader.open(path, fix::FixLogOptions{}, error)) {
    r.error = "cannot open broker-sim's message log " + path + " (" + error + ")";
    return r;
  }
  std::unordered_set<std::string> exec_ids, cl_ord_ids;
  fix::FixLogEntry e;
  while (reader.next(e)) {
    if (e.kind == fix::FixLogKind::kNewOrder && e.direction == fix::FixLogDirection::kReceived &&
        !e.poss_dup) {
      ++r.new_orders;
      if (!cl_ord_ids.insert(e.new_order.cl_ord_id).second) ++r.duplicate_cl_ord_ids;
    }
    if (e.kind != fix::FixLogKind::kExecutionReport || e.direction != fix::FixLogDirection::kSent)
      continue;
    const fix::ExecutionReport& x = e.execution_report;
    if (x.last_qty <= 0 || x.bad_tag != 0) continue;
    if (!exec_ids.insert(x.exec_id).second) continue;
    ++r.fills;
    r.positions[{std::string(x.account), std::string(x.symbol)}] +=
        x.side == '1' ? x.last_qty : -x.last_qty;
  }
  if (!reader.io_error().empty()) r.error = path + ": " + reader.io_error();
  return r;
}

}  // namespace

bool reconcile(const kernel::Kernel& eng, const config::Settings& s, DemoResult& res,
               std::ostream& out, std::ostream& err) {
  const auto& book = eng.book();
  const auto& ins = eng.instruments();
  const auto n = static_cast<std::uint32_t>(ins.size());
  const LogRecon recon = read_message_log(res.message_log);
  if (!recon.error.empty()) {
    err << recon.error << "\n";
    return false;
  }
  res.log_fills = recon.fills;
  res.duplicate_cl_ord_ids = recon.duplicate_cl_ord_ids;
  res.reconciled_fills = eng.orders().counters().reconciled_fills;
  for (std::size_t a = 0; a < eng.accounts().size(); ++a) {
    const AccountId id = eng.accounts()[a];
    for (std::uint32_t i = 0; i < n; ++i) {
      std::int64_t start = 0;
      for (const auto& p : s.accounts[a].positions) {
        if (p.symbol == ins[InstrumentId{i}].symbol) start = p.qty.raw;
      }
      const std::int64_t traded = book.position(id, InstrumentId{i}).raw - start;
      const auto it = recon.positions.find({book.account_key(id), ins[InstrumentId{i}].symbol});
      const std::int64_t sim_traded = it == recon.positions.end() ? 0 : it->second;
      ++res.positions_checked;
      if (traded != sim_traded) {
        if (res.position_mismatches < 5) {
          err << "position mismatch " << book.account_key(id) << " " << ins[InstrumentId{i}].symbol
              << ": Ballast traded " << Qty::from_raw(traded).to_string() << ", broker-sim filled "
              << Qty::from_raw(sim_traded).to_string() << "\n";
        }
        ++res.position_mismatches;
      }
    }
  }
  out << "Reconciliation: " << thousands(res.positions_checked) << " positions, "
      << thousands(recon.fills) << " fills in broker-sim's message log, "
      << (res.position_mismatches == 0 ? std::string("all equal to Ballast's book")
                                       : thousands(res.position_mismatches) + " MISMATCHES")
      << "; duplicate ClOrdIDs: " << res.duplicate_cl_ord_ids;
  if (res.reconciled_fills > 0) {
    out << "; " << res.reconciled_fills << " fills learned from status reports after a restart";
  }
  out << "\n";
  return true;
}

void add_drift_before(const kernel::Kernel& eng, const DemoSetup& d, std::vector<ModelDrift>& md) {
  const config::Settings& s = d.s;
  const auto& book = eng.book();
  const auto& ins = eng.instruments();
  const std::size_t n = s.instruments.size();
  const double band = s.triggers.absolute.band;
  for (std::size_t a = 0; a < eng.accounts().size(); ++a) {
    const AccountId id = eng.accounts()[a];
    const std::size_t m = book.model_of(id).value;
    const ModelConfig& model = s.models[m];
    double before = 0, cash_w = 1.0;
    const auto& acct = s.accounts[a];
    double navs = acct.cash.to_double();
    std::vector<double> val(n, 0.0);
    for (const auto& p : acct.positions) {
      const auto i = ins.find(p.symbol).value;
      val[i] = p.qty.to_double() * d.first_mid[i].to_double();
      navs += val[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      double target = 0;
      for (const auto& t : model.weights) {
        if (ins.find(t.symbol).value == i) target = t.weight;
      }
      before = std::max(before, std::abs(val[i] / navs - target));
      cash_w -= val[i] / navs;
    }
    before = std::max(before, std::abs(cash_w - model.cash_buffer));
    auto& dm = md[m];
    dm.sum_before += before;
    dm.worst_before = std::max(dm.worst_before, before);
    if (before > band) ++dm.out_before;
  }
}

void print_slippage(const kernel::Kernel& eng, const DemoSetup& d, std::ostream& out) {
  // Slippage, notional-weighted, positive = cost.
  long double w_arr = 0, w_vwap = 0, wn = 0, wn_vwap = 0;
  for (const kernel::ParentRecord& p : eng.parents()) {
    if (p.filled.raw <= 0) continue;
    const double avg =
        static_cast<double>(p.notional_e15) / static_cast<double>(p.filled.raw) / 1e9;
    const double notional = avg * p.filled.to_double();
    const double sign = p.side == Side::kBuy ? 1.0 : -1.0;
    const double arr = p.arrival.to_double();
    if (arr > 0) {
      w_arr += notional * sign * (avg - arr) / arr * 1e4;
      wn += notional;
    }
    const double vw = d.prints[p.instrument.value].vwap(p.start.ns, p.last_fill.ns);
    if (vw > 0) {
      w_vwap += notional * sign * (avg - vw) / vw * 1e4;
      wn_vwap += notional;
    }
  }
  out << std::setprecision(2) << "Slippage (notional-weighted, bps, + = cost): vs arrival "
      << (wn > 0 ? static_cast<double>(w_arr / wn) : 0.0) << ", vs interval VWAP "
      << (wn_vwap > 0 ? static_cast<double>(w_vwap / wn_vwap) : 0.0) << "\n";
}

}  // namespace ballast::tools::demo_detail
