#include "replay_command.hpp"

#include <cstdio>
#include <iomanip>
#include <ostream>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <vector>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/fix/fix_log.hpp"
#include "ballast/kernel/start_guard.hpp"
#include "demo_command.hpp"
#include "manifest.hpp"
#include "run_command.hpp"
#include "run_summary.hpp"

namespace ballast::tools {

int fix_log_replay(const ReplayOptions& opt, std::ostream& out, std::ostream& err);

int replay_main(const ReplayOptions& opt, std::ostream& out, std::ostream& err) {
  if (!opt.fix_log.empty()) return fix_log_replay(opt, out, err);
  if (opt.journal.empty()) {
    err << "ballast replay: --journal DIR (or --fix-log FILE) is required\n";
    return 2;
  }
  auto m = read_manifest(opt.journal);
  if (!m) {
    err << "ballast replay: " << m.error().message << "\n";
    return 2;
  }
  const Manifest& man = m.value();
  Result<std::unique_ptr<kernel::Kernel>> engine = Error("unknown manifest kind");
  if (man.get("kind") == "demo") {
    auto o = demo_options_from(man);
    if (!o) {
      err << "ballast replay: " << opt.journal << "/manifest.txt: " << o.error().message << "\n";
      return 2;
    }
    engine = demo_engine(o.value(), true);
  } else if (man.get("kind") == "run") {
    engine = run_replay_engine(man);
  } else {
    err << "ballast replay: " << opt.journal << "/manifest.txt: kind '" << man.get("kind")
        << "' (expected demo or run)\n";
    return 2;
  }
  if (!engine) {
    err << "ballast replay: cannot rebuild the engine of " << opt.journal << ": "
        << engine.error().message << "\n";
    return 2;
  }
  auto rep = engine.value()->replay_journal(opt.journal, opt.verify);
  if (!rep) {
    err << "ballast replay: " << rep.error().message << "\n";
    return 1;
  }
  const kernel::ReplayReport& r = rep.value();
  const double rate = r.seconds > 0 ? static_cast<double>(r.records) / r.seconds : 0.0;
  out << "replay: " << opt.journal << " (" << man.get("kind") << "), " << r.runs << " run(s), "
      << thousands(r.records) << " records, " << thousands(r.inputs) << " inputs re-run in "
      << std::fixed << std::setprecision(2) << r.seconds << " s ("
      << thousands(static_cast<std::uint64_t>(rate)) << " records/s)"
      << (r.torn_tail ? "; the journal ends in a torn record (a crash)" : "") << "\n";
  out << "replay: order messages: " << thousands(r.intents_journaled) << " journaled, "
      << thousands(r.intents_regenerated) << " regenerated, " << thousands(r.intents_matched)
      << " equal, " << thousands(r.unjournaled_at_crash)
      << " regenerated after a run's last record (never journaled, never sent)\n";
  out << "replay: trade-list lines: " << thousands(r.trade_lines_journaled) << " journaled, "
      << thousands(r.trade_lines_matched) << " equal\n";
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(r.output_hash));
  out << "replay: output hash " << hash << "\n";
  if (!r.divergence.empty()) {
    out << "replay: DIVERGENCE at " << r.divergence << "\n";
    return 1;
  }
  if (opt.verify) out << "replay: verify: no divergence\n";
  return 0;
}

/// The engine for a FIX-log replay: the desk of a journal's manifest, or of a configuration.
Result<std::unique_ptr<kernel::Kernel>> fix_log_engine(const ReplayOptions& opt) {
  if (!opt.config.empty()) {
    std::optional<CivilDate> date;
    if (!opt.session_date.empty()) {
      date = parse_iso_date(opt.session_date);
      if (!date) {
        return Error("--session-date '" + opt.session_date + "': expected a date YYYY-MM-DD");
      }
    }
    return run_offline_engine(opt.config, date);
  }
  if (opt.journal.empty()) {
    return Error("--fix-log needs the desk: --journal DIR (its manifest) or --config FILE");
  }
  auto m = read_manifest(opt.journal);
  if (!m) return m.error();
  if (m.value().get("kind") == "run") return run_replay_engine(m.value());
  auto o = demo_options_from(m.value());
  if (!o) return o.error();
  return demo_engine(o.value(), true);
}

