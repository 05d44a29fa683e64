// Engine configuration: core loop, rebalancing triggers, model portfolios, accounts, market-data
// quality, optimizer, journal and logging. Plain structs with defaults; no YAML (config/ reads it).
//
// Every struct has validate(), which returns every rule it breaks as a ConfigViolation whose path
// names the offending key relative to the struct ("band", "weights.SPY", "[2].model"); config/
// prefixes the section and turns paths into file:line:column.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/base/enum_names.hpp"
#include "ballast/core/fixed_point.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/core/time.hpp"
#include "ballast/engine/idle_strategy.hpp"

namespace ballast {

// ---------------------------------------------------------------------------------------------
// Violations (shared by every module's validate())

/// One rule a configuration breaks: where (a path of keys such as "accounts[2].model") and what.
struct ConfigViolation {
  std::string path;
  std::string message;

  friend bool operator==(const ConfigViolation&, const ConfigViolation&) = default;
};

/// Everything a validate() found, in the order it checked.
using ConfigViolations = std::vector<ConfigViolation>;

/// Returns `prefix` and `rest` joined as a path: "a" + "b" -> "a.b", "a" + "[0].b" -> "a[0].b";
/// an empty side yields the other.
std::string join_path(std::string_view prefix, std::string_view rest);

/// Appends every violation of `from` to `to` with its path prefixed by `prefix` (see join_path).
void append_violations(ConfigViolations& to, std::string_view prefix, const ConfigViolations& from);

/// Returns true when `s` is a usable id: 1..64 characters from [A-Za-z0-9_.-].
bool is_identifier(std::string_view s) noexcept;

/// Returns the pieces joined into one string, with one allocation. Messages are built with this
/// rather than chains of operator+ on temporaries, which g++ 12 at -O3 misreports under
/// -Wrestrict (GCC bug 105329).
std::string concat(std::initializer_list<std::string_view> parts);

/// Returns `v` as the shortest decimal text that reads back to the same double ("0.95", "1e-09").
std::string format_double(double v);

/// Returns `d` in the largest unit that divides it exactly: "250ms", "30s", "5m", "1h", "0s".
std::string format_duration(Duration d);

/// Which ends of a range [lo, hi] are included.
enum class Interval : std::uint8_t { kClosed, kLeftOpen, kRightOpen, kOpen };

/// Appends violations with uniform messages for validate() implementations; each check returns
/// whether it passed. Not thread-safe; lives for one validate() call.
class ConfigCheck {
 public:
  explicit ConfigCheck(ConfigViolations& out) noexcept : out_(out) {}

  void fail(std::string path, std::string message);
  /// "must be in (0, 1], got 1.5"; an infinite bound reads "must be > 0, got -1". NaN fails.
  bool real(std::string_view path, double v, double lo, double hi,
            Interval ends = Interval::kClosed);
  /// "must be in 1..65535, got 70000".
  bool integer(std::string_view path, std::int64_t v, std::int64_t lo, std::int64_t hi);
  /// lo <= d <= hi: "must be between 1us and 1s, got 5s".
  bool duration(std::string_view path, Duration d, Duration lo, Duration hi);
  /// d > 0.
  bool positive(std::string_view path, Duration d);
  /// A required text value: "must not be empty".
  bool not_empty(std::string_view path, std::string_view s);
  /// is_identifier(s), with a message naming the allowed characters.
  bool identifier(std::string_view path, std::string_view s);
  /// `symbol` is in the instrument table: "unknown instrument 'XYZ'".
  bool instrument(std::string_view path, std::string_view symbol, const InstrumentTable& table);

 private:
  ConfigViolations& out_;
};

/// A credential read from the environment. It has no operator<< and summaries never show it; only
/// the FIX logon calls reveal().
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  bool empty() const noexcept { return value_.empty(); }
  const std::string& reveal() const noexcept { return value_; }

 private:
  std::string value_;
};

/// Looks up an environment variable by name; nullopt when it is not set. Injected so tests do not
/// depend on the real environment.
using SecretLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Returns true when `s` is a POSIX environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_var_name(std::string_view s) noexcept;

