// FIX codec (adapters/fix): encoding a NewOrderSingle and decoding an ExecutionReport as the
// initiator does them, FIX 4.4. Compiled as C++14 like adapters/fix (Debian's QuickFIX 1.15
// headers need it); Ballast's codec builds and reads QuickFIX messages, so QuickFIX's own
// serialisation and parsing are part of each step.
//   encode: codec::build (the NewOrder struct -> FIX::Message, exact decimal text), the header
//           QuickFIX's Session::send fills (BeginString, CompIDs, MsgSeqNum, SendingTime), and
//           the wire text (toString: BodyLength, CheckSum);
//   decode: the wire text of a broker-sim fill parsed against the initiator's inbound data
//           dictionary, validated as the session does (DataDictionary::validate), then
//           codec::parse into the ExecutionReport struct.
// Orders are fix_path_bench's sequence (fix_raw_peer.hpp). Every encoded order is decoded once
// before timing and its fields compared; every decoded report is compared with what was encoded.
#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FieldConvertors.h>
#include <quickfix/Message.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../fix_bench_report.hpp"
#include "../fix_raw_peer.hpp"
#include "ballast/fix/fix_decimal.hpp"
#include "common/embedded.hpp"
#include "common/fix_codec.hpp"
#include "micro_check.hpp"

