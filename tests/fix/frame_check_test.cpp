// The check that keeps QuickFIX 1.15's parser from reading a data field past the end of a frame
// (common/frame_check.hpp), and the session log that applies it (common/redacting_log.hpp).
#include "common/frame_check.hpp"

#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileLog.h>
#include <quickfix/Message.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/embedded.hpp"
#include "common/redacting_log.hpp"
#include "fix_test_support.hpp"

namespace ballast {
namespace fix {
namespace {

std::string framed(const std::string& body_with_bars) {
  return raw_fix("8=FIX.4.4|9=0|" + body_with_bars + "10=000|");
}

TEST(FixFrameCheck, DataFieldsMustHoldWhatTheirLengthFieldSays) {
  std::string why;
  EXPECT_TRUE(data_fields_fit(framed("35=8|354=5|355=hello|58=x|"), why)) << why;
  EXPECT_TRUE(data_fields_fit(framed("35=8|355=no length field|"), why)) << why;
  EXPECT_TRUE(data_fields_fit(framed("35=8|93=3|89=sig|"), why)) << why;
  EXPECT_TRUE(data_fields_fit(framed("35=8|37=123456789|38=100|"), why)) << "38 is no data field";

  EXPECT_FALSE(data_fields_fit(framed("35=8|354=1000000000|355=x|"), why));
  EXPECT_NE(why.find("355"), std::string::npos) << why;
  EXPECT_NE(why.find("354"), std::string::npos) << why;
  EXPECT_FALSE(data_fields_fit(framed("35=8|354=-1|355=x|"), why)) << "negative";
  EXPECT_FALSE(data_fields_fit(framed("35=8|354=3|355=x|"), why)) << "past its SOH";
  EXPECT_FALSE(data_fields_fit(framed("35=8|354=0|355=x|"), why)) << "short of its SOH";
  EXPECT_FALSE(data_fields_fit(framed("35=8|354=1|354=99|355=x|"), why)) << "any earlier value";
  EXPECT_FALSE(data_fields_fit(framed("35=8|93=99|89=x|"), why)) << "Signature uses 93";
  EXPECT_FALSE(data_fields_fit(framed("35=8|95=9|96=raw|"), why));
  EXPECT_FALSE(data_fields_fit(framed("35=8|621=99999|622=leg|"), why));
  // A tag QuickFIX reads as 355 after wrapping at 32 bits (4294967296 + 355).
  EXPECT_FALSE(data_fields_fit(framed("35=8|354=50|4294967651=x|"), why));
}

// Random frames built from data fields with right and wrong lengths and ordinary fields, against
// an oracle (every earlier value of the length field equals the data's length); every frame the
// check passes is parsed by QuickFIX with each data field read exactly up to its SOH (under ASan
// an out-of-bounds read would stop the test).
TEST(FixFrameCheck, RandomFramesAgreeWithTheOracleAndPassedOnesParseInBounds) {
  TempDir dir("frame_check");
  std::string path, error;
  ASSERT_TRUE(write_embedded_dictionary("FIX.4.4", dir.path(), path, error)) << error;
  FIX::DataDictionary dd(path);
  const std::vector<std::pair<int, int>> data = {{354, 355}, {95, 96},   {93, 89},
                                                 {212, 213}, {348, 349}, {350, 351}};
  std::mt19937_64 rng(42);
  int passed = 0, refused = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string body = "35=8|";
    bool expect_fit = true;
    std::map<int, std::vector<long>> seen;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      if (rng() % 3 == 0) {
        body += std::to_string(11 + rng() % 50) + "=v" + std::to_string(rng() % 1000) + "|";
        continue;
      }
      const auto d = data[rng() % data.size()];
      const std::string value(static_cast<std::size_t>(rng() % 6), 'a' + char(rng() % 26));
      long declared = static_cast<long>(value.size());
      switch (rng() % 5) {
        case 0:
          declared += 1 + static_cast<long>(rng() % 3);
          break;
        case 1:
          declared = 1000000000L;
          break;
        case 2:
          declared = -static_cast<long>(1 + rng() % 3);
          break;
        default:
          break;  // right
      }
      const bool with_length = rng() % 4 != 0;
      if (with_length) {
        body += std::to_string(d.first) + "=" + std::to_string(declared) + "|";
        seen[d.first].push_back(declared);
      }
      for (long v : seen[d.first])
        if (v != static_cast<long>(value.size())) expect_fit = false;
      body += std::to_string(d.second) + "=" + value + "|";
    }
    const std::string frame = framed(body);
    std::string why;
    const bool fit = data_fields_fit(frame, why);
    ASSERT_EQ(fit, expect_fit) << body << "\n" << why;
    if (!fit) {
      ++refused;
      continue;
    }
    ++passed;
    FIX::Message m;
    try {
      m.setString(frame, false, &dd);
    } catch (const FIX::Exception&) {
      continue;  // refused for another reason: fine, it was read in bounds
    }
  }
  EXPECT_GT(passed, 500);
  EXPECT_GT(refused, 500);
}

TEST(FixFrameCheck, TheSessionLogRefusesTheFrameBeforeQuickFixParsesIt) {
  TempDir dir("guard_log");
  RedactingFileLogFactory factory(dir.path());
  std::unique_ptr<FIX::Log> session(factory.create(FIX::SessionID("FIX.4.4", "A", "B")));
  std::unique_ptr<FIX::Log> global(factory.create());
  const std::string bad = framed("35=8|354=1000000000|355=x|");
  EXPECT_THROW(session->onIncoming(bad), FIX::InvalidMessage);
  EXPECT_NO_THROW(session->onIncoming(framed("35=8|354=1|355=x|")));
  EXPECT_NO_THROW(global->onIncoming(bad)) << "frames for no session are only logged";
}

}  // namespace
}  // namespace fix
}  // namespace ballast
