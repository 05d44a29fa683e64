// Recorded market data into the kernel: each file source of a configuration opened as one
// time-ordered stream, its trading date, and the replay agents (one thread each, under
// AgentRunner) that pace the streams into the core's queue. Used by `ballast run` and
// `check-config`; `replay_until` is the same agent for one stream into any callback (the demo,
// broker-sim).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ballast/adapters/adapters_config.hpp"
#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/adapters/replay_agent.hpp"
#include "ballast/adapters/replay_pacer.hpp"
#include "ballast/core/result.hpp"
#include "ballast/engine/agent_runner.hpp"

namespace ballast::kernel {

class Kernel;

/// Opens one file source (`tape`, `lobster`, `taq`, `minute_bars`, `daily_closes`) as a single
/// stream in non-decreasing event time (TimeOrderedMerge of its files):
///  - tape: every row (quotes and trades); lobster: its executions and book changes;
///  - taq: trade ticks (YYYYMMDD_sym_Trade_Tick.csv) -> TradePrinted, quote ticks
///    (..._Quote_Tick.csv) -> QuoteUpdated, each at its millisecond;
///  - minute_bars: trade bars (..._minute_trade.csv) -> BarClosed and quote bars
///    (..._minute_quote.csv) -> QuoteUpdated from the closing bid and ask, each at the END of its
///    minute (start + 60 s: a bar is known only once its minute is over);
///  - daily_closes: a BarClosed per instrument column and row.
/// At equal times the quote files of a taq or minute_bars source come before its trade files
/// (the book a trade printed against first), each group in the configuration's order. Errors name
/// the file (and its line and field for a bad row, when read); a file of another kind in a taq or
/// minute_bars source (a bar file in `taq`, a tick file in `minute_bars`) is refused by name.
/// `fix` is not a file source (error).
Result<std::unique_ptr<EventReader>> open_file_source(const MarketDataSourceConfig& src,
                                                      const InstrumentTable& instruments);

/// The trading date (US/Eastern) of one file of a source: a LOBSTER or Lean/AlgoSeek file's name,
/// a tape's header, a daily-closes file's first row (nullopt: it has no rows).
Result<std::optional<CivilDate>> file_trading_date(MarketDataKind kind, const std::string& path,
                                                   const InstrumentTable& instruments);

/// The replay of recorded sources into a kernel: one ReplayAgent per source on its own
/// AgentRunner thread ("ballast-md-<k>", not pinned, IdleKind::kBusySpin since the agent waits on
/// its own clock), each with its own Kernel::Feed. The paced intraday sources (`Source::intraday`,
/// not fast) share one anchor: an event recorded at t is due at start + (t - T0) / speed, T0 the
/// earliest first event of them all, so sources of one day keep step (a minute bar stamped 09:31
/// is not delivered with the ticks of 09:30:00). Any other source is anchored on its own first
/// event. stop() (or the destructor) stops them within about ReplayPacer::kDefaultMaxSleep and
/// joins.
class MarketDataReplay {
 public:
  /// One source: its name (for errors), its stream, its pace.
  struct Source {
    std::string name;
    std::unique_ptr<EventReader> reader;
    ReplaySchedule schedule = ReplaySchedule::fast();
    /// tape, lobster, taq, minute_bars: shares the anchor of the other intraday sources.
    bool intraday = true;
  };

  MarketDataReplay();
  ~MarketDataReplay();
  MarketDataReplay(const MarketDataReplay&) = delete;
  MarketDataReplay& operator=(const MarketDataReplay&) = delete;

  /// Starts one agent per source, feeding `kernel` (its core started or not; the feeds are made
  /// here, from the control thread). Error: a thread could not start (those started are stopped).
  Status start(Kernel& kernel, std::vector<Source> sources);
  /// Every agent's reader has ended (or none was started). Any thread.
  bool all_finished() const noexcept;
  /// Stops every agent (an event waited for is not delivered) and joins them. Idempotent.
  void stop() noexcept;
  /// Events delivered over all sources so far. Any thread.
  std::uint64_t delivered() const noexcept;
  /// After stop(): "market_data source '<name>': <the reader's error>" for each source that ended
  /// on a bad row (file:line: field ...), in source order.
  std::vector<std::string> errors() const;
  std::size_t size() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Replays `reader` into `deliver(const Event&)` on `schedule` as a ReplayAgent on its own
/// AgentRunner thread named `thread_name`, and waits for it on the calling thread: until the
/// reader ends, or, with a `stop` flag (a signal handler's; stop_signal.hpp), until the flag is
/// set (checked every 20 ms; the agent then stops within about ReplayPacer::kDefaultMaxSleep).
/// `deliver` runs on the agent's thread; the calling thread only waits. Returns what the replay
/// did (end kStopped when stopped, kReaderError with the reader's file:line error).
template <class F>
::ballast::ReplayReport replay_until(EventReader& reader, const ReplaySchedule& schedule,
                                     const std::atomic<bool>* stop, F&& deliver,
                                     const std::string& thread_name = "ballast-replay") {
  auto fwd = [&deliver](const Event& e) { deliver(e); };
  ReplayAgent<decltype(fwd)> agent(reader, schedule, fwd);
  AgentRunner runner;
  AgentOptions opt;
  opt.name = thread_name;
  opt.idle.kind = IdleKind::kBusySpin;
  if (auto st = runner.start(agent, opt); !st) {
    ::ballast::ReplayReport r;
    r.end = ::ballast::ReplayEnd::kReaderError;
    r.status = st.error();
    return r;
  }
  const auto poll = stop != nullptr ? std::chrono::milliseconds(20) : std::chrono::milliseconds(2);
  while (!runner.finished() && (stop == nullptr || !stop->load()))
    std::this_thread::sleep_for(poll);
  runner.stop();
  return agent.report();
}

}  // namespace ballast::kernel
