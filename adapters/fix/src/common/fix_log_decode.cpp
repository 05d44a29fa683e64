// Decoding a FIX log's messages into Ballast's structures: the required top-level fields per
// version and MsgType, then the live initiator's own codec (common/fix_codec.hpp: codec::parse
// for 8/9/j/3/Y and D/F/G/H, codec::TopOfBook for W/X). A bad value is reported and dropped, and
// the rest decoded again.
#include <quickfix/Exceptions.h>
#include <quickfix/Group.h>
#include <quickfix/Message.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ballast/fix/fix_decimal.hpp"
#include "fix_log_internal.hpp"

namespace ballast {
namespace fix {
namespace fixlog {

// Required top-level fields per version and MsgType, from the FIX40..FIX44 and FIX50 (for
// FIXT.1.1) QuickFIX dictionaries in ../shared/data/fix/dictionaries_quickfix (components and
// groups marked required included; fields inside groups: see kEntryRequired below).
struct Required {
  Ver ver;
  const char* type;
  std::vector<int> tags;
};
const std::vector<Required>& required_table() {
  static const std::vector<Required> t = {
      {Ver::k40, "3", {45}},
      {Ver::k40, "8", {37, 17, 20, 39, 55, 54, 38, 32, 31, 14, 6}},
      {Ver::k40, "9", {37, 11}},
      {Ver::k40, "D", {11, 21, 55, 54, 38, 40}},
      {Ver::k40, "F", {41, 11, 125, 55, 54, 38}},
      {Ver::k40, "G", {41, 11, 21, 55, 54, 38, 40}},
      {Ver::k40, "H", {11, 55, 54}},
      {Ver::k41, "3", {45}},
      {Ver::k41, "8", {37, 17, 20, 150, 39, 55, 54, 38, 32, 31, 151, 14, 6}},
      {Ver::k41, "9", {37, 11, 41, 39}},
      {Ver::k41, "D", {11, 21, 55, 54, 40}},
      {Ver::k41, "F", {41, 11, 55, 54}},
      {Ver::k41, "G", {41, 11, 21, 55, 54, 40}},
      {Ver::k41, "H", {11, 55, 54}},
      {Ver::k42, "3", {45}},
      {Ver::k42, "8", {37, 17, 20, 150, 39, 55, 54, 151, 14, 6}},
      {Ver::k42, "9", {37, 11, 41, 39, 434}},
      {Ver::k42, "D", {11, 21, 55, 54, 60, 40}},
      {Ver::k42, "F", {41, 11, 55, 54, 60}},
      {Ver::k42, "G", {41, 11, 21, 55, 54, 60, 40}},
      {Ver::k42, "H", {11, 55, 54}},
      {Ver::k42, "W", {55, 268}},
      {Ver::k42, "X", {268}},
      {Ver::k42, "j", {372, 380}},
      {Ver::k43, "3", {45}},
      {Ver::k43, "8", {37, 17, 150, 39, 54, 151, 14, 6}},
      {Ver::k43, "9", {37, 11, 41, 39, 434}},
      {Ver::k43, "D", {11, 21, 54, 60, 40}},
      {Ver::k43, "F", {41, 11, 54, 60}},
      {Ver::k43, "G", {41, 11, 21, 54, 60, 40}},
      {Ver::k43, "H", {11, 54}},
      {Ver::k43, "W", {268}},
      {Ver::k43, "X", {268}},
      {Ver::k43, "j", {372, 380}},
      {Ver::k44, "3", {45}},
      {Ver::k44, "8", {37, 17, 150, 39, 54, 151, 14, 6}},
      {Ver::k44, "9", {37, 11, 41, 39, 434}},
      {Ver::k44, "D", {11, 54, 60, 40}},
      {Ver::k44, "F", {41, 11, 54, 60}},
      {Ver::k44, "G", {41, 11, 54, 60, 40}},
      {Ver::k44, "H", {11, 54}},
      {Ver::k44, "W", {268}},
      {Ver::k44, "X", {268}},
      {Ver::k44, "j", {372, 380}},
      {Ver::kT11, "3", {45}},
      {Ver::kT11, "8", {37, 17, 150, 39, 54, 151, 14}},
      {Ver::kT11, "9", {37, 11, 41, 39, 434}},
      {Ver::kT11, "D", {11, 54, 60, 40}},
      {Ver::kT11, "F", {41, 11, 54, 60}},
      {Ver::kT11, "G", {41, 11, 54, 60, 40}},
      {Ver::kT11, "H", {11, 54}},
      {Ver::kT11, "W", {268}},
      {Ver::kT11, "X", {268}},
      {Ver::kT11, "j", {372, 380}},
  };
  return t;
}

const std::vector<int>* required_for(Ver v, const std::string& type) {
  for (const Required& r : required_table()) {
    if (r.ver == v && type == r.type) return &r.tags;
  }
  return nullptr;
}

bool is_session_type(const std::string& t) {
  return t == "A" || t == "0" || t == "1" || t == "2" || t == "4" || t == "5";
}

FixLogKind kind_of(const std::string& t) {
  if (is_session_type(t)) return FixLogKind::kSession;
  if (t == "8") return FixLogKind::kExecutionReport;
  if (t == "9") return FixLogKind::kCancelReject;
  if (t == "j" || t == "Y") return FixLogKind::kBusinessReject;
  if (t == "3") return FixLogKind::kSessionReject;
  if (t == "W" || t == "X") return FixLogKind::kMarketData;
  if (t == "D") return FixLogKind::kNewOrder;
  if (t == "F") return FixLogKind::kCancelRequest;
  if (t == "G") return FixLogKind::kReplaceRequest;
  if (t == "H") return FixLogKind::kStatusRequest;
  return FixLogKind::kOther;
}

}  // namespace fixlog

using namespace fixlog;

void FixLogReader::Impl::build(const std::vector<Field>& body, bool group, FIX::Message& m) {
  m.clear();
  bool in_group = false;
  int delim = 0;
  std::unique_ptr<FIX::Group> g;
  for (const Field& f : body) {
    if (in_group) {
      if (delim == 0) delim = f.tag;
      if (f.tag == delim) {
        if (g) m.addGroup(*g);
        g.reset(new FIX::Group(268, delim));
      }
      if (!g->isSetField(f.tag)) g->setField(f.tag, f.value);
      continue;
    }
    if (group && f.tag == 268) {
      in_group = true;
      continue;
    }
    if (FIX::Message::isHeaderField(f.tag)) {
      if (!m.getHeader().isSetField(f.tag)) m.getHeader().setField(f.tag, f.value);
    } else if (!m.isSetField(f.tag)) {
      m.setField(f.tag, f.value);
    }
  }
  if (g) m.addGroup(*g);
}

void FixLogReader::Impl::decode(FixLogEntry& e, Ver ver, std::vector<Field> body,
                                std::vector<std::string>& problems) {
  const std::string& type = e.msg_type;
  const std::string name = msg_name(type);
  const bool md = type == "W" || type == "X";

  // Required fields of this version (top level).
  if (const std::vector<int>* req = required_for(ver, type)) {
    std::vector<std::string> missing;
    for (const int t : *req) {
      bool have = false;
      for (const Field& f : body) {
        if (f.tag == t) {
          have = true;
          break;
        }
      }
      if (!have) missing.push_back(tag_label(t));
    }
    if (!missing.empty()) {
      std::string list;
      for (const std::string& s : missing) list += (list.empty() ? "" : ", ") + s;
      problems.push_back(name + " lacks required field" + (missing.size() > 1 ? "s " : " ") + list +
                         " (" + e.begin_string + ")");
    }
  }

  // W without Symbol: Ballast needs one to use the quote; decode it with an empty symbol, in a
  // scratch book (an update nobody can attribute must not touch the session's book).
  bool scratch = false;
  if (type == "W") {
    bool has55 = false;
    for (const Field& f : body) has55 = has55 || f.tag == 55;
    if (!has55) {
      scratch = true;
      std::string sec;
      for (const Field& f : body) {
        if (f.tag == 48) {
          sec = f.value;
          break;
        }
      }
      if (ver != Ver::k42) {  // 4.2's table already named it
        problems.push_back(name + " has no Symbol (55), which Ballast needs" +
                           (sec.empty() ? std::string() : "; SecurityID (48) is " + excerpt(sec)));
      } else if (!sec.empty()) {
        problems.push_back("SecurityID (48) is " + excerpt(sec));
      }
      problems.push_back("decoded with an empty symbol");
      Field f;
      f.tag = 55;
      f.value = "\x01";  // placeholder, cleared below
      body.insert(body.begin(), f);
    }
  }
  if (md) check_md_entries(type, body, problems);

  // Decode; a bad value (named by the decoder's exception) is reported and dropped, and the
  // rest is decoded again (a few rounds at most).
  for (int round = 0; round < 8; ++round) {
    FIX::Message m;
    build(body, md, m);
    int bad_tag = 0;
    std::string what;
    try {
      decode_message(e, m, scratch);
      if (type == "8") {
        // The codec never refuses a report for a field's format: name what it could not read
        // (the live engine books none of such a report) and what it rounded.
        const ExecutionReport& r = e.execution_report;
        if (r.bad_tag != 0) {
          std::string value;
          for (const Field& f : body) {
            if (f.tag == r.bad_tag) {
              value = f.value;
              break;
            }
          }
          problems.push_back(tag_label(r.bad_tag) + " '" + excerpt(value) + "': expected " +
                             expected_format(r.bad_tag) + "; the report cannot be booked");
        } else if (r.rounded != 0) {
          problems.push_back(std::string("ExecutionReport: ") + r.problem);
        }
      }
      return;
    } catch (const FIX::IncorrectDataFormat& x) {
      bad_tag = x.field;
      what = "expected " + expected_format(x.field);
    } catch (const FIX::IncorrectTagValue& x) {
      bad_tag = x.field;
      what = "too long for Ballast's field";
    } catch (const FIX::RequiredTagMissing& x) {
      problems.push_back(name + " lacks " + tag_label(x.field) + "; not decoded");
      return;
    } catch (const FIX::FieldNotFound& x) {
      problems.push_back(name + " lacks " + tag_label(x.field) + "; not decoded");
      return;
    } catch (const std::exception& x) {
      problems.push_back(name + " could not be decoded: " + excerpt(x.what(), 120));
      return;
    }
    // drop the first top-level occurrence of the bad tag
    bool dropped = false;
    for (std::size_t k = 0; k < body.size(); ++k) {
      if (body[k].tag == 268 && md) break;
      if (body[k].tag == bad_tag) {
        problems.push_back(tag_label(bad_tag) + " '" + excerpt(body[k].value) + "': " + what +
                           "; ignored");
        body.erase(body.begin() + static_cast<std::ptrdiff_t>(k));
        dropped = true;
        break;
      }
    }
    if (!dropped) {
      problems.push_back(tag_label(bad_tag) + ": " + what + "; not decoded");
      reset_decoded(e);
      return;
    }
  }
  problems.push_back(name + ": too many bad fields; not decoded");
  reset_decoded(e);
}

void FixLogReader::Impl::reset_decoded(FixLogEntry& e) {
  e.execution_report = ExecutionReport{};
  e.cancel_reject = CancelReject{};
  e.business_reject = BusinessReject{};
  e.session_reject = SessionReject{};
  e.market_data.clear();
  e.new_order = NewOrder{};
  e.cancel_request = CancelRequest{};
  e.replace_request = ReplaceRequest{};
  e.status_request = StatusRequest{};
}

void FixLogReader::Impl::check_md_entries(const std::string& type, std::vector<Field>& body,
                                          std::vector<std::string>& problems) {
  std::size_t g = 0;
  while (g < body.size() && body[g].tag != 268) ++g;
  if (g == body.size()) return;
  std::string sending_date;
  for (const Field& f : body) {
    if (f.tag == 52 && f.value.size() >= 8) {
      sending_date = f.value.substr(0, 8);
      break;
    }
  }
  const std::size_t first = g + 1;
  const int delim = first < body.size() ? body[first].tag : 0;
  {
    std::size_t n = 0;
    for (std::size_t k = first; k < body.size(); ++k) n += body[k].tag == delim ? 1 : 0;
    if (body[g].value != std::to_string(n)) {
      problems.push_back("NoMDEntries (268) is " + excerpt(body[g].value) +
                         " but the message has " + std::to_string(n) + " entries");
    }
  }
  if (first >= body.size()) return;
  std::vector<Field> out(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(first));
  std::string symbol;  // X: an entry without Symbol takes the previous entry's
  std::size_t k = first;
  int index = 0;
  while (k < body.size()) {
    std::size_t end = k + 1;
    while (end < body.size() && body[end].tag != delim) ++end;
    ++index;
    std::map<int, std::string> v;
    for (std::size_t j = k; j < end; ++j) v.insert(std::make_pair(body[j].tag, body[j].value));
    std::string bad;
    auto is_char = [&](int tag) {
      auto it = v.find(tag);
      if (it != v.end() && it->second.size() != 1 && bad.empty())
        bad = tag_label(tag) + " '" + excerpt(it->second) + "': expected " + expected_format(tag);
    };
    auto is_dec = [&](int tag, int decimals) {
      auto it = v.find(tag);
      std::int64_t raw = 0;
      if (it != v.end() && !parse_decimal(it->second, decimals, raw) && bad.empty())
        bad = tag_label(tag) + " '" + excerpt(it->second) + "': expected " + expected_format(tag);
    };
    is_char(269);
    if (type == "X") is_char(279);
    is_dec(270, kPriceDecimals);
    is_dec(271, kQtyDecimals);
    {
      const auto d = v.find(272), t = v.find(273);
      const std::string date = d != v.end() ? d->second : sending_date;
      std::string text;
      if (t != v.end() && !date.empty()) {
        text = date + "-" + t->second;
      } else if (d != v.end()) {
        text = date + "-00:00:00";
      }
      std::int64_t ns = 0;
      if (!text.empty() && !parse_utc_timestamp(text.data(), text.size(), ns) && bad.empty())
        bad = (t != v.end() ? tag_label(273) + " '" + excerpt(t->second) + "'"
                            : tag_label(272) + " '" + excerpt(d->second) + "'") +
              ": expected " + (t != v.end() ? expected_format(273) : expected_format(272));
    }
    if (type == "X") {
      auto s = v.find(55);
      if (s != v.end()) {
        char check[sizeof(MarketDataUpdate{}.symbol)];
        if (!set_text(check, s->second) && bad.empty()) {
          bad = tag_label(55) + " '" + excerpt(s->second) + "': too long for Ballast's field";
        } else {
          symbol = s->second;
        }
      }
      if (symbol.empty() && bad.empty()) bad = "no Symbol (55) in this or an earlier entry";
    }
    if (bad.empty()) {
      for (std::size_t j = k; j < end; ++j) out.push_back(body[j]);
    } else {
      problems.push_back("NoMDEntries (268) entry " + std::to_string(index) + ": " + bad +
                         "; entry ignored");
    }
    k = end;
  }
  body.swap(out);
}

void FixLogReader::Impl::decode_message(FixLogEntry& e, const FIX::Message& m, bool scratch) {
  const std::string& t = e.msg_type;
  const std::uint16_t s = e.session;
  if (t == "8") {
    codec::parse(m, e.execution_report);
    e.execution_report.session = s;
  } else if (t == "9") {
    codec::parse(m, e.cancel_reject);
    e.cancel_reject.session = s;
  } else if (t == "j") {
    codec::parse(m, e.business_reject);
    e.business_reject.session = s;
  } else if (t == "Y") {
    codec::parse_md_reject(m, e.business_reject);
    e.business_reject.session = s;
  } else if (t == "3") {
    codec::parse(m, e.session_reject);
    e.session_reject.session = s;
    // the rejected message was sent by this Reject's target
    auto it = sent_ids.find(std::make_pair(s, e.target_comp_id));
    if (it != sent_ids.end() && e.session_reject.ref_seq_num != 0) {
      auto jt = it->second.find(e.session_reject.ref_seq_num);
      if (jt != it->second.end()) set_text(e.session_reject.cl_ord_id, jt->second);
    }
  } else if (t == "W" || t == "X") {
    std::vector<MarketDataUpdate> out;
    if (scratch) {
      codec::TopOfBook book;
      book.apply(m, s, out);
      for (MarketDataUpdate& u : out) u.symbol[0] = '\0';
    } else {
      books[s].apply(m, s, out);
    }
    e.market_data.swap(out);
  } else if (t == "D") {
    codec::parse(m, e.new_order);
    e.new_order.session = s;
    remember(e, e.new_order.cl_ord_id);
  } else if (t == "F") {
    codec::parse(m, e.cancel_request);
    e.cancel_request.session = s;
    remember(e, e.cancel_request.cl_ord_id);
  } else if (t == "G") {
    codec::parse(m, e.replace_request);
    e.replace_request.session = s;
    remember(e, e.replace_request.cl_ord_id);
  } else if (t == "H") {
    codec::parse(m, e.status_request);
    e.status_request.session = s;
    remember(e, e.status_request.cl_ord_id);
  }
}

void FixLogReader::Impl::remember(const FixLogEntry& e, const char* cl_ord_id) {
  if (e.msg_seq_num == 0 || cl_ord_id[0] == '\0') return;
  sent_ids[std::make_pair(e.session, e.sender_comp_id)][e.msg_seq_num] = cl_ord_id;
}

}  // namespace fix
}  // namespace ballast
