// One framed message of a FIX log: split into fields, BeginString, MsgType, BodyLength and
// CheckSum checked, header fields read (comp ids, MsgSeqNum, SendingTime, PossDup), then decoded
// (fix_log_decode.cpp) and emitted as a FixLogEntry; errors name the file, line and field.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "ballast/fix/fix_decimal.hpp"
#include "fix_log_internal.hpp"

namespace ballast {
namespace fix {

using namespace fixlog;

void FixLogReader::Impl::emit(FixLogEntry&& e) {
  if (e.kind == FixLogKind::kInvalid) {
    ++stats.invalid;
  } else {
    ++stats.messages;
  }
  if (!e.error.empty()) ++stats.with_error;
  ready.push_back(std::move(e));
}

void FixLogReader::Impl::emit_error(std::uint64_t first, std::uint64_t last,
                                    const std::string& prefix, const std::string& what,
                                    const std::string& text) {
  FixLogEntry e;
  e.line = first;
  e.last_line = last;
  e.kind = FixLogKind::kInvalid;
  e.prefix = trim(prefix);
  e.text = text;
  e.error = where(first) + what;
  const PrefixInfo pi = classify_prefix(prefix);
  set_time_and_direction(e, pi);
  emit(std::move(e));
}

void FixLogReader::Impl::finish(std::string raw) {
  const std::uint64_t first = pending.first_line, last = pending.last_line;
  const std::string prefix = pending.prefix;
  const char delim = pending.delim;
  const PrefixInfo pi = classify_prefix(prefix);
  if (pi.layout == Layout::kBrokerSim) raw = unescape_controls(raw);

  FixLogEntry e;
  e.line = first;
  e.last_line = last;
  e.prefix = trim(prefix);
  std::vector<std::string> problems;
  bool fatal = false;

  // Split into fields; remember where field 3 starts and where 10= starts (byte offsets).
  std::vector<Field> fields;
  std::vector<std::size_t> starts;
  {
    std::size_t i = 0;
    while (i < raw.size()) {
      std::size_t j = raw.find(delim, i);
      if (j == std::string::npos) j = raw.size();
      const std::string f = raw.substr(i, j - i);
      starts.push_back(i);
      const std::size_t eq = f.find('=');
      Field fld;
      if (eq == std::string::npos || eq == 0 || eq > 9 || !all_digits(f.substr(0, eq))) {
        if (!fatal) {
          const bool secret = f.compare(0, 3, "553") == 0 || f.compare(0, 3, "554") == 0;
          problems.push_back("field " + std::to_string(fields.size() + 1) + " '" +
                             (secret ? f.substr(0, 3) + "..." : excerpt(f, 24)) +
                             "' is not <tag>=<value>");
        }
        fatal = true;
        fld.tag = -1;
      } else {
        fld.tag = std::atoi(f.substr(0, eq).c_str());
        fld.value = f.substr(eq + 1);
      }
      fields.push_back(std::move(fld));
      i = j + 1;
    }
  }

  // Redacted text with '|' delimiters.
  for (const Field& f : fields) {
    if (f.tag < 0) {
      e.text += "?|";
      continue;
    }
    e.text += std::to_string(f.tag);
    e.text += '=';
    e.text +=
        (f.tag == 553 || f.tag == 554) ? std::string("***") : excerpt(f.value, f.value.size());
    e.text += '|';
  }

  // BeginString
  const std::string begin = fields.empty() ? std::string() : fields[0].value;
  e.begin_string = begin;
  const Ver ver = version_of(begin, !opt.check_begin_string);
  if (ver == Ver::kUnknown && opt.check_begin_string) {
    problems.push_back("BeginString (8) '" + excerpt(begin, 24) +
                       "' is not FIX.4.0 .. FIX.4.4 or FIXT.1.1");
    fatal = true;
  }

  // MsgType and BodyLength positions
  int i35 = -1, i9 = -1;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (fields[k].tag == 35 && i35 < 0) i35 = static_cast<int>(k);
    if (fields[k].tag == 9 && i9 < 0) i9 = static_cast<int>(k);
  }
  const std::size_t i10 = fields.size() - 1;  // framing ends every message with 10=
  if (i35 < 0) {
    problems.push_back("no MsgType (35): expected 35=<type> as the third field");
    fatal = true;
  } else {
    e.msg_type = fields[static_cast<std::size_t>(i35)].value;
    const int expected = i9 == 1 ? 2 : 1;
    if (i35 != 2 && (opt.check_body_length || i35 != expected)) {
      problems.push_back("MsgType (35) is field " + std::to_string(i35 + 1) +
                         ": expected it third, after BeginString (8) and BodyLength (9)");
      fatal = true;
    }
  }
  // Ballast's own logs (and others) write Username/Password as "***" without fixing
  // BodyLength and CheckSum: such a message cannot be checked, only read.
  bool redacted = false;
  for (const Field& f : fields) {
    if ((f.tag == 553 || f.tag == 554) && f.value == "***") redacted = true;
  }
  if (opt.check_body_length && i9 != 1) {
    problems.push_back("BodyLength (9) is not the second field: expected 8=..., 9=<length>");
    fatal = true;
  }
  if (opt.check_body_length && !redacted && i9 == 1) {
    if (!all_digits(fields[1].value) || fields[1].value.size() > 9) {
      problems.push_back("BodyLength (9) '" + excerpt(fields[1].value) +
                         "' is not a number of bytes");
      fatal = true;
    } else if (fields.size() >= 3) {
      const std::size_t declared = std::strtoull(fields[1].value.c_str(), nullptr, 10);
      const std::size_t actual = starts[i10] - starts[2];
      if (declared != actual) {
        problems.push_back("BodyLength (9) is " + std::to_string(declared) +
                           " but the body (from " +
                           "the field after 9 up to the delimiter before 10) is " +
                           std::to_string(actual) + " bytes");
        fatal = true;
      }
    }
  }
  if (opt.check_checksum && !redacted) {
    const std::string& cs = fields[i10].value;
    unsigned sum = 0;
    for (std::size_t k = 0; k < starts[i10]; ++k) {
      const char c = raw[k] == delim ? kSoh : raw[k];
      sum += static_cast<unsigned char>(c);
    }
    sum %= 256;
    char want[4];
    std::snprintf(want, sizeof(want), "%03u", sum);
    if (cs.size() != 3 || !all_digits(cs)) {
      problems.push_back("CheckSum (10) '" + excerpt(cs, 8) + "' is not three digits: expected " +
                         want);
      fatal = true;
    } else if (cs != want) {
      problems.push_back("CheckSum (10) is " + cs + ", expected " + want +
                         " (the byte sum up to the delimiter before 10, mod 256)");
      fatal = true;
    }
  }

