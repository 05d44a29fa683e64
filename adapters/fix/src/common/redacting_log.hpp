// A QuickFIX LogFactory that writes QuickFIX's file logs with Username (553) and Password (554)
// redacted (QuickFIX's FileLog writes the whole Logon in clear text). Both the initiator and
// broker-sim use it; nothing in adapters/fix logs through QuickFIX's plain FileLog.
#pragma once

#include <quickfix/Log.h>

#include <string>

namespace ballast {
namespace fix {

/// Returns `msg` (a raw FIX message, SOH-delimited) with the values of tags 553 and 554 replaced
/// by "***". Other tags are untouched.
std::string redact_credentials(const std::string& msg);

/// Wraps FIX::FileLogFactory: every incoming/outgoing message passes through
/// redact_credentials() before it is written; events are written as they are (they carry no
/// message bodies). A session's log (create(id)) throws FIX::InvalidMessage from onIncoming()
/// for a frame whose data fields QuickFIX would read out of bounds (common/frame_check.hpp), so
/// QuickFIX drops it as garbled before parsing it.
class RedactingFileLogFactory : public FIX::LogFactory {
 public:
  explicit RedactingFileLogFactory(const std::string& dir);
  FIX::Log* create() override;
  FIX::Log* create(const FIX::SessionID& id) override;
  void destroy(FIX::Log* log) override;

 private:
  std::string dir_;
};

}  // namespace fix
}  // namespace ballast
