// A QuickFIX MessageStoreFactory over FIX::FileStore that never writes Username (553) or
// Password (554) to disk.
//
// QuickFIX persists every outgoing message, the Logon included, in the FileStore's .body file.
// Admin messages are never resent (a resend replaces them with a SequenceReset-GapFill), so the
// stored Logon is only ever read back to be skipped: the store keeps it with 553/554 replaced by
// "***" and BodyLength/CheckSum recomputed, so a resend that parses it (QuickFIX validates length
// and checksum when it reads the store back) still works and the sequence numbering is untouched.
// Everything else (sequence numbers, other messages) goes to FileStore unchanged.
#pragma once

#include <quickfix/FileStore.h>
#include <quickfix/MessageStore.h>

#include <string>

namespace ballast {
namespace fix {

/// `msg` with 553/554 values replaced by "***" and, when anything was replaced, BodyLength (9)
/// and CheckSum (10) recomputed so it is still a well-formed FIX message.
std::string redact_and_reframe(const std::string& msg);

class RedactingFileStoreFactory : public FIX::MessageStoreFactory {
 public:
  /// FileStorePath is read per session from `settings` (as FIX::FileStoreFactory does).
  explicit RedactingFileStoreFactory(const FIX::SessionSettings& settings);
  FIX::MessageStore* create(const FIX::SessionID& id) override;
  void destroy(FIX::MessageStore* store) override;

 private:
  FIX::FileStoreFactory files_;
};

}  // namespace fix
}  // namespace ballast
