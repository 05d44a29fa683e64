// Loading a configuration file: YAML parse (exceptions stop here), schema read, every module's
// validate(), secrets from the environment, diagnostics with positions; summary; check-config.
#include "ballast/config/config.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "ballast/engine/portfolio_book.hpp"
#include "ballast/risk/compliance_config.hpp"
#include "data_files.hpp"
#include "schema.hpp"
#include "yaml_reader.hpp"

namespace ballast::config {

namespace {

/// Larger files are refused before parsing: a configuration is a few kilobytes.
constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

LoadResult failure(const std::string& file, int line, int column, std::string message) {
  LoadResult r;
  r.diagnostics.push_back(Diagnostic{file, line, column, std::move(message)});
  return r;
}

/// 1-based line and column of byte `pos` in `text`.
detail::Location position_of(std::string_view text, std::size_t pos) {
  detail::Location at{1, 1};
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

}  // namespace

namespace {

/// Appends `text` with control bytes (below 0x20, and 0x7f) written as \xNN: a diagnostic
/// echoes values from the file, and a value holding ESC sequences or newlines must not drive the
/// terminal or forge lines of the report. Other bytes (UTF-8 included) are kept.
void append_printable(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 || b == 0x7f) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    } else {
      out += ch;
    }
  }
}

}  // namespace

std::string format(const Diagnostic& d) {
  std::string s;
  append_printable(s, d.file);
  if (d.line > 0) {
    s += ':';
    s += std::to_string(d.line);
    if (d.column > 0) {
      s += ':';
      s += std::to_string(d.column);
    }
  }
  s += ": ";
  append_printable(s, d.message);
  return s;
}

namespace {

ConfigViolations validate_settings(const Settings& s, const WrittenKey& written) {
  ConfigViolations out;
  ConfigCheck check(out);
  if (s.version != kSchemaVersion) {
    check.fail("version", concat({"unsupported schema version ", std::to_string(s.version),
                                  "; this build reads version ", std::to_string(kSchemaVersion)}));
  }
  append_violations(out, "engine", s.engine.validate());
  if (s.instruments.size() == 0) {
    check.fail("instruments", "at least one instrument is required");
  }
  append_violations(out, "triggers", s.triggers.validate());
  append_violations(out, "",
                    validate_portfolios(s.triggers, s.models, s.accounts, s.instruments, written));
  append_violations(out, "market_data_quality", s.market_data_quality.validate());
  append_violations(out, "optimizer", s.optimizer.validate());
  append_violations(out, "approval", s.approval.validate());
  append_violations(out, "execution", s.execution.validate());
  append_violations(out, "compliance", s.compliance.validate(s.instruments));
  // A target above what the optimizer plans buys to (planned_weight_bound of its instrument's
  // weight cap) can never be reached: its drift never closes, so the account's
  // drift triggers stay spent, and in band-edge mode the band's lower edge falls above the bound.
  // Refused. The target is the one the book holds, after the weight of the restricted
  // instruments (compliance.restricted, and an account's own overrides.restricted) is spread over
  // the others pro rata (restricted_spread_scale, as PortfolioBook::add_account).
  auto over_cap = [&](const ModelConfig& m, const std::vector<std::string>& extra, auto&& report) {
    auto restricted = [&](const std::string& sym) {
      return std::find(s.compliance.restricted.begin(), s.compliance.restricted.end(), sym) !=
                 s.compliance.restricted.end() ||
             std::find(extra.begin(), extra.end(), sym) != extra.end();
    };
    double restricted_w = 0;
    for (const TargetWeight& tw : m.weights)
      if (restricted(tw.symbol)) restricted_w += tw.weight;
    const double scale = restricted_spread_scale(m.cash_buffer, restricted_w);
    for (const TargetWeight& tw : m.weights) {
      if (restricted(tw.symbol)) continue;
      const double cap = s.compliance.max_weight.cap_of(tw.symbol);
      const double target = tw.weight * scale;
      if (target > planned_weight_bound(cap) + 1e-12) report(tw.symbol, target, cap, restricted_w);
    }
  };
  auto why = [](const std::string& sym, double target, double cap, const char* spread) {
    return concat({"target ", std::to_string(target), spread, " is above 99 % of ",
                   "compliance.max_weight ", std::to_string(cap), " for ", sym,
                   ", what the optimizer plans buys to: the account could never reach it"});
  };
  for (const ModelConfig& m : s.models) {
    over_cap(m, {}, [&](const std::string& sym, double t, double cap, double spread_w) {
      check.fail(
          "models[" + m.id + "].weights." + sym,
          why(sym, t, cap, spread_w > 0 ? " (with compliance.restricted's weight spread)" : ""));
    });
  }
  for (const AccountConfig& ac : s.accounts) {
    if (ac.overrides.restricted.empty()) continue;
    for (const ModelConfig& m : s.models) {
      if (m.id != ac.model) continue;
      std::vector<std::string> model_level;  // said above already
      over_cap(m, {},
               [&](const std::string& sym, double, double, double) { model_level.push_back(sym); });
      over_cap(m, ac.overrides.restricted,
               [&](const std::string& sym, double t, double cap, double) {
                 if (std::find(model_level.begin(), model_level.end(), sym) != model_level.end())
                   return;
                 check.fail("accounts[" + ac.id + "].overrides.restricted",
                            why(sym, t, cap, " (with the account's restricted weight spread)"));
               });
    }
  }
  append_violations(out, "fix", s.fix.validate(s.instruments, s.accounts));
  append_violations(out, "market_data", s.market_data.validate(s.instruments, s.fix));
  append_violations(out, "journal", s.journal.validate());
  append_violations(out, "logging", s.logging.validate());
  append_violations(out, "operator.http", s.operator_http.validate());
  return out;
}

}  // namespace