namespace {

/// One order message (NewOrderSingle D, replace G, cancel F): as the log recorded it, or as the
/// replayed engine decided it.
struct LoggedOrder {
  char kind = 'D';
  std::uint64_t line = 0;       ///< the log line of the message (log) or of the input that made it
  std::string orig;             ///< G, F: OrigClOrdID
  std::string account, symbol;  ///< D only
  char side = '1', ord_type = '2';
  std::int64_t qty = 0, price = 0, time_ms = 0;  ///< D, G; price only for limit orders
};

std::string describe(const LoggedOrder& o) {
  if (o.kind == 'F') return "cancel " + o.orig;
  std::string s = o.kind == 'G' ? "replace " + o.orig + " by " + Qty::from_raw(o.qty).to_string()
                                : o.account + " " + (o.side == '1' ? "buy " : "sell ") +
                                      Qty::from_raw(o.qty).to_string() + " " + o.symbol;
  if (o.ord_type != '1') s += " @ " + Price::from_raw(o.price).to_string();
  return s;
}

/// The first field in which the engine's order message differs from the log's ("" when none).
std::string order_difference(const LoggedOrder& log, const LoggedOrder& ours) {
  auto diff = [](const char* what, const std::string& a, const std::string& b) {
    return std::string(what) + ": log " + a + ", replay " + b;
  };
  if (log.kind != ours.kind) return diff("message", {log.kind}, {ours.kind});
  if (log.orig != ours.orig) return diff("OrigClOrdID", log.orig, ours.orig);
  if (log.kind == 'F') return {};
  if (log.kind == 'D') {
    if (log.account != ours.account) return diff("account", log.account, ours.account);
    if (log.symbol != ours.symbol) return diff("symbol", log.symbol, ours.symbol);
    if (log.side != ours.side) return diff("side", {log.side}, {ours.side});
  }
  if (log.qty != ours.qty)
    return diff("quantity", Qty::from_raw(log.qty).to_string(),
                Qty::from_raw(ours.qty).to_string());
  if (log.kind == 'D' && log.ord_type != ours.ord_type)
    return diff("order type", {log.ord_type}, {ours.ord_type});
  if (log.ord_type != '1' && log.price != ours.price) {
    return diff("price", Price::from_raw(log.price).to_string(),
                Price::from_raw(ours.price).to_string());
  }
  if (log.time_ms != 0 && log.time_ms != ours.time_ms) {
    return diff("TransactTime (ms)", std::to_string(log.time_ms), std::to_string(ours.time_ms));
  }
  return {};
}

/// Something in a log that the replay cannot reproduce exactly, from `line` on.
struct Hazard {
  std::uint64_t line = 0;
  std::string why;
};

}  // namespace

