// Adapter settings: names, secret resolution, routing and validation rules.
#include "ballast/adapters/adapters_config.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace ballast {

// Each name falls back to what the code it replaced returned for a value outside the enum.
const char* to_string(FixRole v) noexcept {
  return kFixRoleNames.name_or(v, "initiator");
}
const char* to_string(FixVersion v) noexcept {
  return kFixVersionNames.name_or(v, "FIX.4.4");
}
const char* to_string(DisconnectAction v) noexcept {
  return kDisconnectActionNames.name_or(v, "requery");
}
const char* to_string(MarketDataKind v) noexcept {
  return kMarketDataKindNames.name_or(v, "daily_closes");
}
const char* to_string(ReplayPace v) noexcept {
  return kReplayPaceNames.name_or(v, "recorded");
}

namespace {

/// A CompID goes into tags 49/56 verbatim: printable ASCII, no spaces or the '|' log delimiter.
bool is_comp_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f && c != '|'; });
}

void check_comp_id(ConfigCheck& check, std::string_view path, std::string_view id) {
  if (id.empty()) {
    check.fail(std::string(path), "must not be empty");
  } else if (!is_comp_id(id)) {
    check.fail(std::string(path), concat({"'", id,
                                          "' is not a valid CompID: use 1 to 64 printable ASCII "
                                          "characters without spaces or '|'"}));
  }
}

bool is_file_kind(MarketDataKind k) noexcept {
  return k != MarketDataKind::kFix;
}

}  // namespace

