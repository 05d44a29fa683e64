// Recorded market data into the kernel: file sources opened as streams, and their replay agents.
#include "ballast/kernel/market_data_replay.hpp"

#include <algorithm>

#include "ballast/adapters/market_data_daily.hpp"
#include "ballast/adapters/market_data_lean.hpp"
#include "ballast/adapters/market_data_lobster.hpp"
#include "ballast/adapters/tape_file.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"

namespace ballast::kernel {

namespace {

/// Adds an opened reader to `parts`; the error it was opened with otherwise.
template <class Reader>
Status add_part(Result<Reader> r, std::vector<std::unique_ptr<EventReader>>& parts) {
  if (!r) return r.error();
  parts.push_back(std::make_unique<Reader>(std::move(r.value())));
  return Ok{};
}

bool is_quote_file(LeanFileKind k) noexcept {
  return k == LeanFileKind::kQuoteTicks || k == LeanFileKind::kMinuteQuoteBars;
}

/// Opens one Lean/AlgoSeek file of a `taq` (ticks) or `minute_bars` (bars) source.
Status add_lean_part(MarketDataKind kind, const std::string& path, const LeanFileName& name,
                     const InstrumentTable& instruments,
                     std::vector<std::unique_ptr<EventReader>>& parts) {
  const bool ticks =
      name.kind == LeanFileKind::kTradeTicks || name.kind == LeanFileKind::kQuoteTicks;
  if (ticks != (kind == MarketDataKind::kTaq)) {
    return Error("'" + path + "': a " + (ticks ? "tick" : "minute-bar") + " file in a " +
                 to_string(kind) + " source (a " + to_string(kind) + " source reads " +
                 (kind == MarketDataKind::kTaq
                      ? "YYYYMMDD_<sym>_Trade_Tick.csv and YYYYMMDD_<sym>_Quote_Tick.csv"
                      : "YYYYMMDD_<sym>_minute_trade.csv and YYYYMMDD_<sym>_minute_quote.csv") +
                 " files)");
  }
  auto src = lean_source(path, us_eastern_utc_offset(name.date));
  if (!src) return src.error();
  switch (name.kind) {
    case LeanFileKind::kTradeTicks:
      return add_part(TaqTradeReader::open(src.value(), instruments), parts);
    case LeanFileKind::kQuoteTicks:
      return add_part(TaqQuoteReader::open(src.value(), instruments), parts);
    case LeanFileKind::kMinuteTradeBars:
      return add_part(MinuteTradeBarReader::open(src.value(), instruments), parts);
    case LeanFileKind::kMinuteQuoteBars:
      return add_part(MinuteQuoteBarReader::open(src.value(), instruments), parts);
  }
  return Error("'" + path + "': unknown Lean file kind");
}

}  // namespace

Result<std::unique_ptr<EventReader>> open_file_source(const MarketDataSourceConfig& src,
                                                      const InstrumentTable& instruments) {
  std::vector<std::unique_ptr<EventReader>> parts;
  if (src.kind == MarketDataKind::kTaq || src.kind == MarketDataKind::kMinuteBars) {
    // Quote files first, then trade files, each group in the configuration's order: the merge
    // gives equal times to the lower input (the book a trade printed against comes first).
    std::vector<std::pair<std::string, LeanFileName>> files;
    for (const std::string& path : src.paths) {
      auto name = parse_lean_file_name(path);
      if (!name) return name.error();
      files.emplace_back(path, std::move(name.value()));
    }
    std::stable_partition(files.begin(), files.end(),
                          [](const auto& f) { return is_quote_file(f.second.kind); });
    for (const auto& [path, name] : files) {
      if (auto st = add_lean_part(src.kind, path, name, instruments, parts); !st) return st.error();
    }
  }
  for (const std::string& path : src.paths) {
    switch (src.kind) {
      case MarketDataKind::kTaq:
      case MarketDataKind::kMinuteBars:
        break;  // above
      case MarketDataKind::kTape: {
        if (auto st = add_part(TapeFileReader::open(path, instruments), parts); !st) {
          return st.error();
        }
        break;
      }
      case MarketDataKind::kLobster: {
        auto name = parse_lobster_file_name(path);
        if (!name) return name.error();
        auto s = lobster_source(path, us_eastern_utc_offset(name.value().date));
        if (!s) return s.error();
        if (auto st = add_part(LobsterReader::open(s.value(), instruments), parts); !st) {
          return st.error();
        }
        break;
      }
      case MarketDataKind::kDailyCloses: {
        auto t = load_daily_closes(path);
        if (!t) return t.error();
        std::vector<std::string> symbols;
        for (std::uint32_t i = 0; i < instruments.size(); ++i) {
          if (t.value().column(instruments[InstrumentId{i}].symbol)) {
            symbols.push_back(instruments[InstrumentId{i}].symbol);
          }
        }
        auto table = std::make_shared<const DailyCloseTable>(std::move(t.value()));
        if (auto st =
                add_part(DailyCloseReader::open(std::move(table), instruments, symbols), parts);
            !st) {
          return st.error();
        }
        break;
      }
      case MarketDataKind::kFix:
        return Error("market_data source '" + src.name + "': kind fix is not a file source");
    }
  }
  if (parts.empty()) return Error("market_data source '" + src.name + "': no files");
  if (parts.size() == 1) return std::move(parts.front());
  return std::unique_ptr<EventReader>(std::make_unique<TimeOrderedMerge>(std::move(parts)));
}

Result<std::optional<CivilDate>> file_trading_date(MarketDataKind kind, const std::string& path,
                                                   const InstrumentTable& instruments) {
  switch (kind) {
    case MarketDataKind::kDailyCloses: {
      auto t = load_daily_closes(path);
      if (!t) return t.error();
      if (t.value().rows() == 0) return std::optional<CivilDate>{};
      return std::optional<CivilDate>{t.value().dates.front()};
    }
    case MarketDataKind::kLobster: {
      auto name = parse_lobster_file_name(path);
      if (!name) return name.error();
      return std::optional<CivilDate>{name.value().date};
    }
    case MarketDataKind::kTaq:
    case MarketDataKind::kMinuteBars: {
      auto name = parse_lean_file_name(path);
      if (!name) return name.error();
      return std::optional<CivilDate>{name.value().date};
    }
    case MarketDataKind::kTape: {
      auto r = TapeFileReader::open(path, instruments);
      if (!r) return r.error();
      return std::optional<CivilDate>{r.value().session().date};
    }
    case MarketDataKind::kFix:
      break;
  }
  return std::optional<CivilDate>{};
}

// ------------------------------------------------------------------------------ the replay

namespace {

/// Pushes each event onto one producer's feed of the core's inbound queue.
struct FeedPush {
  Kernel::Feed* feed;
  void operator()(const Event& e) const { feed->push(e); }
};

using FeedAgent = ReplayAgent<FeedPush>;

}  // namespace

struct MarketDataReplay::Impl {
  struct Running {
    std::string name;
    std::unique_ptr<EventReader> reader;
    std::unique_ptr<Kernel::Feed> feed;
    std::unique_ptr<FeedAgent> agent;
    std::unique_ptr<AgentRunner> runner;
  };
  std::vector<Running> running;
};

MarketDataReplay::MarketDataReplay() : impl_(std::make_unique<Impl>()) {}
MarketDataReplay::~MarketDataReplay() {
  stop();
}

Status MarketDataReplay::start(Kernel& kernel, std::vector<Source> sources) {
  if (!impl_->running.empty()) return Error("market-data replay: already started");
  impl_->running.reserve(sources.size());
  for (std::size_t k = 0; k < sources.size(); ++k) {
    Impl::Running r;
    r.name = std::move(sources[k].name);
    r.reader = std::move(sources[k].reader);
    r.feed = kernel.make_feed();
    r.agent = std::make_unique<FeedAgent>(*r.reader, sources[k].schedule, FeedPush{r.feed.get()});
    r.runner = std::make_unique<AgentRunner>();
    impl_->running.push_back(std::move(r));
  }
  // One anchor for the paced intraday sources: the earliest first event of them all, now.
  std::optional<Timestamp> t0;
  for (std::size_t k = 0; k < sources.size(); ++k) {
    if (!sources[k].intraday || sources[k].schedule.is_fast()) continue;
    if (const auto t = impl_->running[k].agent->peek(); t && (!t0 || *t < *t0)) t0 = t;
  }
  if (t0) {
    const Timestamp wall = SteadyReplayClock{}.now();
    for (std::size_t k = 0; k < sources.size(); ++k) {
      if (sources[k].intraday && !sources[k].schedule.is_fast()) {
        impl_->running[k].agent->anchor(*t0, wall);
      }
    }
  }
  for (std::size_t k = 0; k < impl_->running.size(); ++k) {
    Impl::Running& r = impl_->running[k];
    AgentOptions opt;
    opt.name = "ballast-md-" + std::to_string(k);
    opt.idle.kind = IdleKind::kBusySpin;  // the agent waits on its own clock (replay_agent.hpp)
    if (auto st = r.runner->start(*r.agent, opt); !st) {
      stop();
      return Error("market_data source '" + r.name + "': " + st.error().message);
    }
  }
  return Ok{};
}

bool MarketDataReplay::all_finished() const noexcept {
  return std::all_of(impl_->running.begin(), impl_->running.end(),
                     [](const Impl::Running& r) { return r.runner->finished(); });
}

void MarketDataReplay::stop() noexcept {
  for (auto& r : impl_->running) r.runner->stop();
}

std::uint64_t MarketDataReplay::delivered() const noexcept {
  std::uint64_t n = 0;
  for (const auto& r : impl_->running) n += r.agent->delivered();
  return n;
}

std::vector<std::string> MarketDataReplay::errors() const {
  std::vector<std::string> out;
  for (const auto& r : impl_->running) {
    if (r.runner->running() && !r.runner->finished()) continue;  // not stopped yet
    const ::ballast::ReplayReport rep = r.agent->report();
    if (!rep.status)
      out.push_back("market_data source '" + r.name + "': " + rep.status.error().message);
  }
  return out;
}

std::size_t MarketDataReplay::size() const noexcept {
  return impl_->running.size();
}

}  // namespace ballast::kernel
