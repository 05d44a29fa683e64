// Adapter settings: FIX sessions and order routing (section `fix`), market-data sources (section
// `market_data`). Plain structs with defaults; no YAML, no QuickFIX.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/base/enum_names.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/core/time.hpp"
#include "ballast/engine/engine_config.hpp"

namespace ballast {

// Secret, SecretLookup and is_env_var_name: engine/engine_config.hpp.

// ---------------------------------------------------------------------------------------------
// FIX sessions and routing

enum class FixRole : std::uint8_t { kInitiator, kAcceptor };
enum class FixVersion : std::uint8_t { kFix42, kFix44 };
/// What happens to working orders when a session drops: requery their status after logon, or
/// cancel them after logon.
enum class DisconnectAction : std::uint8_t { kRequery, kCancel };

// Names (to_string() and config/'s parser read these tables), in each enum's order.
constexpr EnumNames<FixRole, FixRole::kAcceptor> kFixRoleNames{{"initiator", "acceptor"}};
constexpr EnumNames<FixVersion, FixVersion::kFix44> kFixVersionNames{{"FIX.4.2", "FIX.4.4"}};
constexpr EnumNames<DisconnectAction, DisconnectAction::kCancel> kDisconnectActionNames{
    {"requery", "cancel"}};

const char* to_string(FixRole v) noexcept;
/// Returns "FIX.4.2" or "FIX.4.4" (the BeginString).
const char* to_string(FixVersion v) noexcept;
const char* to_string(DisconnectAction v) noexcept;

/// TLS on the session's socket. An initiator needs ca_file (QuickFIX does not verify the server
/// without one); an acceptor needs cert_file and key_file.
struct TlsConfig {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

/// Delay before reconnecting, doubling from min to max.
struct ReconnectConfig {
  Duration min_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::seconds(30);
};

/// One FIX session to a broker (or, as acceptor, from a test client).
struct FixSessionConfig {
  std::string name;
  bool enabled = true;
  FixRole role = FixRole::kInitiator;
  FixVersion fix_version = FixVersion::kFix44;
  std::string host;         ///< initiator: where to connect; acceptor: bind address (empty: all)
  std::optional<int> port;  ///< required, 1..65535
  std::string sender_comp_id;
  std::string target_comp_id;
  int heartbeat_s = 30;
  std::string username_env;  ///< name of the variable holding Username (553); empty: none sent
  std::string password_env;  ///< name of the variable holding Password (554); empty: none sent
  std::string username;      ///< resolved by resolve_secrets()
  Secret password;           ///< resolved by resolve_secrets()
  TlsConfig tls{};
  std::string store_dir = "var/fix/store";
  std::string log_dir = "var/fix/log";
  std::string data_dictionary;  ///< QuickFIX XML dictionary; empty: the adapter's built-in one
  ReconnectConfig reconnect{};
  DisconnectAction on_disconnect = DisconnectAction::kRequery;
  /// A resent order older than this goes out as a gap fill instead (it is stale by then).
  Duration stale_resend_max_age = std::chrono::seconds(5);
  /// The broker takes OrderMassCancelRequest (35=q, FIX 4.4): a global kill switch or cancel-all
  /// sends one 35=q (cancel all orders) on this session instead of one 35=F per working order,
  /// and falls back to the 35=Fs if the broker refuses it (35=r with 531=0, a session or business
  /// reject of the q) or does not answer it within mass_cancel_timeout (docs/fix.md, "Mass
  /// cancel"). Off by default: only for a broker that supports it. Initiators only.
  bool mass_cancel = false;
  Duration mass_cancel_timeout = std::chrono::seconds(2);

  /// Checks one session on its own. A variable named by username_env/password_env that resolved
  /// to nothing is a violation only when the session is enabled.
  ConfigViolations validate() const;
};

/// Sends orders matching `instrument` and/or `account` (at least one) to `session`.
struct RoutingRule {
  std::string instrument;  ///< empty: any instrument
  std::string account;     ///< empty: any account
  std::string session;
};

/// Order routing: the first matching rule in file order wins, else default_session.
struct RoutingConfig {
  std::string default_session;  ///< may be empty when there is exactly one session
  std::vector<RoutingRule> rules;
};

/// The FIX side of the engine.
struct FixConfig {
  std::vector<FixSessionConfig> sessions;
  RoutingConfig routing{};

  /// Fills username and password of every session from the variables they name. A variable that
  /// is not set leaves the field empty (validate() reports it for enabled sessions).
  void resolve_secrets(const SecretLookup& lookup);

  /// Returns the session an order for (account, instrument) goes to, or nullptr when none does.
  const FixSessionConfig* route(std::string_view account, std::string_view instrument) const;

  /// Checks every session, unique names and comp-id pairs, and that routing names defined
  /// sessions, known instruments and known accounts.
  ConfigViolations validate(const InstrumentTable& instruments,
                            const std::vector<AccountConfig>& accounts) const;
};

// ---------------------------------------------------------------------------------------------
// Market-data sources

/// lobster: LOBSTER message+orderbook files. taq: trade and quote ticks. minute_bars, daily_closes:
/// bar files. tape: Ballast's tape format. fix: market data from a FIX session.
enum class MarketDataKind : std::uint8_t {
  kLobster,
  kTaq,
  kMinuteBars,
  kDailyCloses,
  kFix,
  kTape,  ///< Ballast's own tape file (adapters/tape_file.hpp)
};
/// recorded: replay at the recorded pace. fast: as fast as the engine takes it. speed: recorded
/// pace times `speed`.
enum class ReplayPace : std::uint8_t { kRecorded, kFast, kSpeed };

constexpr EnumNames<MarketDataKind, MarketDataKind::kTape> kMarketDataKindNames{
    {"lobster", "taq", "minute_bars", "daily_closes", "fix", "tape"}};
constexpr EnumNames<ReplayPace, ReplayPace::kSpeed> kReplayPaceNames{{"recorded", "fast", "speed"}};

const char* to_string(MarketDataKind v) noexcept;
const char* to_string(ReplayPace v) noexcept;

/// A symbol as the source spells it, and the instrument it is.
struct SymbolMapping {
  std::string source;
  std::string instrument;
};

/// One feed of market data.
struct MarketDataSourceConfig {
  std::string name;
  MarketDataKind kind = MarketDataKind::kDailyCloses;
  std::vector<std::string> paths;      ///< file kinds only; relative to the working directory
  std::vector<SymbolMapping> symbols;  ///< empty: source symbols are instrument symbols
  std::string session;                 ///< kind fix only: the FIX session that carries the data
  ReplayPace pace = ReplayPace::kRecorded;
  double speed = 1.0;  ///< pace speed only; (0, 1000000]
};

/// Daily share volumes per instrument, for the average daily volume (compliance.max_adv_share):
/// the same wide CSV layout as daily closes (a date column, one column per symbol), a cell the
/// day's volume in shares. ADV averages the `lookback_days` rows strictly before the session.
struct AdvSourceConfig {
  std::string path;  ///< empty: no ADV data (then max_adv_share must be `off`)
  int lookback_days = 20;
};

/// Every market-data source the engine reads.
struct MarketDataConfig {
  std::vector<MarketDataSourceConfig> sources;
  AdvSourceConfig adv;

  /// Checks each source (paths for file kinds, an existing session for fix, mapped symbols are
  /// known instruments) and unique names.
  ConfigViolations validate(const InstrumentTable& instruments, const FixConfig& fix) const;
};

}  // namespace ballast
