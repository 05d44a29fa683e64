// Ballast's dictionaries load in QuickFIX; credentials never reach the logs or the store.
#include <quickfix/DataDictionary.h>
#include <quickfix/FileLog.h>
#include <quickfix/Message.h>
#include <quickfix/SessionSettings.h>

#include <gtest/gtest.h>

#include <string>

#include "common/embedded.hpp"
#include "common/inbound_dictionary.hpp"
#include "common/redacting_log.hpp"
#include "common/redacting_store.hpp"
#include "fix_test_support.hpp"

namespace ballast {
namespace fix {
namespace {

TEST(FixDictionaries, EmbeddedDictionariesLoadInQuickFix) {
  TempDir dir("dict");
  for (const char* begin : {"FIX.4.2", "FIX.4.4"}) {
    std::string path, error;
    ASSERT_TRUE(write_embedded_dictionary(begin, dir.path() + "/sub/dir", path, error)) << error;
    FIX::DataDictionary dd;
    ASSERT_NO_THROW(dd.readFromURL(path)) << path;
    EXPECT_EQ(dd.getVersion(), begin);
    for (const char* type : {"0", "1", "2", "3", "4", "5", "A", "D", "F", "G", "H", "8", "9", "j",
                             "V", "W", "X", "Y"}) {
      EXPECT_TRUE(dd.isMsgType(type)) << begin << " " << type;
    }
    EXPECT_FALSE(dd.isMsgType("AE")) << "trimmed away";
    EXPECT_TRUE(dd.isField(554));
    EXPECT_TRUE(dd.isField(273));
  }
}

// The initiator's inbound dictionary: application fields are STRING without value lists, the
// header, trailer and structural types are untouched, and a message that the strict dictionary
// refuses for an informational value passes it, while a missing required field still does not.
TEST(FixDictionaries, InboundDictionaryChecksStructureNotApplicationValues) {
  TempDir dir("dict3");
  for (const char* begin : {"FIX.4.2", "FIX.4.4"}) {
    std::string strict_path, path, error;
    ASSERT_TRUE(write_embedded_dictionary(begin, dir.path(), strict_path, error)) << error;
    ASSERT_TRUE(write_inbound_dictionary(begin, "", dir.path(), path, error)) << error;
    EXPECT_NE(path, strict_path);
    FIX::DataDictionary strict, dd;
    ASSERT_NO_THROW(strict.readFromURL(strict_path));
    ASSERT_NO_THROW(dd.readFromURL(path)) << path;
    EXPECT_EQ(dd.getVersion(), begin);
    FIX::TYPE::Type t = FIX::TYPE::Unknown;
    ASSERT_TRUE(dd.getFieldType(6, t));
    EXPECT_EQ(t, FIX::TYPE::String) << "AvgPx";
    ASSERT_TRUE(dd.getFieldType(60, t));
    EXPECT_EQ(t, FIX::TYPE::String) << "TransactTime";
    EXPECT_FALSE(dd.hasFieldValue(39)) << "OrdStatus values are Ballast's to check";
    EXPECT_TRUE(strict.hasFieldValue(39));
    ASSERT_TRUE(dd.getFieldType(52, t));
    EXPECT_EQ(t, FIX::TYPE::UtcTimeStamp) << "SendingTime is the session's";
    FIX::TYPE::Type st = FIX::TYPE::Unknown;
    ASSERT_TRUE(dd.getFieldType(34, t));
    ASSERT_TRUE(strict.getFieldType(34, st));
    EXPECT_EQ(t, st) << "MsgSeqNum is the session's";
    EXPECT_TRUE(dd.hasFieldValue(35)) << "MsgType keeps its values";
    ASSERT_TRUE(dd.getFieldType(268, t));
    ASSERT_TRUE(strict.getFieldType(268, st));
    EXPECT_EQ(t, st) << "group counters keep their type (4.2: INT, 4.4: NUMINGROUP)";
    EXPECT_NE(t, FIX::TYPE::String);
    for (const char* type : {"8", "9", "D", "F", "G", "H", "W", "X", "A", "3"})
      EXPECT_TRUE(dd.isMsgType(type)) << begin << " " << type;
    EXPECT_TRUE(dd.isRequiredField("8", 17)) << "ExecID is still required";

    const std::string four2 = std::string(begin) == "FIX.4.2" ? "20=0|" : "";
    const std::string er = "8=" + std::string(begin) +
                           "|9=0|35=8|49=B|56=A|34=2|52=20240102-14:30:00.250|37=O|17=E|" + four2 +
                           "150=F|39=1|55=AAPL|54=1|151=99|14=1|6=abc|32=1|31=223.5|"
                           "60=garbage|59=Z|10=000|";
    FIX::Message m(raw_fix(er), false);
    EXPECT_ANY_THROW(strict.validate(m)) << "the strict dictionary refuses AvgPx abc";
    EXPECT_NO_THROW(dd.validate(m));
    FIX::Message missing(raw_fix(er), false);
    missing.removeField(17);
    EXPECT_ANY_THROW(dd.validate(missing)) << "structure is still QuickFIX's to check";
  }
}

// A desk's own dictionary file gets the same treatment; a file that is not a dictionary is named.
TEST(FixDictionaries, InboundDictionaryFromAFileAndItsErrors) {
  TempDir dir("dict4");
  std::string strict_path, path, error;
  ASSERT_TRUE(write_embedded_dictionary("FIX.4.4", dir.path() + "/desk", strict_path, error));
  ASSERT_TRUE(write_inbound_dictionary("FIX.4.4", strict_path, dir.path() + "/out", path, error))
      << error;
  EXPECT_EQ(path, dir.path() + "/out/FIX44.inbound.xml");
  FIX::DataDictionary dd;
  ASSERT_NO_THROW(dd.readFromURL(path));
  FIX::TYPE::Type t = FIX::TYPE::Unknown;
  ASSERT_TRUE(dd.getFieldType(31, t));
  EXPECT_EQ(t, FIX::TYPE::String);

  EXPECT_FALSE(
      write_inbound_dictionary("FIX.4.4", dir.path() + "/none.xml", dir.path(), path, error));
  EXPECT_NE(error.find("none.xml"), std::string::npos) << error;
  std::string out, e;
  EXPECT_FALSE(inbound_dictionary("<fix><messages/></fix>", out, e));
  EXPECT_NE(e.find("<fields>"), std::string::npos) << e;
  EXPECT_FALSE(
      inbound_dictionary("<fix><fields><field number='6' name='AvgPx' type='PRICE'>"
                         "</fields></fix>",
                         out, e));
  EXPECT_NE(e.find("AvgPx"), std::string::npos) << e;
  // Single quotes and other spacing are read too.
  ASSERT_TRUE(
      inbound_dictionary("<fix><header><field name='MsgSeqNum' required='Y'/></header>"
                         "<fields>\n<field  number='6'  name='AvgPx' type='PRICE'/>"
                         "<field number='34' name='MsgSeqNum' type='INT'/></fields></fix>",
                         out, e))
      << e;
  EXPECT_NE(out.find("name=\"AvgPx\" type=\"STRING\""), std::string::npos) << out;
  EXPECT_NE(out.find("<field number='34' name='MsgSeqNum' type='INT'/>"), std::string::npos) << out;
}

TEST(FixDictionaries, UnknownBeginStringIsRefusedByName) {
  TempDir dir("dict2");
  std::string path, error;
  EXPECT_FALSE(write_embedded_dictionary("FIX.4.3", dir.path(), path, error));
  EXPECT_NE(error.find("FIX.4.3"), std::string::npos) << error;
}

TEST(FixRedaction, CredentialsAreReplacedAndOtherTagsKept) {
  const std::string logon =
      raw_fix("8=FIX.4.4|9=0|35=A|49=A|56=B|553=alice|554=s3cret|5540=keep|98=0|108=30|10=000|");
  const std::string out = redact_credentials(logon);
  EXPECT_EQ(out.find("s3cret"), std::string::npos);
  EXPECT_EQ(out.find("alice"), std::string::npos);
  EXPECT_NE(out.find(raw_fix("|553=***|554=***|5540=keep|")), std::string::npos) << out;
  EXPECT_EQ(redact_credentials(raw_fix("8=FIX.4.4|35=0|")), raw_fix("8=FIX.4.4|35=0|"));
}

TEST(FixRedaction, StoredLogonIsRedactedAndStillAValidMessage) {
  FIX::Message logon;
  logon.getHeader().setField(8, "FIX.4.4");
  logon.getHeader().setField(35, "A");
  logon.getHeader().setField(49, "BALLAST");
  logon.getHeader().setField(56, "BROKER");
  logon.getHeader().setField(34, "1");
  logon.getHeader().setField(52, "20240101-00:00:00.000");
  logon.setField(98, "0");
  logon.setField(108, "30");
  logon.setField(553, "alice");
  logon.setField(554, "hunter2hunter2");
  const std::string framed = redact_and_reframe(logon.toString());
  EXPECT_EQ(framed.find("hunter2"), std::string::npos);
  FIX::Message back;
  ASSERT_NO_THROW(back.setString(framed, true)) << framed;  // length and checksum validated
  EXPECT_EQ(back.getField(554), "***");
  EXPECT_EQ(back.getField(108), "30");
}

TEST(FixRedaction, FileLogAndFileStoreNeverHoldThePassword) {
  TempDir dir("redact");
  const std::string secret = "pw-" + std::to_string(::getpid()) + "-Zq9";
  const std::string raw = raw_fix("8=FIX.4.4|9=5|35=A|553=alice|554=" + secret + "|10=000|");
  FIX::SessionID id("FIX.4.4", "BALLAST", "BROKER");
  {
    RedactingFileLogFactory logs(dir.path() + "/log");
    FIX::Log* log = logs.create(id);
    log->onIncoming(raw);
    log->onOutgoing(raw);
    log->onEvent("event " + raw);
    logs.destroy(log);
    FIX::Log* global = logs.create();
    global->onOutgoing(raw);
    logs.destroy(global);
  }
  {
    FIX::SessionSettings settings;
    FIX::Dictionary d;
    d.setString("ConnectionType", "initiator");
    d.setString("FileStorePath", dir.path() + "/store");
    settings.set(id, d);
    RedactingFileStoreFactory stores(settings);
    FIX::MessageStore* store = stores.create(id);
    store->set(1, raw);
    std::vector<std::string> got;
    store->get(1, 1, got);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].find(secret), std::string::npos);
    stores.destroy(store);
  }
  EXPECT_GE(count_files(dir.path()), 6) << "logs and store files were written";
  EXPECT_EQ(files_containing(dir.path(), secret), std::vector<std::string>{});
}

}  // namespace
}  // namespace fix
}  // namespace ballast
