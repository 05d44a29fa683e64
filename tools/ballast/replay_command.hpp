// `ballast replay --journal DIR [--verify]`: rebuilds the engine a journal was written by (from
// the run manifest next to it) and re-runs every recorded input through it; with --verify the
// regenerated order messages are compared with the journaled ones. docs/journal.md.
#pragma once

#include <iosfwd>
#include <string>

namespace ballast::tools {

struct ReplayOptions {
  std::string journal;  ///< journal directory (with manifest.txt)
  bool verify = false;
  /// `--fix-log FILE`: a recorded FIX message log (QuickFIX FileLog, broker-sim's message log,
  /// other layouts: docs/fix.md) fed into the engine of `journal`'s manifest (or `config`) as if
  /// live; the engine's orders are compared with the orders the log recorded.
  std::string fix_log{};
  std::string config{};        ///< with --fix-log: the desk of a `ballast run` configuration
  std::string session_date{};  ///< with --config: YYYY-MM-DD (empty: as run would choose)
};

/// 0: replayed (and, with verify, no divergence); 1: a divergence or an unreadable journal;
/// 2: bad input (no manifest, options that cannot be rebuilt).
int replay_main(const ReplayOptions& opt, std::ostream& out, std::ostream& err);

}  // namespace ballast::tools
