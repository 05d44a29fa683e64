// The engine configuration: one YAML file -> Settings (every module's typed config struct), with
// every problem reported at once as file:line:column diagnostics. The only place that knows YAML.
//
// Loading is cold path and single-threaded; Settings is read once at start and passed by const&.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/adapters/adapters_config.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/execution/execution_config.hpp"
#include "ballast/http/http_config.hpp"
#include "ballast/risk/compliance_config.hpp"

namespace ballast::config {

/// One problem in a configuration file. line and column are 1-based; 0 means unknown.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
};

/// Returns "file:line:column: message", leaving out a zero line or column.
std::string format(const Diagnostic& d);

/// The schema version this build reads (the optional top-level `version` key).
inline constexpr int kSchemaVersion = 1;

/// The whole engine configuration: one member per top-level section of the file.
struct Settings {
  int version = kSchemaVersion;
  CoreLoopConfig engine;                        ///< `engine`
  InstrumentTable instruments;                  ///< `instruments`, ids in file order
  TriggerConfig triggers;                       ///< `triggers`: defaults for every model
  std::vector<ModelConfig> models;              ///< `models`
  std::vector<AccountConfig> accounts;          ///< `accounts`
  MarketDataQualityConfig market_data_quality;  ///< `market_data_quality`
  OptimizerConfig optimizer;                    ///< `optimizer`
  ApprovalConfig approval;                      ///< `approval`
  ExecutionConfig execution;                    ///< `execution`
  ComplianceConfig compliance;                  ///< `compliance`
  FixConfig fix;                                ///< `fix`
  MarketDataConfig market_data;                 ///< `market_data`
  JournalConfig journal;                        ///< `journal`
  LoggingConfig logging;                        ///< `logging`
  http::HttpConfig operator_http;               ///< `operator.http`
};

/// Runs every module's validate() (and the cross-section checks) on `s`; paths are full key paths
/// from the top of the file ("fix.sessions[0].port"). Empty when `s` is valid. For Settings built
/// in code; load_*() already does this.
ConfigViolations validate(const Settings& s);

/// Looks up an environment variable by name; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Returns an EnvLookup that reads the process environment (getenv).
EnvLookup process_env();

/// The outcome of loading: Settings when there was no problem at all, else every diagnostic.
struct LoadResult {
  std::optional<Settings> settings;
  std::vector<Diagnostic> diagnostics;  ///< sorted by line, then column

  bool ok() const noexcept { return settings.has_value() && diagnostics.empty(); }
};

/// What load_file does with the input files a configuration names (market_data.sources[].path(s),
/// execution.volume_profile, and for enabled FIX sessions the TLS files and data_dictionary).
enum class InputFiles {
  kRead,    ///< open each one and read market data and the volume profile through (every row)
  kOpen,    ///< only check that each one opens and is not empty
  kIgnore,  ///< do not look at them
};

/// Reads, checks and resolves the configuration in `path`. Relative input file paths are resolved
/// against the directory of `path` (output locations -- journal.dir, FIX store_dir and log_dir,
/// logging.file -- stay relative to the working directory). Secrets (FIX username_env and
/// password_env) are resolved through `env`. Input files are checked as `files` says; a problem
/// names the key, the file and, for a bad row, its line. Never throws for bad input: a missing,
/// unreadable, empty or malformed file gives diagnostics.
LoadResult load_file(const std::string& path, const EnvLookup& env = process_env(),
                     InputFiles files = InputFiles::kRead);

/// Same as load_file for text already in memory; `name` is the file name used in diagnostics.
/// Paths stay as written (relative to the working directory) and no input file is opened.
LoadResult load_string(std::string_view yaml_text, const std::string& name,
                       const EnvLookup& env = process_env());

/// Returns a few readable lines describing `s` (counts and the main choices of each section).
/// Never contains a secret.
std::string summary(const Settings& s);

/// Implements `ballast check-config FILE`: prints every diagnostic (one per line) to err and
/// returns 2, or prints "FILE: ok" and the summary to out and returns 0.
int check_config_main(const std::string& path, std::ostream& out, std::ostream& err,
                      const EnvLookup& env = process_env());

}  // namespace ballast::config