ConfigViolations validate(const Settings& s) {
  return validate_settings(s, {});
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

namespace {

/// load_string and load_file: `base_dir` (set by load_file) resolves relative input paths;
/// `files` says what is done with the files the configuration names.
LoadResult load_text(std::string_view yaml_text, const std::string& name, const EnvLookup& env,
                     const std::filesystem::path* base_dir, InputFiles files) {
  // yaml-cpp reads NUL as the end of input; a file with one is not a text configuration.
  if (const auto nul = yaml_text.find('\0'); nul != std::string_view::npos) {
    const auto at = position_of(yaml_text, nul);
    return failure(name, at.line, at.column,
                   "the file is binary (it contains a NUL byte), not a YAML configuration");
  }
  detail::Document doc(name);
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::DeepRecursion& e) {
    const auto at = detail::location_of(e.mark);
    return failure(name, at.line, at.column, "YAML nesting is too deep to be a configuration");
  } catch (const YAML::Exception& e) {
    const auto at = detail::location_of(e.mark);
    return failure(name, at.line, at.column, concat({"YAML syntax error: ", e.msg}));
  } catch (const std::exception& e) {
    return failure(name, 0, 0, concat({"cannot parse the file as YAML: ", e.what()}));
  }

  if (docs.empty() || (docs.size() == 1 && docs.front().IsNull())) {
    return failure(name, 1, 0,
                   "the file is empty; a configuration needs at least an 'instruments' section");
  }
  if (docs.size() > 1) {
    const auto at = detail::location_of(docs[1].Mark());
    doc.report(at, "", "a configuration is one YAML document; a second one ('---') starts here");
  }
  const YAML::Node& root = docs.front();
  if (!root.IsMap()) {
    const auto at = detail::location_of(root.Mark());
    return failure(name, at.line > 0 ? at.line : 1, at.column,
                   concat({"not a configuration: expected top-level sections such as "
                           "'instruments:', got ",
                           root.IsScalar() ? "plain text" : detail::describe(root)}));
  }

  Settings settings;
  try {
    detail::read_settings(doc, root, settings);
    if (base_dir != nullptr) detail::resolve_input_paths(settings, *base_dir);
    settings.fix.resolve_secrets(env);
    settings.operator_http.resolve_secrets(env);
    const auto written = [&doc](std::string_view path) { return doc.has(path); };
    for (const auto& v : validate_settings(settings, written)) {
      if (doc.already_reported(v.path)) continue;
      doc.report(doc.locate(v.path), v.path, v.message);
    }
    // Contents are read only when everything else is right: the readers resolve symbols against
    // the instruments, which must be known first.
    if (files != InputFiles::kIgnore) {
      detail::check_input_files(doc, settings, files == InputFiles::kRead && !doc.has_errors());
    }
  } catch (const std::exception& e) {
    // Reading never throws for bad input; this is a last line so a bug is a diagnostic, not a
    // crash of check-config.
    doc.report({}, "", concat({"internal error while reading the configuration: ", e.what()}));
  }

  LoadResult result;
  result.diagnostics = doc.take_diagnostics();
  if (result.diagnostics.empty()) result.settings = std::move(settings);
  return result;
}

}  // namespace

