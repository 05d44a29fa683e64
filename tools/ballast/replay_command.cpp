#include "replay_command.hpp"

#include <cstdio>
#include <iomanip>
#include <ostream>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/fix/fix_log.hpp"
#include "demo_command.hpp"
#include "manifest.hpp"
#include "run_command.hpp"
#include "start_guard.hpp"

namespace ballast::tools {

namespace {
std::string grouped(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}
}  // namespace

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
  Result<std::unique_ptr<app::EngineRuntime>> engine = Error("unknown manifest kind");
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
  const app::ReplayReport& r = rep.value();
  const double rate = r.seconds > 0 ? static_cast<double>(r.records) / r.seconds : 0.0;
  out << "replay: " << opt.journal << " (" << man.get("kind") << "), " << r.runs << " run(s), "
      << grouped(r.records) << " records, " << grouped(r.inputs) << " inputs re-run in "
      << std::fixed << std::setprecision(2) << r.seconds << " s ("
      << grouped(static_cast<std::uint64_t>(rate)) << " records/s)"
      << (r.torn_tail ? "; the journal ends in a torn record (a crash)" : "") << "\n";
  out << "replay: order messages: " << grouped(r.intents_journaled) << " journaled, "
      << grouped(r.intents_regenerated) << " regenerated, " << grouped(r.intents_matched)
      << " equal, " << grouped(r.unjournaled_at_crash)
      << " regenerated after a run's last record (never journaled, never sent)\n";
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
Result<std::unique_ptr<app::EngineRuntime>> fix_log_engine(const ReplayOptions& opt) {
  if (!opt.config.empty()) return run_offline_engine(opt.config);
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

int fix_log_replay(const ReplayOptions& opt, std::ostream& out, std::ostream& err) {
  auto engine = fix_log_engine(opt);
  if (!engine) {
    err << "ballast replay: " << engine.error().message << "\n";
    return 2;
  }
  app::EngineRuntime& eng = *engine.value();
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
  if (const auto e = app::first_order_epoch_in_fix_log(opt.fix_log, lo.our_comp_id)) {
    (void)eng.set_offline_epoch(*e);
  }
  // The live conversions: the same bridge QuickFIX's callbacks go through.
  InboundQueue queue(1);
  FixInbound bridge(eng.instruments(), queue);
  std::vector<Event> intents;
  std::map<std::string, std::uint64_t> by_type;
  std::set<std::string> recorded, ours;
  std::vector<std::string> ours_in_order;
  std::uint64_t entries = 0, invalid = 0, fed = 0;
  std::int64_t last_time = 0;
  auto note_intents = [&](std::size_t from) {
    for (std::size_t i = from; i < intents.size(); ++i) {
      ++by_type[event_name(intents[i])];
      if (const auto* s = std::get_if<SubmitOrder>(&intents[i])) {
        const std::string id = to_cl_ord_id(s->order);
        ours.insert(id);
        ours_in_order.push_back(id);
      }
    }
  };
  fix::FixLogEntry en;
  Event ev;
  while (reader.next(en)) {
    ++entries;
    if (en.kind == fix::FixLogKind::kInvalid) {
      if (invalid++ < 5) err << "ballast replay: " << en.error << "\n";
      continue;
    }
    if (en.direction == fix::FixLogDirection::kSent) {
      if (en.kind == fix::FixLogKind::kNewOrder) recorded.insert(en.new_order.cl_ord_id);
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
      default:
        break;
    }
    while (queue.try_pop(ev)) {
      const std::size_t before = intents.size();
      // The clock: the message's own time (market data's entry time, an execution report's
      // TransactTime) when it has one, as the live market clock does; else the log line's.
      const std::int64_t t = header(ev).event_time.ns > 0 ? header(ev).event_time.ns : en.time_ns;
      eng.feed_offline(ev, Timestamp{t}, intents);
      last_time = std::max(last_time, t);
      ++fed;
      note_intents(before);
    }
  }
  // Timers due by the last message's time fire, as the live clock would have fired them.
  {
    const std::size_t before = intents.size();
    eng.advance_offline(Timestamp{last_time}, intents);
    note_intents(before);
  }
  if (!reader.io_error().empty()) {
    err << "ballast replay: " << reader.io_error() << "\n";
    return 1;
  }
  std::uint64_t both = 0;
  std::string first_new, first_missing;
  for (const std::string& id : ours_in_order) {
    if (recorded.count(id) != 0) {
      ++both;
    } else if (first_new.empty()) {
      first_new = id;
    }
  }
  for (const std::string& id : recorded) {
    if (ours.count(id) == 0 && first_missing.empty()) first_missing = id;
  }
  out << "replay: " << opt.fix_log << ": " << grouped(entries) << " messages, " << invalid
      << " unreadable, " << grouped(fed) << " engine inputs\n";
  out << "replay: the engine decided:";
  if (by_type.empty()) out << " nothing";
  for (const auto& [type, n] : by_type) out << " " << type << " " << grouped(n);
  out << "\n";
  out << "replay: new orders: " << grouped(ours.size()) << " by the engine, "
      << grouped(recorded.size()) << " in the log, " << grouped(both) << " with the same ClOrdID";
  if (!first_new.empty()) out << "; first only in the replay: " << first_new;
  if (!first_missing.empty()) out << "; first only in the log: " << first_missing;
  out << "\n";
  const bool same = both == ours.size() && both == recorded.size();
  if (opt.verify) {
    out << (same ? "replay: verify: the same orders as recorded\n"
                 : "replay: verify: the orders DIFFER from the recording\n");
    return same ? 0 : 1;
  }
  return invalid == 0 ? 0 : 1;
}

}  // namespace ballast::tools