/// Checks a `*_env` key naming the environment variable that holds a secret: `var` must be a
/// variable name (not the secret itself), and when `required` the variable must have been set and
/// not empty (`resolved`); `why` (when not empty) says in parentheses why it is required. Empty
/// `var`: nothing to check.
void check_env_reference(ConfigCheck& check, bool required, std::string_view key,
                         const std::string& var, bool resolved, std::string_view why = {});

/// A local exchange time of day, minutes after midnight (0..1439). Time-zone free on purpose: the
/// engine runs one exchange calendar and the clock it is given.
struct TimeOfDay {
  int minutes = 0;

  static constexpr TimeOfDay at(int hour, int minute) noexcept { return {hour * 60 + minute}; }
  friend constexpr auto operator<=>(TimeOfDay, TimeOfDay) = default;
  /// "HH:MM", zero-padded.
  std::string to_string() const;
};

// ---------------------------------------------------------------------------------------------
// Core loop (section `engine`)

/// The names idle_kind_name() returns and config/ reads, in the enum's order.
constexpr EnumNames<IdleKind, IdleKind::kBackOff> kIdleKindNames{
    {"busy_spin", "yield", "back_off"}};
/// Returns "busy_spin", "yield" or "back_off" ("back_off" for a value outside the enum).
const char* idle_kind_name(IdleKind k) noexcept;

/// Settings of the back-off idle strategy (ignored by busy_spin and yield).
struct BackOffConfig {
  std::uint32_t max_spins = 100;  ///< empty passes spent spinning before yielding
  std::uint32_t max_yields = 50;  ///< then empty passes spent yielding before parking
  Duration min_park = std::chrono::microseconds(1);  ///< first sleep; doubles up to max_park
  Duration max_park = std::chrono::microseconds(500);
};

/// Capacities of the bounded queues into and out of the core thread (events, not bytes).
/// (The inbound side is not configurable: each producer thread gets a fixed share of the core's
/// MPSC queue, MpscQueue's kPerProducer.)
struct QueueCapacities {
  std::uint32_t outbound = 65'536;  ///< core -> FIX sender, journal, monitors
};

/// The core loop: idle strategy, batching, queue sizes and CPU pinning.
struct CoreLoopConfig {
  IdleKind idle_strategy = IdleKind::kBackOff;
  /// The FIX sender thread's idle strategy (between intents, and while an intent waits for the
  /// journal to make it durable); unset: idle_strategy. Both use back_off's settings.
  std::optional<IdleKind> sender_idle_strategy{};
  BackOffConfig back_off{};
  std::uint32_t batch_size = 256;         ///< max events taken from one queue per pass, 1..65536
  std::uint32_t max_cascade = 1'000'000;  ///< emitted events per input before it is a bug
  QueueCapacities queues{};
  int core_cpu = -1;  ///< CPU the core thread is pinned to; -1 leaves it to the scheduler

  /// The IdleStrategy parameters these settings describe.
  IdleStrategy::Params idle_params() const noexcept {
    IdleStrategy::Params p;
    p.kind = idle_strategy;
    p.max_spins = back_off.max_spins;
    p.max_yields = back_off.max_yields;
    p.min_park = back_off.min_park;
    p.max_park = back_off.max_park;
    return p;
  }
  /// The FIX sender thread's idle strategy: sender_idle_strategy, or else idle_strategy.
  IdleKind sender_idle() const noexcept { return sender_idle_strategy.value_or(idle_strategy); }
  /// The IdleStrategy parameters of the FIX sender thread.
  IdleStrategy::Params sender_idle_params() const noexcept {
    IdleStrategy::Params p = idle_params();
    p.kind = sender_idle();
    return p;
  }

  ConfigViolations validate() const;
};

// ---------------------------------------------------------------------------------------------
// Rebalancing triggers (section `triggers`; overridable per model and per account)

/// How the enabled drift conditions (absolute, relative, tracking_error) combine.
enum class TriggerCombine : std::uint8_t { kAny, kAll };
enum class CalendarFrequency : std::uint8_t { kDaily, kWeekly, kMonthly, kQuarterly };
enum class Weekday : std::uint8_t { kMonday, kTuesday, kWednesday, kThursday, kFriday };
/// Which trading day of a month or quarter a monthly/quarterly calendar trigger uses.
enum class PeriodDay : std::uint8_t { kFirst, kLast };