LoadResult load_string(std::string_view yaml_text, const std::string& name, const EnvLookup& env) {
  return load_text(yaml_text, name, env, nullptr, InputFiles::kIgnore);
}

LoadResult load_file(const std::string& path, const EnvLookup& env, InputFiles files) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    return failure(path, 0, 0, "cannot read the configuration: the file does not exist");
  }
  if (fs::is_directory(status)) {
    return failure(path, 0, 0, "cannot read the configuration: this is a directory, not a file");
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    return failure(path, 0, 0,
                   concat({"the file is ", std::to_string(size),
                           " bytes; a configuration is at most 16 MiB"}));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return failure(path, 0, 0, concat({"cannot open the configuration: ", std::strerror(errno)}));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return failure(path, 0, 0, "cannot read the configuration: read error");
  }
  const fs::path base_dir = fs::path(path).parent_path();
  return load_text(text.str(), path, env, &base_dir, files);
}

std::string summary(const Settings& s) {
  const auto count = [](std::size_t n, const char* noun) {
    return concat({std::to_string(n), " ", noun, n == 1 ? "" : "s"});
  };
  std::ostringstream o;
  std::map<std::string, int> classes;
  for (const auto& i : s.instruments) ++classes[to_string(i.asset_class)];
  o << "instruments: " << s.instruments.size();
  const char* sep = " (";
  for (const auto& [cls, n] : classes) {
    o << sep << cls << ' ' << n;
    sep = ", ";
  }
  o << (classes.empty() ? "" : ")") << '\n';

  o << "models: " << s.models.size();
  sep = " (";
  for (const auto& m : s.models) {
    o << sep << m.id << ": " << count(m.weights.size(), "instrument");
    sep = ", ";
  }
  o << (s.models.empty() ? "" : ")") << '\n';

  o << "accounts: " << s.accounts.size();
  sep = " (";
  for (const auto& a : s.accounts) {
    o << sep << a.id << " -> " << a.model;
    sep = ", ";
  }
  o << (s.accounts.empty() ? "" : ")") << '\n';

  const auto& t = s.triggers;
  o << "triggers: combine " << to_string(t.combine);
  if (t.absolute.enabled) o << ", absolute band " << format_double(t.absolute.band);
  if (t.relative.enabled) o << ", relative band " << format_double(t.relative.band);
  if (t.calendar.enabled) {
    o << ", calendar " << to_string(t.calendar.frequency) << " at " << t.calendar.at.to_string()
      << (t.calendar.hybrid ? " (hybrid)" : "");
  }
  if (t.volatility_adaptive.enabled) o << ", volatility-adaptive bands";
  if (t.tracking_error.enabled) {
    o << ", tracking error > " << format_double(t.tracking_error.threshold);
  }
  if (t.cash_flow.enabled) {
    o << ", cash flow > " << format_double(t.cash_flow.nav_share) << " of NAV";
  }
  o << "; cool-down " << format_duration(t.cool_down) << ", hours "
    << t.trading_hours.start.to_string() << "-" << t.trading_hours.end.to_string() << '\n';

  o << "engine: idle " << idle_kind_name(s.engine.idle_strategy) << ", FIX sender idle "
    << idle_kind_name(s.engine.sender_idle()) << ", batch " << s.engine.batch_size << '\n';
  o << "optimizer: " << to_string(s.optimizer.mode) << ", risk model "
    << to_string(s.optimizer.risk_model.estimator) << ", turnover cap "
    << format_double(s.optimizer.turnover_cap) << '\n';
  const auto& e = s.execution;
  o << "execution: " << to_string(e.algo) << " over " << format_duration(e.horizon) << " every "
    << format_duration(e.interval) << ", limit " << to_string(e.limit.policy) << '\n';
  const auto& c = s.compliance;
  o << "compliance: " << c.restricted.size() << " restricted, max order notional "
    << (c.max_order_notional ? c.max_order_notional->to_string() : std::string("unlimited"))
    << ", price collar " << format_double(c.price_collar_bps) << " bps\n";

  std::size_t enabled = 0;
  for (const auto& f : s.fix.sessions) enabled += f.enabled ? 1 : 0;
  o << "fix: " << count(s.fix.sessions.size(), "session") << " (" << enabled << " enabled)";
  if (!s.fix.routing.default_session.empty()) {
    o << ", default route " << s.fix.routing.default_session;
  }
  if (!s.fix.routing.rules.empty()) o << ", " << count(s.fix.routing.rules.size(), "routing rule");
  o << '\n';
  for (const auto& f : s.fix.sessions) {
    o << "  " << f.name << ": " << to_string(f.fix_version) << ' ' << to_string(f.role) << ' '
      << f.host << ':' << (f.port ? *f.port : 0) << ", " << f.sender_comp_id << " -> "
      << f.target_comp_id;
    if (f.tls.enabled) o << ", TLS";
    // The variable's name only; the secret itself is never printed.
    if (!f.password_env.empty()) o << ", password from $" << f.password_env;
    if (!f.enabled) o << " (disabled)";
    o << '\n';
  }
  o << "market data: " << count(s.market_data.sources.size(), "source");
  sep = " (";
  for (const auto& m : s.market_data.sources) {
    o << sep << m.name << ": " << to_string(m.kind);
    sep = ", ";
  }
  o << (s.market_data.sources.empty() ? "" : ")") << '\n';

  const auto& j = s.journal;
  if (j.enabled) {
    o << "journal: " << j.dir << ", fsync " << to_string(j.fsync);
    if (j.fsync == FsyncPolicy::kGroup) o << " every " << j.group_commit_us << "us";
    o << '\n';
  } else {
    o << "journal: off\n";
  }
  o << "logging: " << to_string(s.logging.level);
  if (!s.logging.file.empty()) o << " to " << s.logging.file;
  if (s.logging.console) o << (s.logging.file.empty() ? " to the console" : " and the console");
  o << '\n';
  const auto& h = s.operator_http;
  if (h.enabled) {
    o << "operator: " << (h.tls.enabled ? "https://" : "http://")
      << (h.bind.find(':') != std::string::npos ? "[" + h.bind + "]" : h.bind) << ":"
      << (h.port == 0 ? std::string("(any free port)") : std::to_string(h.port))
      << ", read token from $" << h.read_token_env;
    if (!h.control_token_env.empty()) o << ", control token from $" << h.control_token_env;
    o << '\n';
  }
  return o.str();
}

int check_config_main(const std::string& path, std::ostream& out, std::ostream& err,
                      const EnvLookup& env) {
  const LoadResult r = load_file(path, env);
  if (!r.ok()) {
    for (const auto& d : r.diagnostics) err << format(d) << '\n';
    if (r.diagnostics.empty()) err << path << ": the configuration could not be loaded\n";
    return 2;
  }
  // Every input file (recorded tapes included) was read to its end by load_file (data_files.cpp):
  // a bad row is reported now (file:line), not after part of the day has traded.
  out << path << ": ok\n" << summary(*r.settings);
  return 0;
}

}  // namespace ballast::config