int fix_log_replay(const ReplayOptions& opt, std::ostream& out, std::ostream& err) {
  auto engine = fix_log_engine(opt);
  if (!engine) {
    err << "ballast replay: " << engine.error().message << "\n";
    return 2;
  }
  kernel::Kernel& eng = *engine.value();
  fix::FixLogOptions lo;
  if (!eng.settings().fix.sessions.empty()) {
    lo.our_comp_id = eng.settings().fix.sessions.front().sender_comp_id;
  }
  fix::FixLogReader reader;
  std::string error;
  if (!reader.open(opt.fix_log, lo, error)) {
    err << "ballast replay: " << error << "\n";
    return 2;
  }
  // The recorded run's ClOrdIDs carry its epoch (docs/journal.md): issue ours under the same one.
  if (const auto e = kernel::first_order_epoch_in_fix_log(opt.fix_log, lo.our_comp_id)) {
    (void)eng.set_offline_epoch(*e);
  }
  // The live conversions: the same bridge QuickFIX's callbacks go through.
  InboundQueue queue(1);
  FixInbound bridge(eng.instruments(), queue);
  std::vector<Event> intents;
  std::map<std::string, std::uint64_t> by_type;
  // Order messages by ClOrdID (D, G, F), and their ClOrdIDs in order.
  std::map<std::string, LoggedOrder> recorded, ours;
  std::vector<std::string> recorded_order, ours_order;
  // What makes this log impossible to reproduce exactly, where it starts (docs/journal.md).
  std::vector<Hazard> hazards;
  if (!eng.market_clock()) {
    hazards.push_back({0,
                       "the engine runs on the wall clock: the log does not hold the time the "
                       "core took each message at, the log's times stand in for it"});
  }
  std::uint64_t entries = 0, invalid = 0, fed = 0, logons = 0;
  std::int64_t last_time = 0;
  std::uint64_t line = 0;  // the log line being fed
  auto note_intents = [&](std::size_t from) {
    for (std::size_t i = from; i < intents.size(); ++i) {
      ++by_type[event_name(intents[i])];
      LoggedOrder o;
      o.line = line;
      std::string id;
      if (const auto* s = std::get_if<SubmitOrder>(&intents[i])) {
        id = to_cl_ord_id(s->order);
        o.account = s->account.value < eng.book().accounts() ? eng.book().account_key(s->account)
                                                             : std::string();
        o.symbol = eng.instruments()[s->instrument].symbol;
        o.side = s->side == Side::kBuy ? '1' : '2';
        o.ord_type = s->type == OrdType::kMarket ? '1' : '2';
        o.qty = s->qty.raw;
        o.price = s->limit.raw;
        o.time_ms = s->hdr.event_time.ns / 1'000'000;
      } else if (const auto* r = std::get_if<ReplaceOrder>(&intents[i])) {
        id = to_cl_ord_id(r->order);
        o.kind = 'G';
        o.orig = to_cl_ord_id(r->orig_order);
        o.qty = r->qty.raw;
        o.price = r->limit.raw;
        o.time_ms = r->hdr.event_time.ns / 1'000'000;
      } else if (const auto* c = std::get_if<CancelOrder>(&intents[i])) {
        id = to_cl_ord_id(c->order);
        o.kind = 'F';
        o.orig = to_cl_ord_id(c->orig_order);
      } else {
        continue;
      }
      if (ours.emplace(id, o).second) ours_order.push_back(id);
    }
  };
  fix::FixLogEntry en;
  Event ev;
  while (reader.next(en)) {
    ++entries;
    line = en.line;
    if (en.kind == fix::FixLogKind::kInvalid) {
      if (invalid++ < 5) err << "ballast replay: " << en.error << "\n";
      hazards.push_back({en.line, "an unreadable message at line " + std::to_string(en.line) +
                                      " (whatever it said is missing)"});
      continue;
    }
    if (en.direction == fix::FixLogDirection::kSent) {
      LoggedOrder o;
      o.line = en.line;
      std::string id;
      if (en.kind == fix::FixLogKind::kNewOrder) {
        const fix::NewOrder& n = en.new_order;
        id = n.cl_ord_id;
        o.account = n.account;
        o.symbol = n.symbol;
        o.side = n.side;
        o.ord_type = n.ord_type;
        o.qty = n.qty;
        o.price = n.price;
        o.time_ms = n.transact_time_ns / 1'000'000;
      } else if (en.kind == fix::FixLogKind::kReplaceRequest) {
        const fix::ReplaceRequest& r = en.replace_request;
        id = r.cl_ord_id;
        o.kind = 'G';
        o.orig = r.orig_cl_ord_id;
        o.ord_type = r.ord_type;
        o.qty = r.qty;
        o.price = r.price;
        o.time_ms = r.transact_time_ns / 1'000'000;
      } else if (en.kind == fix::FixLogKind::kCancelRequest) {
        id = en.cancel_request.cl_ord_id;
        o.kind = 'F';
        o.orig = en.cancel_request.orig_cl_ord_id;
      } else {
        continue;
      }
      // A resend (PossDup) of a message already seen is the same message.
      if (recorded.emplace(id, o).second) recorded_order.push_back(id);
      continue;
    }
    switch (en.kind) {
      case fix::FixLogKind::kExecutionReport:
        bridge.on_execution_report(en.execution_report);
        break;
      case fix::FixLogKind::kCancelReject:
        bridge.on_cancel_reject(en.cancel_reject);
        break;
      case fix::FixLogKind::kBusinessReject:
        bridge.on_business_reject(en.business_reject);
        break;
      case fix::FixLogKind::kSessionReject:
        bridge.on_session_reject(en.session_reject);
        break;
      case fix::FixLogKind::kMarketData:
        for (const auto& md : en.market_data) bridge.on_market_data(md);
        break;
      case fix::FixLogKind::kSession:
        // The initiator reports a logon (the broker's Logon answered ours) and a logout to the
        // core as session status changes: so does the replay.
        if (en.msg_type == "A" || en.msg_type == "5") {
          fix::SessionStatus st;
          st.session = en.session;
          st.state =
              en.msg_type == "A" ? fix::SessionState::kLoggedOn : fix::SessionState::kLoggedOut;
          if (en.msg_type == "A" && ++logons > 1) {
            hazards.push_back({en.line, "a reconnect (logon at line " + std::to_string(en.line) +
                                            "): a FIX log does not show when the connection "
                                            "dropped, nor what the core did meanwhile"});
          }
          bridge.on_session_status(st);
        }
        break;
      default:
        break;
    }
    while (queue.try_pop(ev)) {
      const std::size_t before = intents.size();
      // The wall clock's stand-in: the log line's time, else the message's own.
      const std::int64_t t = en.time_ns > 0 ? en.time_ns : header(ev).event_time.ns;
      if (t == 0 && !eng.market_clock() && hazards.size() < 64) {
        hazards.push_back({en.line, "a message without a time at line " + std::to_string(en.line)});
      }
      eng.feed_offline(ev, Timestamp{t}, intents);
      last_time = std::max(last_time, t);
      ++fed;
      note_intents(before);
    }
  }
  // Timers due by the end of the log fire, as the live loop's next pass would have fired them.
  {
    const std::size_t before = intents.size();
    eng.advance_offline(Timestamp{last_time}, intents);
    note_intents(before);
  }
  if (!reader.io_error().empty()) {
    err << "ballast replay: " << reader.io_error() << "\n";
    return 1;
  }
  // Cancels the live engine sent and the replay did not decide: it had an input the FIX log does
  // not hold (an operator command, the end-of-session kill switch, a journal failure). Order
  // messages after the first of them can differ; the cancels themselves are counted, not failed.
  std::uint64_t foreign_cancels = 0;
  std::string first_foreign;
  for (const std::string& id : recorded_order) {
    const LoggedOrder& lg = recorded.at(id);
    if (lg.kind != 'F' || ours.count(id) != 0) continue;
    if (foreign_cancels++ == 0) {
      first_foreign = "the first: " + id + " at line " + std::to_string(lg.line);
      hazards.push_back({lg.line, "cancel " + id + " at line " + std::to_string(lg.line) +
                                      " that the replay did not decide: the live engine had an "
                                      "input a FIX log does not hold (operator command, kill "
                                      "switch, journal failure)"});
    }
  }
  std::sort(hazards.begin(), hazards.end(),
            [](const Hazard& a, const Hazard& b) { return a.line < b.line; });
  auto why = [&](std::uint64_t at) -> std::string {
    const Hazard* h = nullptr;
    for (const Hazard& z : hazards) {
      if (z.line <= at) h = &z;
    }
    if (h != nullptr) return h->why;
    return "nothing in the log before it explains it: the engine is not the recorded one "
           "(configuration, data files or build), or the log does not start at the engine's "
           "start";
  };
  // Every order message, compared by ClOrdID and content.
  struct Unreproduced {
    std::uint64_t line;
    std::string text;
  };
  std::vector<Unreproduced> bad;
  std::map<char, std::array<std::uint64_t, 3>> counts;  // kind -> replay, log, same
  for (const auto& [id, o] : ours) ++counts[o.kind][0];
  for (const std::string& id : recorded_order) {
    const LoggedOrder& lg = recorded.at(id);
    ++counts[lg.kind][1];
    const auto it = ours.find(id);
    if (it == ours.end()) {
      if (lg.kind == 'F') continue;  // counted above
      bad.push_back({lg.line, id + " (line " + std::to_string(lg.line) + ", " + describe(lg) +
                                  "): only in the log; " + why(lg.line)});
      continue;
    }
    const std::string d = order_difference(lg, it->second);
    if (d.empty()) {
      ++counts[lg.kind][2];
    } else {
      bad.push_back({lg.line, id + " (line " + std::to_string(lg.line) + ", " + describe(lg) +
                                  "): differs, " + d + "; " + why(lg.line)});
    }
  }
  for (const std::string& id : ours_order) {
    if (recorded.count(id) != 0) continue;
    const LoggedOrder& o = ours.at(id);
    bad.push_back({o.line, id + " (" + describe(o) + ", decided at line " + std::to_string(o.line) +
                               "): only in the replay; " + why(o.line)});
  }
  std::stable_sort(bad.begin(), bad.end(),
                   [](const Unreproduced& a, const Unreproduced& b) { return a.line < b.line; });
  out << "replay: " << opt.fix_log << ": " << thousands(entries) << " messages, " << invalid
      << " unreadable, " << thousands(fed) << " engine inputs ("
      << (eng.market_clock() ? "market clock" : "wall clock") << ")\n";
  out << "replay: the engine decided:";
  if (by_type.empty()) out << " nothing";
  for (const auto& [type, n] : by_type) out << " " << type << " " << thousands(n);
  out << "\n";
  const auto line_of = [&](char kind, const char* what, const char* same_what) {
    const auto& c = counts[kind];
    out << "replay: " << what << ": " << thousands(c[0]) << " by the engine, " << thousands(c[1])
        << " in the log, " << thousands(c[2]) << " with the same ClOrdID " << same_what << "\n";
  };
  line_of('D', "new orders", "and content");
  line_of('G', "replaces", "and content");
  line_of('F', "cancels", "and order");
  if (foreign_cancels > 0) {
    out << "replay: " << thousands(foreign_cancels)
        << " cancels in the log were not decided by the replay (" << first_foreign
        << "): the live engine had inputs a FIX log does not hold (operator command, kill "
           "switch, journal failure)\n";
  }
  if (bad.empty()) {
    out << "replay: every order reproduced (new orders and replaces; cancels the replay "
           "decided)\n";
  } else {
    out << "replay: " << thousands(bad.size()) << " order messages NOT reproduced:\n";
    for (std::size_t i = 0; i < bad.size() && i < 20; ++i) out << "  " << bad[i].text << "\n";
    if (bad.size() > 20) out << "  ... and " << thousands(bad.size() - 20) << " more\n";
  }
  const bool all = bad.empty();
  if (opt.verify) {
    out << (all ? "replay: verify: the same orders as recorded\n"
                : "replay: verify: the orders DIFFER from the recording\n");
    return all ? 0 : 1;
  }
  return invalid == 0 ? 0 : 1;
}

}  // namespace ballast::tools