namespace ballast {
namespace micro {
namespace {

constexpr std::size_t kMessages = 256;  // cycled through

std::string sending_time() {
  return FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3);
}

// What Session::send adds to an application message before it goes out.
void fill_header(FIX::Message& m, int seq, const std::string& sender, const std::string& target) {
  FIX::Header& h = m.getHeader();
  h.setField(8, "FIX.4.4");
  h.setField(49, sender);
  h.setField(56, target);
  h.setField(34, std::to_string(seq));
  h.setField(52, sending_time());
}

struct FixFixture {
  std::unique_ptr<FIX::DataDictionary> dd;  // the initiator's inbound dictionary
  std::vector<fix::NewOrder> orders;
  std::vector<std::string> reports;            // the wire text of a fill of each order
  std::vector<fix::ExecutionReport> expected;  // what each report must decode to
  std::string error;                           // empty: usable
};

fix::NewOrder make_order(std::size_t i) {
  const benchfix::BenchOrder b = benchfix::bench_order(i);
  fix::NewOrder o;
  const std::string id = "C" + std::to_string(100000 + i);
  fix::set_text(o.cl_ord_id, id);
  fix::set_text(o.account, std::string(benchfix::kBenchAccount));
  fix::set_text(o.symbol, std::string(benchfix::kBenchSymbol));
  o.side = b.side;
  o.ord_type = '2';
  o.time_in_force = '0';
  o.qty = b.qty;
  o.price = b.price;
  o.transact_time_ns = 1700000000000000000LL + static_cast<std::int64_t>(i) * 1000000;
  return o;
}

// The fill of the whole of `o` as the benchmark acceptor sends it, and the struct it must decode
// to.
std::string make_fill(const fix::NewOrder& o, std::size_t i, fix::ExecutionReport& want) {
  const std::string qty = fix::format_decimal(o.qty, fix::kQtyDecimals);
  const std::string px = fix::format_decimal(o.price, fix::kPriceDecimals);
  const benchfix::BenchReportFields fields{"O" + std::to_string(i),
                                           o.cl_ord_id,
                                           "E" + std::to_string(i),
                                           o.account,
                                           o.symbol,
                                           std::string(1, o.side),
                                           qty,
                                           px,
                                           fix::format_utc_timestamp_ms(o.transact_time_ns)};
  FIX::Message m;
  benchfix::make_bench_report(fields, true, m);
  fill_header(m, static_cast<int>(i + 2), "BROKERSIM", "BALLAST");
  want = fix::ExecutionReport();
  std::strcpy(want.cl_ord_id, o.cl_ord_id);
  fix::set_text(want.order_id, "O" + std::to_string(i));
  fix::set_text(want.exec_id, "E" + std::to_string(i));
  want.exec_type = 'F';
  want.ord_status = '2';
  want.side = o.side;
  want.order_qty = want.last_qty = want.cum_qty = o.qty;
  want.last_px = want.avg_px = o.price;
  want.leaves_qty = 0;
  want.transact_time_ns = o.transact_time_ns;
  return m.toString();
}

bool same_report(const fix::ExecutionReport& a, const fix::ExecutionReport& b) {
  return std::strcmp(a.cl_ord_id, b.cl_ord_id) == 0 && std::strcmp(a.order_id, b.order_id) == 0 &&
         std::strcmp(a.exec_id, b.exec_id) == 0 && a.exec_type == b.exec_type &&
         a.ord_status == b.ord_status && a.side == b.side && a.order_qty == b.order_qty &&
         a.last_qty == b.last_qty && a.last_px == b.last_px && a.cum_qty == b.cum_qty &&
         a.leaves_qty == b.leaves_qty && a.avg_px == b.avg_px &&
         a.transact_time_ns == b.transact_time_ns && a.bad_tag == 0 && a.rounded == 0;
}

// Decodes as the initiator does: parse against the dictionary, validate, codec::parse.
void decode(const std::string& raw, const FIX::DataDictionary& dd, fix::ExecutionReport& out) {
  FIX::Message msg(raw, dd, dd, true);
  FIX::DataDictionary::validate(msg, &dd, &dd);
  fix::codec::parse(msg, out);
}

// The encoded order read back: the fields the broker acts on.
bool encoded_as(const std::string& wire, const FIX::DataDictionary& dd, const fix::NewOrder& o) {
  const FIX::Message m(wire, dd, dd, true);
  FIX::DataDictionary::validate(m, &dd, &dd);
  return m.getHeader().getField(35) == "D" && m.getField(11) == o.cl_ord_id &&
         m.getField(1) == o.account && m.getField(55) == o.symbol &&
         m.getField(54) == std::string(1, o.side) && m.getField(40) == "2" &&
         m.getField(38) == fix::format_decimal(o.qty, fix::kQtyDecimals) &&
         m.getField(44) == fix::format_decimal(o.price, fix::kPriceDecimals);
}

FixFixture build_fixture() {
  FixFixture f;
  char dir[] = "/tmp/micro_bench_fix.XXXXXX";
  if (::mkdtemp(dir) == nullptr) {
    f.error = "cannot create a temporary directory for the data dictionary";
    return f;
  }
  std::string path;
  if (!fix::write_inbound_dictionary("FIX.4.4", "", dir, path, f.error)) {
    ::rmdir(dir);
    return f;
  }
  try {
    // The initiator's session settings (initiator.cpp): empty fields, unknown and user-defined
    // fields are the codec's business, not the session's.
    f.dd.reset(new FIX::DataDictionary(path));
    f.dd->checkFieldsHaveValues(false);
    f.dd->allowUnknownMsgFields(true);
    f.dd->checkUserDefinedFields(false);
  } catch (const std::exception& e) {
    f.error = std::string("data dictionary: ") + e.what();
  }
  ::unlink(path.c_str());
  ::rmdir(dir);
  if (!f.error.empty()) return f;
  for (std::size_t i = 0; i < kMessages; ++i) {
    f.orders.push_back(make_order(i));
    f.expected.push_back(fix::ExecutionReport());
    f.reports.push_back(make_fill(f.orders.back(), i, f.expected.back()));
  }
  return f;
}

// The fixture, or null (and `state` failed) when it did not build.
const FixFixture* usable_fixture(benchmark::State& state) {
  static const FixFixture f = build_fixture();
  if (f.error.empty()) return &f;
  std::fprintf(stderr, "micro_bench: %s\n", f.error.c_str());
  fail(state, "FIX fixture did not build (see stderr)");
  return nullptr;
}

void BM_FixEncodeNewOrderSingle(benchmark::State& state) {
  const FixFixture* fp = usable_fixture(state);
  if (fp == nullptr) return;
  const FixFixture& f = *fp;
  FIX::Message msg;
  std::string error, wire;
  try {
    for (std::size_t i = 0; i < kMessages; ++i) {
      if (!fix::codec::build(f.orders[i], fix::codec::Version::kFix44, msg, error)) break;
      fill_header(msg, static_cast<int>(i + 2), "BALLAST", "BROKERSIM");
      if (!encoded_as(msg.toString(), *f.dd, f.orders[i])) {
        error = "mismatch";
        break;
      }
    }
  } catch (const std::exception&) {
    error = "exception";
  }
  if (!error.empty()) {
    fail(state, "an encoded NewOrderSingle does not read back as the order it was built from");
    return;
  }
  std::size_t k = 0;
  int seq = 2;
  for (auto _ : state) {
    if (!fix::codec::build(f.orders[k], fix::codec::Version::kFix44, msg, error)) {
      fail(state, "codec::build refused a valid NewOrder");
      break;
    }
    fill_header(msg, seq++, "BALLAST", "BROKERSIM");
    msg.toString(wire);
    benchmark::DoNotOptimize(wire.data());
    benchmark::ClobberMemory();
    k = (k + 1) % kMessages;
  }
}
BENCHMARK(BM_FixEncodeNewOrderSingle);

void BM_FixDecodeExecutionReport(benchmark::State& state) {
  const FixFixture* fp = usable_fixture(state);
  if (fp == nullptr) return;
  const FixFixture& f = *fp;
  fix::ExecutionReport r;
  std::size_t k = 0;
  for (auto _ : state) {
    bool ok = true;
    try {
      decode(f.reports[k], *f.dd, r);
    } catch (const std::exception&) {
      ok = false;
    }
    benchmark::DoNotOptimize(&r);
    benchmark::ClobberMemory();
    if (!ok || !same_report(r, f.expected[k])) {
      fail(state, "a decoded ExecutionReport differs from the fill that was encoded");
      break;
    }
    k = (k + 1) % kMessages;
  }
}
BENCHMARK(BM_FixDecodeExecutionReport);

}  // namespace
}  // namespace micro
}  // namespace ballast