// Names (to_string() and config/'s parser read these tables), in each enum's order.
constexpr EnumNames<TriggerCombine, TriggerCombine::kAll> kTriggerCombineNames{{"any", "all"}};
constexpr EnumNames<CalendarFrequency, CalendarFrequency::kQuarterly> kCalendarFrequencyNames{
    {"daily", "weekly", "monthly", "quarterly"}};
constexpr EnumNames<Weekday, Weekday::kFriday> kWeekdayNames{
    {"monday", "tuesday", "wednesday", "thursday", "friday"}};
constexpr EnumNames<PeriodDay, PeriodDay::kLast> kPeriodDayNames{{"first", "last"}};

const char* to_string(TriggerCombine v) noexcept;
const char* to_string(CalendarFrequency v) noexcept;
const char* to_string(Weekday v) noexcept;
const char* to_string(PeriodDay v) noexcept;

/// A drift band. Absolute: |w - target| > band (weight points, 0.05 = 5 points). Relative:
/// |w - target| > band * target.
struct BandTrigger {
  bool enabled = false;
  double band = 0.05;
};

/// A rebalance at a fixed time on a schedule. With `hybrid`, a scheduled time only rebalances when
/// the drift condition holds then, and drift alone never triggers between scheduled times.
struct CalendarTrigger {
  bool enabled = false;
  CalendarFrequency frequency = CalendarFrequency::kMonthly;
  TimeOfDay at = TimeOfDay::at(15, 30);
  Weekday weekday = Weekday::kFriday;  ///< weekly only
  PeriodDay day = PeriodDay::kLast;    ///< monthly and quarterly only
  bool hybrid = false;
};

/// Scales the absolute and relative bands by clamp(realised vol / reference_vol, min, max).
struct VolatilityAdaptiveBands {
  bool enabled = false;
  double reference_vol = 0.15;  ///< annualised volatility at which bands are as configured
  int lookback_days = 20;       ///< window of daily returns for the realised volatility
  double min_multiplier = 0.5;
  double max_multiplier = 2.0;
};

/// A deposit or withdrawal larger than nav_share x NAV triggers a rebalance.
struct CashFlowTrigger {
  bool enabled = true;
  double nav_share = 0.02;
};

/// Ex-ante tracking error of current weights against the targets above `threshold` (annualised).
struct TrackingErrorTrigger {
  bool enabled = false;
  double threshold = 0.01;
};

/// Triggers act only between start (inclusive) and end (exclusive), local exchange time.
struct TradingHours {
  TimeOfDay start = TimeOfDay::at(9, 30);
  TimeOfDay end = TimeOfDay::at(16, 0);
};

/// Trades only when the expected benefit exceeds multiplier x the estimated cost.
struct CostBenefitGate {
  bool enabled = true;
  double multiplier = 1.0;
};

/// When to rebalance. Conditions (absolute, relative, tracking_error, calendar, cash_flow) ask for
/// a rebalance; gates (trading_hours, cool_down, rearm_fraction, cost_benefit) may hold it back.
struct TriggerConfig {
  TriggerCombine combine = TriggerCombine::kAny;
  BandTrigger absolute{true, 0.05};
  BandTrigger relative{false, 0.25};
  CalendarTrigger calendar{};
  VolatilityAdaptiveBands volatility_adaptive{};
  CashFlowTrigger cash_flow{};
  TrackingErrorTrigger tracking_error{};
  Duration cool_down = std::chrono::minutes(15);  ///< minimum time between two rebalances
  /// Hysteresis: after a band fires for an instrument it re-arms only once the drift is back
  /// below rearm_fraction x band. 1 = no hysteresis.
  double rearm_fraction = 0.8;
  TradingHours trading_hours{};
  CostBenefitGate cost_benefit{};

  ConfigViolations validate() const;
};

// ---------------------------------------------------------------------------------------------
// Model portfolios and accounts (sections `models`, `accounts`)

/// A target weight of one instrument in a model.
struct TargetWeight {
  std::string symbol;
  double weight = 0.0;
};

/// Tolerance on "weights + cash_buffer sum to 1".
inline constexpr double kWeightSumTolerance = 1e-9;

