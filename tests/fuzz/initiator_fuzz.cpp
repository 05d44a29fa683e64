// Fuzz target: the initiator's inbound path, as a broker's bytes take it, and the FIX log reader.
//
//  1. The bytes go through what QuickFIX's SocketConnection (the initiator's transport) does with
//     them: FIX::Parser framing in chunks of random size, Session::next() on each frame with
//     InvalidMessage caught as SocketConnection::readMessages catches it, into a QuickFIX
//     initiator session configured as Ballast's (its data dictionary, validation on), whose
//     Application hands messages to the codec exactly as the initiator's from_app/from_admin do
//     (adapters/fix/src/session/initiator.cpp): ExecutionReport, OrderCancelReject,
//     BusinessMessageReject, MarketDataRequestReject, W/X into the top of book, session Reject.
//     Findings: anything escaping Session::next() other than InvalidMessage (it would escape
//     SocketConnection and end the initiator's thread), and any exception out of the codec that
//     fromApp's/fromAdmin's exception specification does not list (std::terminate in C++14).
//  2. The same bytes as a FIX log file through FixLogReader (all checks on, then all off).
//
// Byte 0 of the input: bit 0 log on first (the broker's Logon answer), bit 1 normalise frames
// (fuzz_support.hpp), bit 2 FIX.4.2 instead of FIX.4.4, bits 4-7 chunking seed.
#pragma GCC diagnostic ignored "-Wdeprecated"

#include <sys/mman.h>
#include <unistd.h>

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/Message.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Parser.h>
#include <quickfix/Responder.h>
#include <quickfix/Session.h>
#include <quickfix/SessionFactory.h>
#include <quickfix/SessionSettings.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ballast/fix/fix_log.hpp"
#include "ballast/fix/fix_messages.hpp"
#include "common/embedded.hpp"
#include "common/fix_codec.hpp"
#include "common/redacting_log.hpp"
#include "fuzz_support.hpp"

namespace ballast {
namespace fix {
namespace fuzz {
namespace {

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz initiator: %s\n", what.c_str());
  std::abort();
}

struct Stats {
  std::uint64_t inputs = 0, logged_on = 0, app = 0, reports = 0, session_rejects = 0;
  std::uint64_t log_entries = 0;
};
Stats g_stats;

/// The initiator's Application, reduced to what it does with inbound messages.
class App : public FIX::Application {
 public:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { book_.clear(); }
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message& msg,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {
    try {
      const std::string& type = msg.getHeader().getField(35);
      if (type == "A") {
        codec::check_logon(msg);  // as the initiator's fromAdmin does
      } else if (type == "3") {
        SessionReject r;
        codec::parse(msg, r);
        ++g_stats.session_rejects;
      } else if (type == "5") {
        const std::string text = msg.isSetField(58) ? msg.getField(58) : std::string();
        (void)text;
      }
    } catch (const FIX::FieldNotFound&) {
      throw;
    } catch (const FIX::IncorrectDataFormat&) {
      throw;
    } catch (const FIX::IncorrectTagValue&) {
      throw;
    } catch (const FIX::RejectLogon&) {
      throw;
    } catch (const std::exception& e) {
      finding(std::string("fromAdmin: the codec threw an exception fromAdmin's specification does "
                          "not allow (the initiator would std::terminate): ") +
              e.what() + "\nmessage: " + msg.toString());
    }
  }
  void fromApp(const FIX::Message& msg,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override {
    ++g_stats.app;
    try {
      const std::string& type = msg.getHeader().getField(35);
      if (type == "8") {
        ExecutionReport r;
        codec::parse(msg, r);
        ++g_stats.reports;
      } else if (type == "9") {
        CancelReject r;
        codec::parse(msg, r);
      } else if (type == "j") {
        BusinessReject r;
        codec::parse(msg, r);
      } else if (type == "W" || type == "X") {
        std::vector<MarketDataUpdate> updates;
        book_.apply(msg, 0, updates);
      } else if (type == "Y") {
        BusinessReject r;
        codec::parse_md_reject(msg, r);
      } else {
        throw FIX::UnsupportedMessageType();
      }
    } catch (const FIX::FieldNotFound&) {
      throw;
    } catch (const FIX::IncorrectDataFormat&) {
      throw;
    } catch (const FIX::IncorrectTagValue&) {
      throw;
    } catch (const FIX::UnsupportedMessageType&) {
      throw;
    } catch (const std::exception& e) {
      finding(std::string("fromApp: the codec threw an exception fromApp's specification does not "
                          "allow (the initiator would std::terminate): ") +
              e.what() + "\nmessage: " + msg.toString());
    }
  }

 private:
  codec::TopOfBook book_;
};

class Sink : public FIX::Responder {
 public:
  bool send(const std::string& m) override {
    if (m.find("\x01"
               "35=A\x01") != std::string::npos)
      ++logons_sent;
    return true;
  }
  void disconnect() override { disconnected = true; }
  int logons_sent = 0;
  bool disconnected = false;
};

struct Rig {
  std::string dir;
  App app;
  FIX::MemoryStoreFactory stores;
  std::unique_ptr<RedactingFileLogFactory> logs;  // the initiator's session logs (they guard)
  std::unique_ptr<FIX::Session> s44, s42;

