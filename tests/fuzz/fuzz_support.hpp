// Shared by the FIX fuzz targets (tests/fuzz/*_fuzz.cpp). C++14 (QuickFIX headers in the
// targets). See docs/fix_interop.md ("Fuzzing").
//
// Input format of every target: byte 0 holds options (which ones, per target), the rest is the
// byte stream a peer sends. With the "normalise" option, each complete frame in the stream whose
// BodyLength and CheckSum are right gets the session's CompIDs, the next MsgSeqNum and a current
// SendingTime (length and sum recomputed), so mutated messages get past the session layer to the
// application code; frames that are not right pass unchanged.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ballast/fix/fix_decimal.hpp"

namespace ballast {
namespace fix {
namespace fuzz {

inline std::string now_text() {
  const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  return format_utc_timestamp_ms(ns);
}

inline unsigned checksum(const char* p, std::size_t n) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += static_cast<unsigned char>(p[i]);
  return sum % 256u;
}

/// "8=<begin>|9=<len>|" + body + "10=<sum>|", body given with SOH delimiters.
inline std::string make_frame(const std::string& begin, const std::string& body) {
  std::string m = "8=" + begin + '\x01' + "9=" + std::to_string(body.size()) + '\x01' + body;
  char cs[8];
  std::snprintf(cs, sizeof(cs), "%03u", checksum(m.data(), m.size()));
  return m + "10=" + cs + '\x01';
}

/// `s` with '|' as SOH.
inline std::string soh(std::string s) {
  for (char& c : s)
    if (c == '|') c = '\x01';
  return s;
}

/// Splits a frame "8=..|9=..|<body>10=xxx|" into begin string and body when BodyLength and
/// CheckSum are right; false otherwise.
inline bool split_valid_frame(const std::string& f, std::string& begin, std::string& body) {
  if (f.compare(0, 2, "8=") != 0) return false;
  const std::size_t b_end = f.find('\x01');
  if (b_end == std::string::npos || f.compare(b_end + 1, 2, "9=") != 0) return false;
  const std::size_t l_end = f.find('\x01', b_end + 1);
  if (l_end == std::string::npos) return false;
  const std::string len_text = f.substr(b_end + 3, l_end - b_end - 3);
  if (len_text.empty() || len_text.size() > 6 ||
      len_text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  const std::size_t len = static_cast<std::size_t>(std::atoi(len_text.c_str()));
  const std::size_t trailer = l_end + 1 + len;
  if (trailer + 7 != f.size() || f.compare(trailer, 3, "10=") != 0 || f.back() != '\x01')
    return false;
  char cs[8];
  std::snprintf(cs, sizeof(cs), "%03u", checksum(f.data(), trailer));
  if (f.compare(trailer + 3, 3, cs) != 0) return false;
  begin = f.substr(2, b_end - 2);
  body = f.substr(l_end + 1, len);
  return true;
}

/// The body with the first 49/56/34/52 values replaced (fields without '=' kept as they are).
inline std::string rewrite_header(const std::string& body, const std::string& sender,
                                  const std::string& target, int seq, const std::string& time) {
  std::string out;
  bool done49 = false, done56 = false, done34 = false, done52 = false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\x01', pos);
    if (end == std::string::npos) end = body.size();
    const std::string field = body.substr(pos, end - pos);
    const std::size_t eq = field.find('=');
    const std::string tag = eq == std::string::npos ? std::string() : field.substr(0, eq);
    if (tag == "49" && !done49) {
      out += "49=" + sender;
      done49 = true;
    } else if (tag == "56" && !done56) {
      out += "56=" + target;
      done56 = true;
    } else if (tag == "34" && !done34) {
      out += "34=" + std::to_string(seq);
      done34 = true;
    } else if (tag == "52" && !done52) {
      out += "52=" + time;
      done52 = true;
    } else {
      out += field;
    }
    if (end < body.size()) out += '\x01';
    pos = end + 1;
  }
  return out;
}

/// The stream with every valid frame (cut at each "8=" that starts the input or follows SOH)
/// given our session's header; `seq` is the next MsgSeqNum to give (advanced per frame).
inline std::string normalise_stream(const std::string& in, const std::string& sender,
                                    const std::string& target, int& seq) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i + 1 < in.size(); ++i) {
    if (in[i] == '8' && in[i + 1] == '=' && (i == 0 || in[i - 1] == '\x01')) starts.push_back(i);
  }
  if (starts.empty()) return in;
  const std::string time = now_text();
  std::string out = in.substr(0, starts.front());
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::size_t end = k + 1 < starts.size() ? starts[k + 1] : in.size();
    const std::string f = in.substr(starts[k], end - starts[k]);
    std::string begin, body;
    if (split_valid_frame(f, begin, body)) {
      out += make_frame(begin, rewrite_header(body, sender, target, seq++, time));
    } else {
      out += f;
    }
  }
  return out;
}

/// Chunk sizes for feeding a stream: from `seed`, 1..4096 bytes, so frames arrive split at
/// random points as from a socket.
class Chunker {
 public:
  explicit Chunker(std::uint32_t seed) : s_((seed * 2654435761u) | 1u) {}
  std::size_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    switch (s_ % 4) {
      case 0:
        return 1 + s_ % 7;
      case 1:
        return 1 + s_ % 97;
      case 2:
        return 1 + s_ % 4096;
      default:
        return 1 << 20;  // everything at once
    }
  }

 private:
  std::uint32_t s_;
};

}  // namespace fuzz
}  // namespace fix
}  // namespace ballast
