// The message codec and the back-off policy without a network.
#include "common/fix_codec.hpp"

#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ballast/fix/fix_decimal.hpp"
#include "common/embedded.hpp"
#include "fix_test_support.hpp"
#include "session/backoff.hpp"

namespace ballast {
namespace fix {
namespace {

FIX::Message parse44(const std::string& pipes) {
  static TempDir dir("codec");
  static std::string path;
  if (path.empty()) {
    std::string error;
    write_embedded_dictionary("FIX.4.4", dir.path(), path, error);
  }
  static FIX::DataDictionary dd(path);
  // A well-formed frame (BodyLength second, CheckSum last) or QuickFIX parses groups differently;
  // their values are not checked here.
  const std::string framed =
      "8=FIX.4.4|9=0|" + pipes.substr(std::string("8=FIX.4.4|").size()) + "10=000|";
  FIX::Message m;
  m.setString(raw_fix(framed), false, &dd);
  return m;
}

TEST(FixBackoff, DoublesFromMinToMaxAndResetsOnLogon) {
  Backoff b(900, 5000);
  EXPECT_EQ(b.next_delay_ms(), 900);
  EXPECT_EQ(b.next_delay_ms(), 1800);
  EXPECT_EQ(b.next_delay_ms(), 3600);
  EXPECT_EQ(b.next_delay_ms(), 5000);
  EXPECT_EQ(b.next_delay_ms(), 5000);
  b.on_logon();
  EXPECT_EQ(b.next_delay_ms(), 900);
  Backoff big(1 << 30, 2000000000);
  EXPECT_EQ(big.next_delay_ms(), 1 << 30);
  EXPECT_EQ(big.next_delay_ms(), 2000000000) << "no overflow";
}

TEST(FixCodec, ExecutionReportIdentifiersTooLongAreNamedNotCutAndTheReportStillReadable) {
  const std::string id(40, 'E');
  FIX::Message m =
      parse44("8=FIX.4.4|35=8|49=B|56=A|34=2|52=20240102-00:00:00|37=O|11=B1|17=" + id +
              "|150=0|39=0|55=AAPL|54=1|151=1|14=0|6=0|");
  ExecutionReport r;
  EXPECT_NO_THROW(codec::parse(m, r)) << "a report is never refused for a field's format";
  EXPECT_EQ(r.bad_tag, 17) << "ExecID is needed: named";
  EXPECT_STREQ(r.exec_id, "") << "never cut";
  EXPECT_STREQ(r.cl_ord_id, "B1");
  EXPECT_NE(std::string(r.problem).find("17="), std::string::npos) << r.problem;
  FIX::Message ok = parse44(
      "8=FIX.4.4|35=8|49=B|56=A|34=2|52=20240102-00:00:00|43=Y|37=O|17=E1|150=F|"
      "39=1|55=AAPL|54=2|38=0.000001|32=0.000001|31=0.000000001|151=0|14=0.000001|"
      "6=12|58=" +
      std::string(200, 't') + "|");
  codec::parse(ok, r);
  EXPECT_EQ(r.order_qty, 1);
  EXPECT_EQ(r.last_px, 1);
  EXPECT_EQ(r.avg_px, 12000000000LL);
  EXPECT_TRUE(r.poss_dup);
  EXPECT_EQ(std::string(r.text).size(), sizeof(r.text) - 1);
  EXPECT_EQ(std::string(r.text).substr(sizeof(r.text) - 4), "...");
}

// Issue 13 item 1: a broker computing in floating point sends AvgPx 223.66000000000003; before,
// the whole report was refused (session Reject) and its fill lost.
TEST(FixCodec, ExcessDecimalsAreRoundedHalfEvenAndNamedNeverRefused) {
  FIX::Message m = parse44(
      "8=FIX.4.4|35=8|49=B|56=A|34=2|52=20240102-00:00:00|37=O|11=B1|17=E1|150=F|39=1|55=AAPL|"
      "54=1|38=0100.000|32=10.0000005|31=223.6600000005|151=89.9999995|14=10.0000005|"
      "6=223.66000000000003|60=20240102-14:30:00.250|");
  ExecutionReport r;
  ASSERT_NO_THROW(codec::parse(m, r));
  EXPECT_EQ(r.bad_tag, 0) << r.problem;
  EXPECT_EQ(r.avg_px, 223660000000LL);
  EXPECT_EQ(r.last_px, 223660000000LL) << "a tie goes to the even neighbour";
  EXPECT_EQ(r.last_qty, 10000000) << "10.0000005 -> 10.000000 (even)";
  EXPECT_EQ(r.cum_qty, 10000000);
  EXPECT_EQ(r.leaves_qty, 90000000) << "89.9999995 -> 90.000000 (even)";
  EXPECT_EQ(r.order_qty, 100000000) << "leading and trailing zeros";
  EXPECT_EQ(r.rounded,
            kRoundedLastQty | kRoundedLastPx | kRoundedCumQty | kRoundedLeavesQty | kRoundedAvgPx);
  EXPECT_NE(std::string(r.problem).find("rounded 6=223.66000000000003 to 223.66"),
            std::string::npos)
      << r.problem;
  // A number that is no decimal at all in a field the engine books from is named, not thrown.
  FIX::Message bad = parse44(
      "8=FIX.4.4|35=8|49=B|56=A|34=2|52=20240102-00:00:00|37=O|11=B1|17=E2|150=F|39=1|55=AAPL|"
      "54=1|32=1e3|31=1|151=0|14=1|6=1|60=bad-time|");
  ASSERT_NO_THROW(codec::parse(bad, r));
  EXPECT_EQ(r.bad_tag, 32);
  EXPECT_EQ(r.transact_time_ns, 0) << "an informational field that is unreadable is ignored";
}

TEST(FixCodec, IncrementalBeforeSnapshotAndSeveralSymbolsInOneMessage) {
  codec::TopOfBook book;
  std::vector<MarketDataUpdate> out;
  // X before any W: a trade alone has no quote yet; entries without Symbol take the previous one.
  book.apply(parse44("8=FIX.4.4|35=X|49=B|56=A|34=2|52=20240102-10:00:00.000|268=3|"
                     "279=0|269=2|55=AAA|270=10.5|271=3|"
                     "279=0|269=0|270=10.25|271=7|"
                     "279=0|269=1|55=BBB|270=20|271=1|"),
             3, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_STREQ(out[0].symbol, "AAA");
  EXPECT_TRUE(out[0].has_trade);
  EXPECT_FALSE(out[0].has_quote);
  EXPECT_EQ(out[0].trade_px, 10500000000LL);
  EXPECT_EQ(out[0].session, 3);
  EXPECT_STREQ(out[1].symbol, "AAA");
  EXPECT_TRUE(out[1].has_quote);
  EXPECT_EQ(out[1].bid, 10250000000LL);
  EXPECT_EQ(out[1].ask, 0);
  EXPECT_STREQ(out[2].symbol, "BBB");
  EXPECT_EQ(out[2].ask, 20000000000LL);
  std::int64_t t = 0;
  ASSERT_TRUE(parse_utc_timestamp("20240102-10:00:00", 17, t));
  EXPECT_EQ(out[2].time_ns, t) << "SendingTime when the entry has no MDEntryDate/Time";
  // A full refresh with two bid levels keeps the best.
  out.clear();
  book.apply(parse44("8=FIX.4.4|35=W|49=B|56=A|34=3|52=20240102-10:00:01|55=AAA|268=3|"
                     "269=0|270=10.2|271=1|269=0|270=10.3|271=2|269=1|270=10.4|271=5|"),
             3, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].snapshot);
  EXPECT_EQ(out[0].bid, 10300000000LL);
  EXPECT_EQ(out[0].bid_size, 2000000);
  EXPECT_EQ(out[0].ask, 10400000000LL);
  EXPECT_FALSE(out[0].has_trade);
  // An inexact price in market data is refused like anywhere else.
  EXPECT_THROW(book.apply(parse44("8=FIX.4.4|35=X|49=B|56=A|34=4|52=20240102-10:00:02|268=1|"
                                  "279=1|269=0|55=AAA|270=1.0000000001|271=1|"),
                          3, out),
               FIX::IncorrectDataFormat);
}

TEST(FixCodec, MassCancelRequestAndReportBothWaysAndNotInFix42) {
  MassCancelRequest q;
  set_text(q.cl_ord_id, std::string("MB0000000000001"));
  q.transact_time_ns = 1704205800250000000LL;
  FIX::Message m;
  std::string error;
  ASSERT_TRUE(codec::build(q, codec::Version::kFix44, m, error)) << error;
  EXPECT_EQ(m.getHeader().getField(35), "q");
  EXPECT_EQ(m.getField(11), "MB0000000000001");
  EXPECT_EQ(m.getField(530), "7");
  EXPECT_FALSE(m.isSetField(55));
  EXPECT_EQ(m.getField(60), "20240102-14:30:00.250");
  MassCancelRequest back;
  codec::parse(m, back, codec::Need::kToExecute);
  EXPECT_STREQ(back.cl_ord_id, q.cl_ord_id);
  EXPECT_STREQ(back.symbol, "");
  set_text(q.symbol, std::string("AAPL"));
  ASSERT_TRUE(codec::build(q, codec::Version::kFix44, m, error)) << error;
  EXPECT_EQ(m.getField(530), "1");
  EXPECT_EQ(m.getField(55), "AAPL");
  codec::parse(m, back, codec::Need::kToExecute);
  EXPECT_STREQ(back.symbol, "AAPL");
  EXPECT_FALSE(codec::build(q, codec::Version::kFix42, m, error));
  EXPECT_NE(error.find("FIX 4.2"), std::string::npos) << error;
  // A broker's reading: 11 is needed; a type other than 1 and 7 is refused, naming 530.
  FIX::Message bad;
  bad.getHeader().setField(35, "q");
  bad.setField(530, "7");
  EXPECT_THROW(codec::parse(bad, back, codec::Need::kToExecute), FIX::FieldNotFound);
  bad.setField(11, "X");
  bad.setField(530, "5");
  EXPECT_THROW(codec::parse(bad, back, codec::Need::kToExecute), FIX::IncorrectTagValue);

  MassCancelReport r;
  set_text(r.cl_ord_id, std::string("MB0000000000001"));
  set_text(r.order_id, std::string("MASS-1"));
  r.response = '7';
  r.affected = 1002;
  ASSERT_TRUE(codec::build(r, codec::Version::kFix44, m, error)) << error;
  MassCancelReport rb;
  codec::parse(m, rb);
  EXPECT_STREQ(rb.cl_ord_id, "MB0000000000001");
  EXPECT_EQ(rb.response, '7');
  EXPECT_EQ(rb.affected, 1002);
  EXPECT_EQ(rb.reject_reason, -1);
  // Never throws on what a broker sends: unreadable numbers read -1, an unreadable 531 reads
  // '0' (refused: the sender falls back to single cancels).
  m.setField(533, "lots");
  m.setField(532, "x");
  m.setField(531, "77");
  codec::parse(m, rb);
  EXPECT_EQ(rb.affected, -1);
  EXPECT_EQ(rb.reject_reason, -1);
  EXPECT_EQ(rb.response, '0');
  m.removeField(531);
  codec::parse(m, rb);
  EXPECT_EQ(rb.response, '0');
}

TEST(FixCodec, OutboundStructsBecomeExactText) {
  NewOrder o;
  set_text(o.cl_ord_id, std::string("N1"));
  set_text(o.symbol, std::string("AAPL"));
  o.ord_type = '1';  // market: no Price even if one is set
  o.price = 5;
  o.qty = 1500000;
  FIX::Message m;
  std::string error;
  ASSERT_TRUE(codec::build(o, codec::Version::kFix44, m, error)) << error;
  EXPECT_FALSE(m.isSetField(44));
  EXPECT_EQ(m.getField(38), "1.5");
  EXPECT_FALSE(m.isSetField(1)) << "empty Account is not sent";
  set_text(o.symbol, std::string("AA\x01PL"));
  EXPECT_FALSE(codec::build(o, codec::Version::kFix44, m, error));
  EXPECT_NE(error.find("Symbol (55)"), std::string::npos) << error;
}

// What the codec may throw is what the initiator's fromApp/fromAdmin declare (FieldNotFound,
// IncorrectDataFormat, IncorrectTagValue; QuickFIX turns them into a session Reject): anything
// else breaks the C++14 exception specification and std::terminate()s the engine. Found by
// tests/fuzz/initiator_fuzz: a W without Symbol threw RequiredTagMissing.
bool throws_only_what_from_app_allows(const FIX::Message& m, std::string& what) {
  try {
    const std::string type = m.getHeader().getField(35);
    if (type == "8") {
      ExecutionReport r;
      codec::parse(m, r);
    } else if (type == "9") {
      CancelReject r;
      codec::parse(m, r);
    } else if (type == "j") {
      BusinessReject r;
      codec::parse(m, r);
    } else if (type == "Y") {
      BusinessReject r;
      codec::parse_md_reject(m, r);
    } else if (type == "3") {
      SessionReject r;
      codec::parse(m, r);
    } else {
      codec::TopOfBook book;
      std::vector<MarketDataUpdate> out;
      book.apply(m, 0, out);
    }
  } catch (const FIX::FieldNotFound&) {
  } catch (const FIX::IncorrectDataFormat&) {
  } catch (const FIX::IncorrectTagValue&) {
  } catch (const std::exception& e) {
    what = e.what();
    return false;
  }
  return true;
}

TEST(FixCodec, MarketDataWithoutSymbolIsAFieldNotFound) {
  codec::TopOfBook book;
  std::vector<MarketDataUpdate> out;
  const FIX::Message w =
      parse44("8=FIX.4.4|35=W|49=B|56=A|34=2|52=20240102-00:00:00|262=R|268=1|269=0|270=1|271=1|");
  EXPECT_THROW(book.apply(w, 0, out), FIX::FieldNotFound);
  const FIX::Message x = parse44(
      "8=FIX.4.4|35=X|49=B|56=A|34=2|52=20240102-00:00:00|262=R|268=1|279=0|269=0|270=1|271=1|");
  EXPECT_THROW(book.apply(x, 0, out), FIX::FieldNotFound);
  EXPECT_TRUE(out.empty());
}

TEST(FixCodec, RandomlyDamagedInboundMessagesThrowOnlyWhatFromAppAllows) {
  const std::vector<std::string> valid = {
      "8=FIX.4.4|35=8|49=B|56=A|34=2|52=20240102-00:00:00|37=O|11=C|17=E1|150=F|39=1|55=AAPL|"
      "54=2|38=10|32=5|31=101.25|151=5|14=5|6=101.25|60=20240102-00:00:00.123|",
      "8=FIX.4.4|35=9|49=B|56=A|34=2|52=20240102-00:00:00|37=O|11=C|41=P|39=0|434=1|102=1|58=x|",
      "8=FIX.4.4|35=j|49=B|56=A|34=2|52=20240102-00:00:00|45=3|372=D|380=5|379=C|58=x|",
      "8=FIX.4.4|35=Y|49=B|56=A|34=2|52=20240102-00:00:00|262=R|281=0|58=x|",
      "8=FIX.4.4|35=3|49=B|56=A|34=2|52=20240102-00:00:00|45=3|371=54|372=D|373=1|58=x|",
      "8=FIX.4.4|35=W|49=B|56=A|34=2|52=20240102-00:00:00|262=R|55=AAPL|268=2|269=0|270=1.5|"
      "271=100|272=20240102|273=00:00:00.001|269=1|270=1.6|271=200|",
      "8=FIX.4.4|35=X|49=B|56=A|34=2|52=20240102-00:00:00|262=R|268=2|279=1|269=0|55=AAPL|"
      "270=1.5|271=100|279=0|269=2|55=MSFT|270=9|271=3|"};
  const std::vector<std::string> values = {"",
                                           "0",
                                           "-1",
                                           "99999999999999999999",
                                           "1e9",
                                           "1.",
                                           "abc",
                                           "Y",
                                           "Z",
                                           "0.0000000001",
                                           "=",
                                           "9",
                                           "2",
                                           "-5",
                                           "20240102-99:00:00",
                                           std::string(70, 'L')};
  std::mt19937_64 rng(13);
  int failures = 0;
  for (int iter = 0; iter < 5000 && failures < 5; ++iter) {
    // fields after the header (index >= 6): drop, repeat, change a value
    std::string text = valid[rng() % valid.size()];
    std::vector<std::string> f;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t e = text.find('|', pos);
      f.push_back(text.substr(pos, e - pos));
      pos = e + 1;
    }
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n && f.size() > 7; ++k) {
      const std::size_t i = 6 + rng() % (f.size() - 6);
      switch (rng() % 3) {
        case 0:
          f.erase(f.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        case 1:
          f.insert(f.begin() + static_cast<std::ptrdiff_t>(6 + rng() % (f.size() - 6)), f[i]);
          break;
        default:
          f[i] = f[i].substr(0, f[i].find('=') + 1) + values[rng() % values.size()];
          break;
      }
    }
    std::string damaged;
    for (const std::string& x : f) damaged += x + "|";
    FIX::Message m;
    try {
      m = parse44(damaged);
    } catch (const std::exception&) {
      continue;  // QuickFIX refuses it before the codec (an InvalidMessage, caught by QuickFIX)
    }
    std::string what;
    if (!throws_only_what_from_app_allows(m, what)) {
      ADD_FAILURE() << damaged << "\n  threw " << what;
      ++failures;
    }
  }
}

// Found by the initiator fuzzer (seed 20261207): a Logon with HeartBtInt 108=1.2.3 passed, and
// QuickFIX's heartbeat timer converted it outside its own error handling (an exception out of
// Session::next ends the connection's thread: a process abort). The initiator's fromAdmin refuses
// such a Logon (RejectLogon naming the tag); QuickFIX logs out and drops the connection.
TEST(FixCodec, ALogonWhoseHeartBtIntIsNotAWholeNumberIsRefusedNamingTheTag) {
  auto logon = [](const std::string* v) {
    FIX::Message m;
    m.getHeader().setField(35, "A");
    if (v != nullptr) m.setField(108, *v);
    return m;
  };
  EXPECT_NO_THROW(codec::check_logon(logon(nullptr)));
  std::mt19937_64 rng(20261207);
  const std::string alphabet = "0123456789012345678901234567890123456789.-+e x";
  int refused = 0, accepted = 0;
  for (int k = 0; k < 20000; ++k) {
    std::string v;
    const std::size_t n = 1 + rng() % 12;
    for (std::size_t j = 0; j < n; ++j) v += alphabet[rng() % alphabet.size()];
    // The oracle: digits only, and the value fits QuickFIX's int.
    bool whole = true;
    for (char c : v) whole = whole && c >= '0' && c <= '9';
    const bool fits = whole && v.size() <= 10 && std::stoll(v) <= 2147483647LL;
    try {
      codec::check_logon(logon(&v));
      EXPECT_TRUE(fits) << "accepted '" << v << "'";
      ++accepted;
      // What QuickFIX's timer does with it must not throw then.
      FIX::HeartBtInt h;
      logon(&v).getField(h);
      EXPECT_NO_THROW((void)h.getValue()) << v;
    } catch (const FIX::RejectLogon& e) {
      EXPECT_FALSE(fits) << "refused '" << v << "'";
      EXPECT_NE(std::string(e.what()).find("HeartBtInt (108)"), std::string::npos) << e.what();
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000);
  EXPECT_GT(accepted, 1000);
  const std::string bad = "1.2.3";
  EXPECT_THROW(codec::check_logon(logon(&bad)), FIX::RejectLogon);
}

}  // namespace
}  // namespace fix
}  // namespace ballast