ConfigViolations FixSessionConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.identifier("name", name);
  if (role == FixRole::kInitiator && host.empty()) {
    check.fail("host", "missing required key 'host': an initiator connects to host:port");
  }
  if (!port) {
    check.fail("port", "missing required key 'port' (1..65535)");
  } else {
    check.integer("port", *port, 1, 65'535);
  }
  check_comp_id(check, "sender_comp_id", sender_comp_id);
  check_comp_id(check, "target_comp_id", target_comp_id);
  if (!sender_comp_id.empty() && sender_comp_id == target_comp_id) {
    check.fail("target_comp_id",
               concat({"must differ from sender_comp_id ('", sender_comp_id, "')"}));
  }
  check.integer("heartbeat_s", heartbeat_s, 1, 3'600);
  check_env_reference(check, enabled, "username_env", username_env, !username.empty(),
                      "the session is enabled");
  check_env_reference(check, enabled, "password_env", password_env, !password.empty(),
                      "the session is enabled");
  if (tls.enabled) {
    if (role == FixRole::kInitiator && tls.ca_file.empty()) {
      check.fail("tls.ca_file",
                 "TLS on an initiator needs ca_file: without it the broker's certificate is not "
                 "verified");
    }
    if (role == FixRole::kAcceptor && (tls.cert_file.empty() || tls.key_file.empty())) {
      check.fail("tls", "TLS on an acceptor needs cert_file and key_file");
    } else if (tls.cert_file.empty() != tls.key_file.empty()) {
      check.fail(tls.cert_file.empty() ? "tls.cert_file" : "tls.key_file",
                 "cert_file and key_file go together: set both or neither");
    }
  }
  check.not_empty("store_dir", store_dir);
  check.not_empty("log_dir", log_dir);
  const bool min_ok = check.duration("reconnect.min_backoff", reconnect.min_backoff,
                                     std::chrono::milliseconds(10), std::chrono::hours(1));
  const bool max_ok = check.duration("reconnect.max_backoff", reconnect.max_backoff,
                                     std::chrono::milliseconds(10), std::chrono::hours(1));
  if (min_ok && max_ok && reconnect.max_backoff < reconnect.min_backoff) {
    check.fail("reconnect.max_backoff",
               concat({"must be >= min_backoff (", format_duration(reconnect.min_backoff),
                       "), got ", format_duration(reconnect.max_backoff)}));
  }
  check.duration("stale_resend_max_age", stale_resend_max_age, std::chrono::milliseconds(1),
                 std::chrono::hours(24));
  if (mass_cancel && fix_version == FixVersion::kFix42) {
    check.fail(
        "mass_cancel",
        "OrderMassCancelRequest (35=q) does not exist in FIX 4.2: needs fix_version FIX.4.4");
  }
  if (mass_cancel && role != FixRole::kInitiator) {
    check.fail("mass_cancel", "applies to initiator sessions only (the engine's order routes)");
  }
  check.duration("mass_cancel_timeout", mass_cancel_timeout, std::chrono::milliseconds(10),
                 std::chrono::minutes(1));
  return out;
}

void FixConfig::resolve_secrets(const SecretLookup& lookup) {
  for (auto& s : sessions) {
    if (!s.username_env.empty() && is_env_var_name(s.username_env)) {
      s.username = lookup(s.username_env).value_or(std::string());
    }
    if (!s.password_env.empty() && is_env_var_name(s.password_env)) {
      s.password = Secret(lookup(s.password_env).value_or(std::string()));
    }
  }
}

const FixSessionConfig* FixConfig::route(std::string_view account,
                                         std::string_view instrument) const {
  auto by_name = [&](std::string_view name) -> const FixSessionConfig* {
    for (const auto& s : sessions) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  for (const auto& r : routing.rules) {
    const bool inst_ok = r.instrument.empty() || r.instrument == instrument;
    const bool acct_ok = r.account.empty() || r.account == account;
    if (inst_ok && acct_ok) return by_name(r.session);
  }
  if (!routing.default_session.empty()) return by_name(routing.default_session);
  return sessions.size() == 1 ? &sessions.front() : nullptr;
}

ConfigViolations FixConfig::validate(const InstrumentTable& instruments,
                                     const std::vector<AccountConfig>& accounts) const {
  ConfigViolations out;
  ConfigCheck check(out);
  std::unordered_map<std::string_view, std::size_t> names;
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> comp_ids;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    const auto& s = sessions[i];
    const std::string prefix = concat({"sessions[", std::to_string(i), "]"});
    append_violations(out, prefix, s.validate());
    if (!s.name.empty()) {
      auto [it, inserted] = names.emplace(s.name, i);
      if (!inserted) {
        check.fail(prefix + ".name",
                   concat({"duplicate session name '", s.name, "' (first defined as sessions[",
                           std::to_string(it->second), "])"}));
      }
    }
    if (!s.sender_comp_id.empty() && !s.target_comp_id.empty()) {
      auto [it, inserted] = comp_ids.emplace(
          std::pair{std::string_view(s.sender_comp_id), std::string_view(s.target_comp_id)}, i);
      if (!inserted) {
        check.fail(prefix + ".target_comp_id",
                   concat({"sessions[", std::to_string(it->second), "] already uses ",
                           s.sender_comp_id, "->", s.target_comp_id,
                           "; each session needs its own SenderCompID/TargetCompID pair"}));
      }
    }
  }

  auto check_session_ref = [&](const std::string& path, const std::string& name) {
    const auto it = names.find(name);
    if (it == names.end()) {
      std::string msg = concat({"unknown session '", name, "'"});
      msg += sessions.empty() ? " (no FIX sessions are defined)" : "; defined sessions:";
      for (std::size_t i = 0; i < sessions.size(); ++i) {
        msg += i ? ", " : " ";
        msg += sessions[i].name;
      }
      check.fail(path, std::move(msg));
    }
  };

  if (!routing.default_session.empty()) {
    check_session_ref("routing.default_session", routing.default_session);
  } else if (sessions.size() > 1) {
    check.fail("routing.default_session",
               "missing required key 'default_session': there is more than one session");
  }

  std::map<std::pair<std::string_view, std::string_view>, std::size_t> matches;
  for (std::size_t i = 0; i < routing.rules.size(); ++i) {
    const auto& r = routing.rules[i];
    const std::string prefix = concat({"routing.rules[", std::to_string(i), "]"});
    if (r.instrument.empty() && r.account.empty()) {
      check.fail(prefix, "a routing rule needs instrument, account or both");
    }
    if (!r.instrument.empty()) check.instrument(prefix + ".instrument", r.instrument, instruments);
    if (!r.account.empty()) {
      const bool known = std::any_of(accounts.begin(), accounts.end(),
                                     [&](const AccountConfig& a) { return a.id == r.account; });
      if (!known) check.fail(prefix + ".account", concat({"unknown account '", r.account, "'"}));
    }
    if (check.not_empty(prefix + ".session", r.session)) {
      check_session_ref(prefix + ".session", r.session);
    }
    auto [it, inserted] =
        matches.emplace(std::pair{std::string_view(r.instrument), std::string_view(r.account)}, i);
    if (!inserted && !(r.instrument.empty() && r.account.empty())) {
      check.fail(prefix, concat({"matches the same orders as routing.rules[",
                                 std::to_string(it->second), "], which wins; remove one"}));
    }
  }
  return out;
}

ConfigViolations MarketDataConfig::validate(const InstrumentTable& instruments,
                                            const FixConfig& fix) const {
  ConfigViolations out;
  ConfigCheck check(out);
  std::unordered_map<std::string_view, std::size_t> names;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& s = sources[i];
    const std::string prefix = concat({"sources[", std::to_string(i), "]"});
    if (check.identifier(prefix + ".name", s.name)) {
      auto [it, inserted] = names.emplace(s.name, i);
      if (!inserted) {
        check.fail(prefix + ".name",
                   concat({"duplicate source name '", s.name, "' (first defined as sources[",
                           std::to_string(it->second), "])"}));
      }
    }
    if (is_file_kind(s.kind)) {
      if (s.paths.empty()) {
        check.fail(prefix + ".paths", concat({"a ", to_string(s.kind),
                                              " source needs at least one file in path or paths"}));
      }
      for (std::size_t k = 0; k < s.paths.size(); ++k) {
        check.not_empty(concat({prefix, ".paths[", std::to_string(k), "]"}), s.paths[k]);
      }
      if (!s.session.empty()) {
        check.fail(prefix + ".session", "only a fix source takes a session");
      }
    } else {
      if (!s.paths.empty()) check.fail(prefix + ".paths", "a fix source reads no files");
      if (s.session.empty()) {
        check.fail(prefix + ".session",
                   "missing required key 'session': a fix source names "
                   "the FIX session that carries the data");
      } else {
        const bool known =
            std::any_of(fix.sessions.begin(), fix.sessions.end(),
                        [&](const FixSessionConfig& f) { return f.name == s.session; });
        if (!known) check.fail(prefix + ".session", concat({"unknown session '", s.session, "'"}));
      }
      if (s.pace != ReplayPace::kRecorded) {
        check.fail(prefix + ".pace", "a live fix source cannot be paced; remove pace");
      }
    }
    if (s.pace == ReplayPace::kSpeed) {
      check.real(prefix + ".speed", s.speed, 0.0, 1'000'000.0, Interval::kLeftOpen);
    }
    std::set<std::string_view> mapped;
    for (const auto& m : s.symbols) {
      const std::string p = join_path(prefix + ".symbols", m.source);
      if (!mapped.insert(m.source).second) {
        check.fail(p, concat({"source symbol '", m.source, "' is mapped twice"}));
      }
      check.instrument(p, m.instrument, instruments);
    }
  }
  if (!adv.path.empty()) check.integer("adv.lookback_days", adv.lookback_days, 1, 260);
  return out;
}

}  // namespace ballast
