#include "ballast/kernel/start_guard.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <ostream>

#include "ballast/execution/order_id.hpp"
#include "ballast/fix/fix_log.hpp"
#include "ballast/journal/journal_reader.hpp"

namespace ballast::kernel {

namespace fs = std::filesystem;

Result<JournalInventory> inventory_journal(const std::string& dir) {
  JournalInventory inv;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return inv;
  JournalReader r = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = true});
  if (!r.ok() && r.problem()->kind == JournalProblemKind::kNoSegments) return inv;
  inv.exists = true;
  std::map<std::uint32_t, FixSeqCheckpoint> cps;
  JournalRecord rec;
  auto note_id = [&](OrderId id) {
    if (!id.valid()) return;
    inv.order_ids.insert(id.value);
    inv.max_run_epoch = std::max(inv.max_run_epoch, run_epoch_of(id));
  };
  while (r.next(rec)) {
    ++inv.records;
    if (rec.kind == RecordKind::kSessionStart) {
      inv.last_epoch = std::get<SessionStart>(rec.body).epoch;
    } else if (rec.kind == RecordKind::kFixSeqCheckpoint) {
      const auto& c = std::get<FixSeqCheckpoint>(rec.body);
      cps[c.session_index] = c;
    } else if (rec.kind == RecordKind::kIntent) {
      const Event& e = *rec.event();
      if (const auto* s = std::get_if<SubmitOrder>(&e)) note_id(s->order);
      if (const auto* c = std::get_if<CancelOrder>(&e)) note_id(c->order);
      if (const auto* x = std::get_if<ReplaceOrder>(&e)) note_id(x->order);
    }
  }
  if (!r.ok()) return Error(r.problem()->message());
  inv.torn_tail = r.torn_tail().has_value();
  for (const auto& [k, c] : cps) inv.fix_checkpoints.push_back(c);
  return inv;
}

std::string fix_store_body_path(const std::string& store_dir, const std::string& begin_string,
                                const std::string& sender, const std::string& target) {
  return (fs::path(store_dir.empty() ? "." : store_dir) /
          (begin_string + "-" + sender + "-" + target + ".body"))
      .string();
}

Result<FixStoreScan> scan_fix_store(const std::string& body_path) {
  FixStoreScan out;
  out.body_path = body_path;
  std::error_code ec;
  if (!fs::exists(body_path, ec)) return out;
  std::ifstream in(body_path, std::ios::binary);
  if (!in) return Error(body_path + ": cannot open: " + std::strerror(errno));
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error(body_path + ": read error");
  out.exists = true;
  // The body is the sent messages back to back: fields "tag=value\x01"; tag 8 starts a message.
  char type = 0;
  std::string cl, sending;
  auto flush = [&] {
    if ((type == 'D' || type == 'F' || type == 'G') && !cl.empty()) {
      out.orders.push_back(StoredOrder{type, cl, sending});
    }
    type = 0;
    cl.clear();
    sending.clear();
  };
  std::size_t p = 0;
  while (p < data.size()) {
    std::size_t soh = data.find('\x01', p);
    if (soh == std::string::npos) soh = data.size();
    const std::string_view field(data.data() + p, soh - p);
    p = soh + 1;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view tag = field.substr(0, eq);
    const std::string_view val = field.substr(eq + 1);
    if (tag == "8") {
      flush();
    } else if (tag == "35") {
      type = val.size() == 1 ? val[0] : '?';
    } else if (tag == "52") {
      sending.assign(val);
    } else if (tag == "11" || tag == "41") {
      if (tag == "11") cl.assign(val);
      if (const auto id = parse_cl_ord_id(val)) {
        out.max_run_epoch = std::max(out.max_run_epoch, run_epoch_of(*id));
      }
    }
  }
  flush();
  return out;
}

