#include "replay_command.hpp"

#include <cstdio>
#include <iomanip>
#include <ostream>

#include "demo_command.hpp"
#include "manifest.hpp"
#include "run_command.hpp"

namespace ballast::tools {

namespace {
std::string grouped(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}
}  // namespace

int replay_main(const ReplayOptions& opt, std::ostream& out, std::ostream& err) {
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

}  // namespace ballast::tools