  Rig() {
    std::string tmpl = std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") +
                       "/ballast_fuzz_init.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) finding("mkdtemp failed");
    dir = buf.data();
    logs.reset(new RedactingFileLogFactory(dir + "/log"));
    FIX::SessionFactory factory(app, stores, logs.get());
    s44.reset(make(factory, "FIX.4.4"));
    s42.reset(make(factory, "FIX.4.2"));
  }
  ~Rig() {
    s44.reset();
    s42.reset();
    const std::string cmd = "rm -rf '" + dir + "'";
    if (std::system(cmd.c_str()) != 0)
      std::fprintf(stderr, "fuzz: cannot remove %s\n", dir.c_str());
  }
  FIX::Session* make(FIX::SessionFactory& factory, const std::string& begin) {
    std::string dict, error;
    if (!write_inbound_dictionary(begin, "", dir, dict, error)) finding(error);
    FIX::Dictionary d;  // as InitiatorImpl configures a session
    d.setString("ConnectionType", "initiator");
    d.setString("BeginString", begin);
    d.setString("SenderCompID", "BALLAST");
    d.setString("TargetCompID", "BROKERSIM");
    d.setString("HeartBtInt", "30");
    d.setString("StartTime", "00:00:00");
    d.setString("EndTime", "00:00:00");
    d.setString("UseDataDictionary", "Y");
    d.setString("DataDictionary", dict);
    d.setString("ValidateFieldsHaveValues", "N");
    d.setString("AllowUnknownMsgFields", "Y");
    d.setString("ValidateUserDefinedFields", "N");
    d.setString("PersistMessages", "Y");
    d.setString("ResetOnLogon", "N");
    d.setString("ResetOnLogout", "N");
    d.setString("ResetOnDisconnect", "N");
    try {
      return factory.create(FIX::SessionID(begin, "BALLAST", "BROKERSIM"), d);
    } catch (const std::exception& e) {
      finding(std::string("cannot create the session: ") + e.what());
    }
  }
};

Rig& rig() {
  static Rig r;
  return r;
}

/// SocketConnection::readMessage: a MessageParseError is swallowed (the frame is dropped).
bool read_message(FIX::Parser& parser, std::string& msg) {
  try {
    return parser.readFixMessage(msg);
  } catch (const FIX::MessageParseError&) {
  }
  return true;
}

void feed_session(FIX::Session& s, const std::string& stream, std::uint8_t chunk_seed) {
  Sink sink;
  try {
    s.reset();  // a fresh connection: sequence numbers 1/1, store cleared
  } catch (const std::exception& e) {
    finding(std::string("Session::reset threw: ") + e.what());
  }
  s.setResponder(&sink);
  s.logon();
  FIX::Parser parser;
  Chunker chunks(chunk_seed);
  std::size_t pos = 0;
  bool up = true;
  try {
    s.next(FIX::UtcTimeStamp());  // sends our Logon
    while (up && pos < stream.size()) {
      const std::size_t n = std::min(chunks.next(), stream.size() - pos);
      parser.addToStream(stream.data() + pos, n);
      pos += n;
      std::string msg;
      while (up && read_message(parser, msg)) {
        try {
          s.next(msg, FIX::UtcTimeStamp());
        } catch (const FIX::InvalidMessage&) {
          if (!s.isLoggedOn()) up = false;  // SocketConnection drops the connection
        }
        if (s.isLoggedOn()) ++g_stats.logged_on;
        up = up && !sink.disconnected;
      }
    }
    if (up) s.next(FIX::UtcTimeStamp());
  } catch (const std::exception& e) {
    finding(std::string("an exception escaped Session::next (SocketConnection does not catch it; "
                        "the initiator's thread would end): ") +
            e.what());
  }
  s.disconnect();
  s.setResponder(nullptr);
}

void read_as_log(const std::string& bytes) {
  const int fd = ::memfd_create("fuzz_fix_log", 0);
  if (fd < 0) return;
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  for (int strict = 0; strict < 2; ++strict) {
    FixLogOptions o;
    o.our_comp_id = strict != 0 ? "BALLAST" : "";
    o.check_body_length = o.check_checksum = o.check_begin_string = strict != 0;
    o.report_text_lines = strict != 0;
    o.max_lines_per_message = 8;
    o.max_line_bytes = 4096;
    FixLogReader reader;
    std::string error;
    if (!reader.open(path, o, error)) continue;
    FixLogEntry e;
    while (reader.next(e)) {
      ++g_stats.log_entries;
      std::string v;
      fix_log_field(e, 35, v);
      fix_log_field(e, 11, v);
    }
  }
  ::close(fd);
}

}  // namespace
}  // namespace fuzz
}  // namespace fix
}  // namespace ballast

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ballast::fix;
  using namespace ballast::fix::fuzz;
  if (size == 0) return 0;
  Rig& r = rig();
  ++g_stats.inputs;
  const std::uint8_t opt = data[0];
  const bool fix42 = (opt & 4) != 0;
  const std::string begin = fix42 ? "FIX.4.2" : "FIX.4.4";
  const std::string raw(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string stream = raw;
  int seq = 2;
  if ((opt & 2) != 0) stream = normalise_stream(stream, "BROKERSIM", "BALLAST", seq);
  if ((opt & 1) != 0) {
    stream = make_frame(begin, soh("35=A|34=1|49=BROKERSIM|52=" + now_text() +
                                   "|56=BALLAST|98=0|108=30|")) +
             stream;
  }
  FIX::Session& s = fix42 ? *r.s42 : *r.s44;
  feed_session(s, stream, static_cast<std::uint8_t>(opt >> 4));
  if (g_stats.inputs % 1000 == 0) {  // keep the file logs small
    r.s42->getLog()->clear();
    r.s44->getLog()->clear();
  }
  read_as_log(raw);
  return 0;
}

extern "C" const char* ballast_fuzz_report() {
  using ballast::fix::fuzz::g_stats;
  static char text[256];
  std::snprintf(text, sizeof(text),
                "initiator: %llu inputs, %llu frames while logged on, %llu application messages, "
                "%llu execution reports parsed, %llu session rejects parsed, %llu log entries",
                static_cast<unsigned long long>(g_stats.inputs),
                static_cast<unsigned long long>(g_stats.logged_on),
                static_cast<unsigned long long>(g_stats.app),
                static_cast<unsigned long long>(g_stats.reports),
                static_cast<unsigned long long>(g_stats.session_rejects),
                static_cast<unsigned long long>(g_stats.log_entries));
  return text;
}

extern "C" void ballast_fuzz_cleanup() {}
