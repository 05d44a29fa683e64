// The ExecutionReports the benchmarks' FIX acceptors send (fix_raw_peer's raw QuickFIX acceptor,
// micro_bench's codec decode fixture): an ack or a whole fill of a limit order, FIX 4.4, every
// field the initiator books from. C++14 with QuickFIX types: include it only from C++14 sources.
#pragma once

#include <quickfix/Message.h>

#include <string>

namespace ballast {
namespace benchfix {

/// The values of one report, as FIX text.
struct BenchReportFields {
  std::string order_id, cl_ord_id, exec_id, account, symbol, side, qty, price, transact_time;
};

/// Sets `m` to the ack (fill false: ExecType 0, OrdStatus 0, nothing done) or the fill of the
/// whole order at its price (ExecType F, OrdStatus 2). The header beyond MsgType is the
/// session's.
inline void make_bench_report(const BenchReportFields& f, bool fill, FIX::Message& m) {
  m.getHeader().setField(35, "8");
  m.setField(37, f.order_id);
  m.setField(11, f.cl_ord_id);
  m.setField(17, f.exec_id);
  m.setField(150, fill ? "F" : "0");
  m.setField(39, fill ? "2" : "0");
  if (!f.account.empty()) m.setField(1, f.account);
  m.setField(55, f.symbol);
  m.setField(54, f.side);
  m.setField(38, f.qty);
  m.setField(40, "2");
  m.setField(44, f.price);
  if (fill) {
    m.setField(32, f.qty);
    m.setField(31, f.price);
  }
  m.setField(151, fill ? "0" : f.qty);
  m.setField(14, fill ? f.qty : "0");
  m.setField(6, fill ? f.price : "0");
  m.setField(60, f.transact_time);
}

}  // namespace benchfix
}  // namespace ballast
