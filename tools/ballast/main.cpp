// The ballast program: subcommands over the engine's modules (composition root).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "ballast/config/config.hpp"
#include "ballast/version.hpp"
#include "logging.hpp"
#include "optimize_command.hpp"

namespace {

constexpr const char* kDescription =
    "Ballast keeps investment portfolios on target: it watches every account's drift on every\n"
    "tick, decides when a rebalance is worth its cost, optimizes the trade list, slices it into\n"
    "child orders, checks each one against pre-trade compliance and sends it over FIX.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "ballast"};
  app.set_version_flag("--version", std::string("ballast ") + ballast::kVersion);
  app.require_subcommand(0, 1);
  app.footer(
      "Exit codes: 0 success, 1 runtime failure, 2 bad input (configuration, arguments).\n"
      "Documentation: README.md, docs/configuration.md, docs/architecture.md.");

  std::string log_level = "warn";
  app.add_option("--log-level", log_level,
                 "Log level on stderr until a configuration's logging section takes over")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();

  std::string config_path;
  auto* check = app.add_subcommand(
      "check-config",
      "Checks a configuration file: prints every problem with file:line:column and exits 2, "
      "or prints a summary and exits 0.");
  check->add_option("file", config_path, "YAML configuration file")->required();

  std::string problem_path;
  auto* optimize = app.add_subcommand(
      "optimize",
      "Solves one rebalancing problem given as JSON (docs/optimize.md) and prints the solution "
      "as JSON: weights, trades in shares, objective terms, active constraints, timing.");
  optimize->add_option("--input", problem_path, "problem file (JSON)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help/version on success codes; argument errors exit 2 like other bad input.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  ballast::LoggingConfig log_cfg;
  for (auto l : {ballast::LogLevel::kTrace, ballast::LogLevel::kDebug, ballast::LogLevel::kInfo,
                 ballast::LogLevel::kWarn, ballast::LogLevel::kError, ballast::LogLevel::kCritical,
                 ballast::LogLevel::kOff}) {
    if (log_level == ballast::to_string(l)) log_cfg.level = l;
  }
  auto logger = ballast::tools::start_logging(log_cfg);
  if (!logger) {
    std::cerr << "ballast: " << logger.error().message << "\n";
    return 1;
  }

  int rc = 0;
  if (*check) {
    spdlog::info("check-config {}", config_path);
    rc = ballast::config::check_config_main(config_path, std::cout, std::cerr);
    spdlog::info("check-config {}: {}", config_path, rc == 0 ? "ok" : "problems found");
  } else if (*optimize) {
    rc = ballast::tools::optimize_main(problem_path, std::cout, std::cerr);
  } else {
    std::cout << app.help();
  }
  ballast::tools::stop_logging();
  return rc;
}