namespace {

/// "YYYYMMDD" of a wall time (UTC), as FIX SendingTime (52) starts.
std::string utc_date(Timestamp t) {
  const std::time_t s = static_cast<std::time_t>(t.ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

}  // namespace

Status check_store_orders_journaled(const JournalInventory& journal, const std::string& journal_dir,
                                    const FixStoreScan& st, const std::string& since_date) {
  std::size_t missing = 0;
  const StoredOrder* first = nullptr;
  for (const StoredOrder& o : st.orders) {
    if (!since_date.empty() &&
        (o.sending_time.size() < 8 || o.sending_time.compare(0, 8, since_date) < 0)) {
      continue;
    }
    const auto id = parse_cl_ord_id(o.cl_ord_id);
    if (!id) continue;  // not a ClOrdID this engine writes
    if (journal.order_ids.count(id->value) != 0) continue;
    ++missing;
    if (first == nullptr) first = &o;
  }
  if (missing == 0) return Ok{};
  const std::string jstate =
      !journal.exists ? "has no segments (a new or emptied journal directory)"
                      : "holds " + std::to_string(journal.records) + " record(s), last epoch " +
                            std::to_string(journal.last_epoch);
  return Error(
      "the FIX store " + st.body_path + " is ahead of the journal " + journal_dir + ": it holds " +
      std::to_string(missing) + " order message(s) sent" + (since_date.empty() ? "" : " today") +
      " that the journal does not record (first: 35=" + std::string(1, first->msg_type) +
      " 11=" + first->cl_ord_id + " sent " + first->sending_time + "); the journal " + jstate +
      ". Every order is journaled before it is sent, so the journal lost records "
      "(truncated, deleted or replaced) and this engine would not know orders the "
      "broker may still be working");
}

Result<std::uint32_t> choose_run_epoch(const RunEpochInputs& in) {
  // 1. A FIX store ahead of the journal: order messages sent today that the journal lacks.
  if (in.journal != nullptr) {
    const std::string today = utc_date(in.wall_now);
    for (const FixStoreScan& st : in.stores) {
      if (auto ok = check_store_orders_journaled(*in.journal, in.journal_dir, st, today); !ok) {
        return Error(
            "refusing to trade: " + ok.error().message +
            ". Restore the journal directory this store was written with (nothing was written "
            "to it now); if it is lost for good, settle every order of today's session with the "
            "broker first, then start with a new journal and a new FIX store agreed with the "
            "broker (a sequence reset).");
      }
    }
  }
  // 2. The epoch: above everything recorded, and not below the wall clock's floor.
  std::uint64_t floor = wall_clock_run_epoch(in.wall_now);
  std::string why = "the wall clock";
  auto raise = [&](std::uint64_t v, const std::string& what) {
    if (v > floor) {
      floor = v;
      why = what;
    }
  };
  if (in.journal != nullptr) {
    raise(in.journal->last_epoch + 1, "the journal's last epoch + 1");
    raise(static_cast<std::uint64_t>(in.journal->max_run_epoch) + 1,
          "the journal's highest ClOrdID epoch + 1");
  }
  for (const FixStoreScan& st : in.stores) {
    raise(static_cast<std::uint64_t>(st.max_run_epoch) + 1,
          "the highest ClOrdID epoch in " + st.body_path + " + 1");
  }
  if (floor > kMaxRunEpoch) {
    return Error("refusing to trade: the next run epoch would be " + std::to_string(floor) + " (" +
                 why + "), above the largest, " + std::to_string(kMaxRunEpoch));
  }
  if (in.requested != 0) {
    if (in.requested < floor) {
      return Error("the run epoch " + std::to_string(in.requested) +
                   " was given, but ClOrdIDs would not be unique below " + std::to_string(floor) +
                   " (" + why + "): leave the epoch out, or give one at least that");
    }
    if (in.requested > kMaxRunEpoch) {
      return Error("the run epoch must be in 1.." + std::to_string(kMaxRunEpoch) + ", got " +
                   std::to_string(in.requested));
    }
    return in.requested;
  }
  return static_cast<std::uint32_t>(floor);
}

int verify_fix_stores(const std::string& journal_dir, const std::vector<std::string>& stores,
                      std::ostream& out, std::ostream& err) {
  auto inv = inventory_journal(journal_dir);
  if (!inv) {
    err << "journal " << journal_dir << ": DAMAGED\n" << inv.error().message << "\n";
    return 1;
  }
  std::vector<std::string> bodies;
  for (const std::string& p : stores) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p, ec)) {
        if (e.path().extension() == ".body") bodies.push_back(e.path().string());
      }
      if (bodies.empty()) {
        err << "fix store " << p << ": no QuickFIX .body file in the directory\n";
        return 1;
      }
    } else {
      bodies.push_back(p);
    }
  }
  for (const std::string& b : bodies) {
    auto st = scan_fix_store(b);
    if (!st) {
      err << "fix store " << b << ": " << st.error().message << "\n";
      return 1;
    }
    if (!st.value().exists) {
      err << "fix store " << b << ": no such file\n";
      return 1;
    }
    if (auto ok = check_store_orders_journaled(inv.value(), journal_dir, st.value(), ""); !ok) {
      err << "journal " << journal_dir << ": DAMAGED (fix store ahead)\n"
          << ok.error().message << "\n";
      return 1;
    }
    out << "fix store " << b << ": " << st.value().orders.size()
        << " order message(s), every Ballast ClOrdID among them is in the journal\n";
  }
  return 0;
}

std::optional<std::uint32_t> first_order_epoch_in_fix_log(const std::string& path,
                                                          const std::string& our_comp_id) {
  fix::FixLogOptions lo;
  lo.our_comp_id = our_comp_id;
  fix::FixLogReader reader;
  std::string error;
  if (!reader.open(path, lo, error)) return std::nullopt;
  fix::FixLogEntry en;
  while (reader.next(en)) {
    if (en.direction != fix::FixLogDirection::kSent || en.kind != fix::FixLogKind::kNewOrder) {
      continue;
    }
    const auto id = parse_cl_ord_id(en.new_order.cl_ord_id);
    if (!id) return std::nullopt;
    return run_epoch_of(*id);
  }
  return std::nullopt;
}

}  // namespace ballast::kernel