/// A model portfolio: target weights (plus a cash weight) that accounts follow.
struct ModelConfig {
  std::string id;
  std::string name;                   ///< display name; the loader defaults it to id
  std::vector<TargetWeight> weights;  ///< in file order
  double cash_buffer = 0.0;           ///< target cash weight; weights + cash_buffer = 1
  TriggerConfig triggers{};           ///< effective: the defaults with this model's overrides
  bool overrides_triggers = false;    ///< the model has a `triggers` block

  /// Checks id, weights (known instruments, 0..1, no duplicates, sum) and cash_buffer. Does not
  /// check `triggers` (validate_portfolios does, without repeating inherited problems).
  ConfigViolations validate(const InstrumentTable& instruments) const;
};

/// A position held at start.
struct PositionConfig {
  std::string symbol;
  Qty qty = Qty::zero();  ///< signed; negative is short
};

/// A per-instrument band that replaces the trigger bands for one account.
struct BandOverride {
  std::string symbol;
  std::optional<double> absolute;
  std::optional<double> relative;
};

/// Account-level restrictions on top of the model.
struct AccountOverrides {
  std::vector<std::string> restricted;  ///< never bought or sold, target weight redistributed
  std::vector<std::string> no_buy;
  std::vector<std::string> no_sell;
  std::vector<BandOverride> bands;
};

/// A managed account following one model.
struct AccountConfig {
  std::string id;
  std::string name;  ///< display name; the loader defaults it to id
  std::string model;
  Currency base_currency = Currency::of("USD");
  Money cash = Money::zero();
  std::vector<PositionConfig> positions;  ///< in file order
  AccountOverrides overrides{};
  TriggerConfig triggers{};  ///< effective: the model's triggers with this account's overrides
  bool overrides_triggers = false;

  /// Checks id, model reference, currency, positions and overrides against the instruments.
  /// Does not check `triggers` (validate_portfolios does).
  ConfigViolations validate(const InstrumentTable& instruments,
                            const std::vector<ModelConfig>& models) const;
};

/// Tells whether the key at a full path ("models[0].triggers.absolute.band") is written in the
/// configuration itself rather than inherited.
using WrittenKey = std::function<bool(std::string_view path)>;

/// Checks models and accounts together: each one's validate(), unique ids, and the effective
/// trigger settings of models and accounts that override them. A problem a model or account only
/// inherits is reported once, where it is written (for `triggers.*` that is the caller's job);
/// `written` keeps the ones an override repeats in a key of its own (none when empty). Paths
/// start with "models[i]" and "accounts[i]".
ConfigViolations validate_portfolios(const TriggerConfig& defaults,
                                     const std::vector<ModelConfig>& models,
                                     const std::vector<AccountConfig>& accounts,
                                     const InstrumentTable& instruments,
                                     const WrittenKey& written = {});

// ---------------------------------------------------------------------------------------------
// Market-data quality (section `market_data_quality`)

/// Which price marks a position to market.
enum class MarkPolicy : std::uint8_t { kMid, kLast, kBidForLongs };
constexpr EnumNames<MarkPolicy, MarkPolicy::kBidForLongs> kMarkPolicyNames{
    {"mid", "last", "bid_for_longs"}};
const char* to_string(MarkPolicy v) noexcept;

/// When a quote is too old or too far from the last good one to be used.
struct MarketDataQualityConfig {
  Duration stale_after = std::chrono::seconds(5);
  double max_move_bps = 1'000.0;  ///< a move larger than this from the last good price is held
  MarkPolicy mark = MarkPolicy::kMid;

  ConfigViolations validate() const;
};

// ---------------------------------------------------------------------------------------------
// Optimizer and risk model (section `optimizer`)

/// full: trade every instrument to its target. band_edge: trade breached instruments back to the
/// edge of their band only.
enum class OptimizerMode : std::uint8_t { kFull, kBandEdge };
enum class CovarianceEstimator : std::uint8_t { kSample, kEwma, kLedoitWolf, kFactor };
constexpr EnumNames<OptimizerMode, OptimizerMode::kBandEdge> kOptimizerModeNames{
    {"full", "band_edge"}};