  // Header fields (first occurrence)
  std::string sending;
  bool have_sending = false;
  {
    bool s49 = false, s56 = false, s34 = false;
    for (const Field& f : fields) {
      if (f.tag == 49 && !s49) {
        e.sender_comp_id = f.value;
        s49 = true;
      } else if (f.tag == 56 && !s56) {
        e.target_comp_id = f.value;
        s56 = true;
      } else if (f.tag == 34 && !s34) {
        s34 = true;
        if (all_digits(f.value) && f.value.size() <= 19) {
          e.msg_seq_num = std::strtoull(f.value.c_str(), nullptr, 10);
        } else if (!fatal) {
          problems.push_back("MsgSeqNum (34) '" + excerpt(f.value) + "' is not a number");
        }
      } else if (f.tag == 52 && !have_sending) {
        have_sending = true;
        sending = f.value;
      } else if ((f.tag == 43 || f.tag == 97) && f.value == "Y") {
        e.poss_dup = true;
      }
    }
    if (have_sending && !parse_utc_timestamp(sending.data(), sending.size(), e.sending_time_ns) &&
        !fatal) {
      problems.push_back("SendingTime (52) '" + excerpt(sending) +
                         "' is not a UTCTimestamp (YYYYMMDD-HH:MM:SS[.fff])");
    }
  }

  set_time_and_direction(e, pi);

  if (fatal) {
    e.kind = FixLogKind::kInvalid;
    e.error = where(first) + join(problems);
    emit(std::move(e));
    return;
  }

  // Session
  e.session = session_of(e, pi);
  e.session_id = sessions[e.session];

  e.kind = kind_of(e.msg_type);
  if (e.msg_type == "A") books.erase(e.session);  // as the initiator: snapshots rebuild it
  if (e.kind != FixLogKind::kSession && e.kind != FixLogKind::kOther) {
    // fields 8, 9, 10 are framing; the rest go to the decoder
    std::vector<Field> body;
    for (std::size_t k = 0; k < fields.size(); ++k) {
      if (k == 0 || k == i10 || (static_cast<int>(k) == i9)) continue;
      body.push_back(fields[k]);
    }
    decode(e, ver, body, problems);
  }
  if (!problems.empty()) e.error = where(first) + join(problems);
  emit(std::move(e));
}

}  // namespace fix
}  // namespace ballast
