// FileStore that stores the Logon with its credentials redacted (see redacting_store.hpp).
#include "common/redacting_store.hpp"

// QuickFIX 1.15 declares MessageStore with dynamic exception specifications; C++14 overrides must
// repeat them, and GCC warns that they are deprecated.
#pragma GCC diagnostic ignored "-Wdeprecated"

#include <cstdio>
#include <memory>

#include "common/redacting_log.hpp"

namespace ballast {
namespace fix {

namespace {

const char kSoh = '\x01';

class RedactingStore : public FIX::MessageStore {
 public:
  explicit RedactingStore(FIX::MessageStore* inner) : inner_(inner) {}

  bool set(int seq, const std::string& msg) throw(FIX::IOException) override {
    return inner_->set(seq, redact_and_reframe(msg));
  }
  void get(int begin, int end, std::vector<std::string>& out) const
      throw(FIX::IOException) override {
    inner_->get(begin, end, out);
  }
  int getNextSenderMsgSeqNum() const throw(FIX::IOException) override {
    return inner_->getNextSenderMsgSeqNum();
  }
  int getNextTargetMsgSeqNum() const throw(FIX::IOException) override {
    return inner_->getNextTargetMsgSeqNum();
  }
  void setNextSenderMsgSeqNum(int v) throw(FIX::IOException) override {
    inner_->setNextSenderMsgSeqNum(v);
  }
  void setNextTargetMsgSeqNum(int v) throw(FIX::IOException) override {
    inner_->setNextTargetMsgSeqNum(v);
  }
  void incrNextSenderMsgSeqNum() throw(FIX::IOException) override {
    inner_->incrNextSenderMsgSeqNum();
  }
  void incrNextTargetMsgSeqNum() throw(FIX::IOException) override {
    inner_->incrNextTargetMsgSeqNum();
  }
  FIX::UtcTimeStamp getCreationTime() const throw(FIX::IOException) override {
    return inner_->getCreationTime();
  }
  void reset() throw(FIX::IOException) override { inner_->reset(); }
  void refresh() throw(FIX::IOException) override { inner_->refresh(); }

 private:
  std::unique_ptr<FIX::MessageStore> inner_;
};

}  // namespace

std::string redact_and_reframe(const std::string& msg) {
  std::string out = redact_credentials(msg);
  if (out == msg) return out;
  // 8=FIX.4.4|9=NNN|<body>10=CCC|: the body runs from after 9=...| to the start of 10=.
  const std::size_t len_tag = out.find(std::string(1, kSoh) + "9=");
  if (len_tag == std::string::npos) return out;
  const std::size_t len_end = out.find(kSoh, len_tag + 3);
  const std::size_t sum_tag = out.rfind(std::string(1, kSoh) + "10=");
  if (len_end == std::string::npos || sum_tag == std::string::npos || sum_tag < len_end) return out;
  const std::size_t body_len = sum_tag + 1 - (len_end + 1);
  std::string framed = out.substr(0, len_tag + 3) + std::to_string(body_len) +
                       out.substr(len_end, sum_tag + 1 - len_end);
  unsigned sum = 0;
  for (const char c : framed) sum += static_cast<unsigned char>(c);
  char tail[8];
  std::snprintf(tail, sizeof(tail), "10=%03u", sum % 256);
  framed += tail;
  framed += kSoh;
  return framed;
}

RedactingFileStoreFactory::RedactingFileStoreFactory(const FIX::SessionSettings& settings)
    : files_(settings) {}

FIX::MessageStore* RedactingFileStoreFactory::create(const FIX::SessionID& id) {
  return new RedactingStore(files_.create(id));
}

void RedactingFileStoreFactory::destroy(FIX::MessageStore* store) {
  delete store;
}

}  // namespace fix
}  // namespace ballast
