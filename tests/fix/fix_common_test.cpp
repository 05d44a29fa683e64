// Ballast's dictionaries load in QuickFIX; credentials never reach the logs or the store.
#include <quickfix/DataDictionary.h>
#include <quickfix/FileLog.h>
#include <quickfix/Message.h>
#include <quickfix/SessionSettings.h>

#include <gtest/gtest.h>

#include <string>

#include "common/embedded.hpp"
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
