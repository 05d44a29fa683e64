// QuickFIX file logs with Username (553) and Password (554) redacted.
#include "common/redacting_log.hpp"

#include <quickfix/Exceptions.h>
#include <quickfix/FileLog.h>

#include <memory>

#include "common/frame_check.hpp"

namespace ballast {
namespace fix {

namespace {

const char kSoh = '\x01';

// Replaces the value of every `tag` field in `msg` with "***".
void redact_tag(std::string& msg, const char* tag) {
  const std::string needle = std::string(1, kSoh) + tag + "=";
  std::size_t pos = 0;
  // A field can also start the string (a fragment); real messages start with 8=.
  const std::string first = std::string(tag) + "=";
  if (msg.compare(0, first.size(), first) == 0) {
    const std::size_t end = msg.find(kSoh);
    msg.replace(first.size(), (end == std::string::npos ? msg.size() : end) - first.size(), "***");
  }
  while ((pos = msg.find(needle, pos)) != std::string::npos) {
    const std::size_t value = pos + needle.size();
    std::size_t end = msg.find(kSoh, value);
    if (end == std::string::npos) end = msg.size();
    msg.replace(value, end - value, "***");
    pos = value + 3;
  }
}

/// FIX::FileLog behind redact_credentials(). A session's log also guards QuickFIX's parser:
/// Session::next() hands it each raw inbound frame before parsing it, inside a try that treats
/// FIX::InvalidMessage as a garbled frame, and this is the one hook before that parser on the
/// initiator's socket path (QuickFIX's SocketConnection). A frame QuickFIX would read out of
/// bounds (frame_check.hpp) is logged, then refused with InvalidMessage.
class RedactingFileLog : public FIX::Log {
 public:
  RedactingFileLog(FIX::FileLog* inner, bool guard) : inner_(inner), guard_(guard) {}
  void clear() override { inner_->clear(); }
  void backup() override { inner_->backup(); }
  void onIncoming(const std::string& msg) override {
    inner_->onIncoming(redact_credentials(msg));
    std::string why;
    if (guard_ && !data_fields_fit(msg, why)) throw FIX::InvalidMessage("Ballast: " + why);
  }
  void onOutgoing(const std::string& msg) override { inner_->onOutgoing(redact_credentials(msg)); }
  // Events carry no message bodies today; redacting them too costs nothing and keeps it so.
  void onEvent(const std::string& text) override { inner_->onEvent(redact_credentials(text)); }

 private:
  std::unique_ptr<FIX::FileLog> inner_;
  bool guard_;
};

}  // namespace

std::string redact_credentials(const std::string& msg) {
  if (msg.find("553=") == std::string::npos && msg.find("554=") == std::string::npos) return msg;
  std::string out = msg;
  redact_tag(out, "553");
  redact_tag(out, "554");
  return out;
}

RedactingFileLogFactory::RedactingFileLogFactory(const std::string& dir) : dir_(dir) {}

FIX::Log* RedactingFileLogFactory::create() {
  return new RedactingFileLog(new FIX::FileLog(dir_), false);  // frames for no session
}

FIX::Log* RedactingFileLogFactory::create(const FIX::SessionID& id) {
  return new RedactingFileLog(new FIX::FileLog(dir_, id), true);
}

void RedactingFileLogFactory::destroy(FIX::Log* log) {
  delete log;
}

}  // namespace fix
}  // namespace ballast