constexpr EnumNames<CovarianceEstimator, CovarianceEstimator::kFactor> kCovarianceEstimatorNames{
    {"sample", "ewma", "ledoit_wolf", "factor"}};
const char* to_string(OptimizerMode v) noexcept;
const char* to_string(CovarianceEstimator v) noexcept;

/// How the covariance of returns is estimated from daily closes.
struct RiskModelConfig {
  CovarianceEstimator estimator = CovarianceEstimator::kLedoitWolf;
  double ewma_decay = 0.94;  ///< ewma only; lambda in (0, 1)
  int factors = 3;           ///< factor only; number of statistical factors
  int lookback_days = 252;   ///< daily returns used
};

/// The rebalancing optimizer: objective weights, constraints and solver limits.
struct OptimizerConfig {
  OptimizerMode mode = OptimizerMode::kFull;
  double tracking_weight = 1.0;  ///< weight of tracking error to target in the objective
  double cost_weight = 1.0;      ///< weight of explicit costs (commissions, spread)
  double impact_weight = 0.0;    ///< weight of market impact
  double turnover_cap = 1.0;     ///< max sum |trade| / NAV per rebalance, (0, 2]
  double cash_buffer = 0.0;      ///< minimum cash weight after trading, [0, 1)
  bool long_only = true;
  Money min_trade_value = Money::zero();  ///< smaller trades are dropped (account currency)
  int max_iterations = 20'000;            ///< the solver's ADMM iteration limit (OptimizerSettings)
  double tolerance = 1e-8;  ///< the solver's ADMM convergence tolerance, absolute and relative
  RiskModelConfig risk_model{};

  ConfigViolations validate() const;
};

// ---------------------------------------------------------------------------------------------
// Approval of rebalances (section `approval`, docs/operator.md "Approval")

/// auto: every trade list goes to the market as the rebalancer decides it. manual: every one
/// waits for an operator's approval. above_value: one whose gross value (the sum of its lines'
/// |quantity| x price) is above `above_value` waits; smaller ones go.
enum class ApprovalMode : std::uint8_t { kAuto, kManual, kAboveValue };
constexpr EnumNames<ApprovalMode, ApprovalMode::kAboveValue> kApprovalModeNames{
    {"auto", "manual", "above_value"}};
const char* to_string(ApprovalMode v) noexcept;

struct ApprovalConfig {
  ApprovalMode mode = ApprovalMode::kAuto;
  /// above_value only (and required there): the gross value above which a list waits, in the
  /// account's currency.
  Money above_value = Money::zero();
  bool above_value_set = false;  ///< the key was given (refused unless mode is above_value)
  /// A waiting list not approved within this is dropped when an operator acts on it (its prices
  /// are old): approving it is refused; the account may trigger again.
  Duration expire_after = std::chrono::minutes(15);

  ConfigViolations validate() const;
};

// ---------------------------------------------------------------------------------------------
// Journal and logging (sections `journal`, `logging`)

/// per_event: fsync after every event. group: fsync every group_commit_us. none: rely on the OS.
enum class FsyncPolicy : std::uint8_t { kPerEvent, kGroup, kNone };
constexpr EnumNames<FsyncPolicy, FsyncPolicy::kNone> kFsyncPolicyNames{
    {"per_event", "group", "none"}};
const char* to_string(FsyncPolicy v) noexcept;

/// The input journal (journal the input, then process).
struct JournalConfig {
  bool enabled = true;
  std::string dir = "var/journal";
  std::uint64_t segment_size = 64ull << 20;  ///< bytes per segment file, 1 MiB..4 GiB
  FsyncPolicy fsync = FsyncPolicy::kGroup;
  std::uint32_t group_commit_us = 200;  ///< group only; 1..1000000
  bool release_after_durable = true;    ///< outputs leave only after their input is durable

  ConfigViolations validate() const;
};

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kCritical, kOff };
constexpr EnumNames<LogLevel, LogLevel::kOff> kLogLevelNames{
    {"trace", "debug", "info", "warn", "error", "critical", "off"}};
const char* to_string(LogLevel v) noexcept;

/// The logger thread's sinks.
struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  std::string file;  ///< empty: no log file
  bool console = true;

  ConfigViolations validate() const;
};

}  // namespace ballast
