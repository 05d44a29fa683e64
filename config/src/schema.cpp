// The configuration schema: which keys each section has and which struct field each one fills.
// Reading only (types, formats, unknown keys); the rules live in the modules' validate().
#include "schema.hpp"

#include <unordered_map>

namespace ballast::config::detail {

namespace {

/// Writing a block that has an `enabled` key switches it on unless it says `enabled: false`.
void read_enabled(MapReader& m, bool& enabled) {
  enabled = true;
  m.get("enabled", enabled);
}

void read_string_list(Document& doc, const Field& f, std::vector<std::string>& out) {
  for_each_item(doc, f, "symbols such as [SPY, AGG]", [&](const Field& item) {
    std::string s;
    if (read(doc, item, s)) out.push_back(std::move(s));
  });
}

// ---------------------------------------------------------------------------------------------
// engine

void read_engine(Document& doc, const Field& f, CoreLoopConfig& c) {
  MapReader m(doc, f);
  m.get_enum("idle_strategy", c.idle_strategy, kIdleKindNames);
  IdleKind sender = IdleKind::kBackOff;
  if (m.get_enum("sender_idle_strategy", sender, kIdleKindNames)) {
    c.sender_idle_strategy = sender;
  }
  if (auto b = m.take("back_off")) {
    MapReader r(doc, *b);
    r.get("max_spins", c.back_off.max_spins);
    r.get("max_yields", c.back_off.max_yields);
    r.get("min_park", c.back_off.min_park);
    r.get("max_park", c.back_off.max_park);
  }
  m.get("batch_size", c.batch_size);
  m.get("max_cascade", c.max_cascade);
  if (auto q = m.take("queue_capacity")) {
    MapReader r(doc, *q);
    // The core's inbound queue gives each producer thread (a file feed, a FIX session thread,
    // the operator) a fixed share: these were parsed and changed nothing, so they are refused.
    for (const char* key : {"market_data", "fix_inbound", "control"}) {
      if (auto f = r.take(key)) {
        value_error(doc, *f,
                    "not adjustable: the core's inbound queue gives each producer thread (a "
                    "market-data feed, a FIX session, the operator) a fixed share of 1024 events; "
                    "only queue_capacity.outbound can be set (docs/configuration.md)");
      }
    }
    r.get("outbound", c.queues.outbound);
  }
  m.get("core_cpu", c.core_cpu);
}

// ---------------------------------------------------------------------------------------------
// instruments

bool valid_symbol(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (c <= ' ' || c >= 0x7f) return false;
  }
  return true;
}

void read_instruments(Document& doc, const Field& f, InstrumentTable& table) {
  std::unordered_map<std::string, int> first_line;
  for_each_item(doc, f, "instruments (each '- symbol: ...')", [&](const Field& item) {
    MapReader m(doc, item);
    if (!m.valid()) return;
    Instrument spec;
    const auto sym = m.require("symbol");
    bool symbol_ok = sym && read(doc, *sym, spec.symbol);
    if (symbol_ok && !valid_symbol(spec.symbol)) {
      value_error(doc, *sym,
                  concat({"'", spec.symbol,
                          "' is not a symbol: use 1 to 32 printable characters "
                          "without spaces"}));
      symbol_ok = false;
    }
    if (auto t = m.take("tick_size")) {
      Price tick = spec.tick_size;
      if (read(doc, *t, tick)) {
        if (tick.is_positive()) {
          spec.tick_size = tick;
        } else {
          value_error(doc, *t, concat({"must be > 0, got ", tick.to_string()}));
        }
      }
    }
    if (auto l = m.take("lot_size")) {
      Qty lot = spec.lot_size;
      if (read(doc, *l, lot)) {
        if (lot.is_positive()) {
          spec.lot_size = lot;
        } else {
          value_error(doc, *l, concat({"must be > 0, got ", lot.to_string()}));
        }
      }
    }
    m.get("currency", spec.currency);
    m.get("asset_class", spec.asset_class);
    if (!symbol_ok) return;
    const auto [it, inserted] = first_line.emplace(spec.symbol, sym->value().line);
    if (!inserted) {
      value_error(doc, *sym,
                  concat({"duplicate instrument symbol '", spec.symbol, "' (first defined at line ",
                          std::to_string(it->second), ")"}));
      return;
    }
    auto added = table.add(std::move(spec));
    if (!added) doc.report(item.key, item.path, added.error().message);
  });
}

// ---------------------------------------------------------------------------------------------
// triggers

void read_band(Document& doc, MapReader& parent, std::string_view key, BandTrigger& b) {
  auto f = parent.take(key);
  if (!f) return;
  MapReader m(doc, *f);
  read_enabled(m, b.enabled);
  m.get("band", b.band);
}

void read_triggers(Document& doc, const Field& f, TriggerConfig& t) {
  MapReader m(doc, f);
  m.get_enum("combine", t.combine, kTriggerCombineNames);
  read_band(doc, m, "absolute", t.absolute);
  read_band(doc, m, "relative", t.relative);
  if (auto c = m.take("calendar")) {
    MapReader r(doc, *c);
    read_enabled(r, t.calendar.enabled);
    r.get_enum("frequency", t.calendar.frequency, kCalendarFrequencyNames);
    r.get("at", t.calendar.at);
    r.get_enum("weekday", t.calendar.weekday, kWeekdayNames);
    r.get_enum("day", t.calendar.day, kPeriodDayNames);
    r.get("hybrid", t.calendar.hybrid);
  }
  if (auto v = m.take("volatility_adaptive")) {
    MapReader r(doc, *v);
    auto& va = t.volatility_adaptive;
    read_enabled(r, va.enabled);
    r.get("reference_vol", va.reference_vol);
    r.get("lookback_days", va.lookback_days);
    r.get("min_multiplier", va.min_multiplier);
    r.get("max_multiplier", va.max_multiplier);
  }
  if (auto c = m.take("cash_flow")) {
    MapReader r(doc, *c);
    read_enabled(r, t.cash_flow.enabled);
    r.get("nav_share", t.cash_flow.nav_share);
  }
  if (auto c = m.take("tracking_error")) {
    MapReader r(doc, *c);
    read_enabled(r, t.tracking_error.enabled);
    r.get("threshold", t.tracking_error.threshold);
  }
  m.get("cool_down", t.cool_down);
  m.get("rearm_fraction", t.rearm_fraction);
  if (auto h = m.take("trading_hours")) {
    MapReader r(doc, *h);
    r.get("start", t.trading_hours.start);
    r.get("end", t.trading_hours.end);
  }
  if (auto c = m.take("cost_benefit")) {
    MapReader r(doc, *c);
    read_enabled(r, t.cost_benefit.enabled);
    r.get("multiplier", t.cost_benefit.multiplier);
  }
}

// ---------------------------------------------------------------------------------------------
// models and accounts

void read_models(Document& doc, const Field& f, const TriggerConfig& defaults,
                 std::vector<ModelConfig>& models) {
  for_each_item(doc, f, "model portfolios (each '- id: ...')", [&](const Field& item) {
    MapReader m(doc, item);
    if (!m.valid()) return;
    ModelConfig model;
    model.triggers = defaults;
    m.get_required("id", model.id);
    m.get("name", model.name);
    if (model.name.empty()) model.name = model.id;
    if (auto w = m.require("weights")) {
      for_each_entry(doc, *w, "instrument symbol to weight",
                     [&](const std::string& sym, const Field& v) {
                       double x = 0.0;
                       if (read(doc, v, x)) model.weights.push_back({sym, x});
                     });
    }
    m.get("cash_buffer", model.cash_buffer);
    if (auto t = m.take("triggers")) {
      read_triggers(doc, *t, model.triggers);
      model.overrides_triggers = true;
    }
    models.push_back(std::move(model));
  });
}

void read_account_overrides(Document& doc, const Field& f, AccountConfig& a) {
  MapReader m(doc, f);
  if (auto l = m.take("restricted")) read_string_list(doc, *l, a.overrides.restricted);
  if (auto l = m.take("no_buy")) read_string_list(doc, *l, a.overrides.no_buy);
  if (auto l = m.take("no_sell")) read_string_list(doc, *l, a.overrides.no_sell);
  if (auto b = m.take("bands")) {
    for_each_entry(doc, *b, "instrument symbol to band",
                   [&](const std::string& sym, const Field& v) {
                     MapReader r(doc, v);
                     if (!r.valid()) return;
                     BandOverride o;
                     o.symbol = sym;
                     r.get("absolute", o.absolute);
                     r.get("relative", o.relative);
                     a.overrides.bands.push_back(std::move(o));
                   });
  }
  if (auto t = m.take("triggers")) {
    read_triggers(doc, *t, a.triggers);
    a.overrides_triggers = true;
  }
}

void read_accounts(Document& doc, const Field& f, const TriggerConfig& defaults,
                   const std::vector<ModelConfig>& models, std::vector<AccountConfig>& accounts) {
  for_each_item(doc, f, "accounts (each '- id: ...')", [&](const Field& item) {
    MapReader m(doc, item);
    if (!m.valid()) return;
    AccountConfig a;
    m.get_required("id", a.id);
    m.get("name", a.name);
    if (a.name.empty()) a.name = a.id;
    m.get_required("model", a.model);
    // Triggers inherit: defaults, then the model's overrides, then the account's.
    a.triggers = defaults;
    for (const auto& model : models) {
      if (model.id == a.model) a.triggers = model.triggers;
    }
    m.get("base_currency", a.base_currency);
    m.get("cash", a.cash);
    if (auto p = m.take("positions")) {
      for_each_entry(doc, *p, "instrument symbol to quantity",
                     [&](const std::string& sym, const Field& v) {
                       Qty q = Qty::zero();
                       if (read(doc, v, q)) a.positions.push_back({sym, q});
                     });
    }
    if (auto o = m.take("overrides")) read_account_overrides(doc, *o, a);
    accounts.push_back(std::move(a));
  });
}

// ---------------------------------------------------------------------------------------------
// market-data quality, optimizer, execution

void read_market_data_quality(Document& doc, const Field& f, MarketDataQualityConfig& q) {
  MapReader m(doc, f);
  m.get("stale_after", q.stale_after);
  m.get("max_move_bps", q.max_move_bps);
  m.get_enum("mark", q.mark, kMarkPolicyNames);
}

void read_optimizer(Document& doc, const Field& f, OptimizerConfig& o) {
  MapReader m(doc, f);
  m.get_enum("mode", o.mode, kOptimizerModeNames);
  m.get("tracking_weight", o.tracking_weight);
  m.get("cost_weight", o.cost_weight);
  m.get("impact_weight", o.impact_weight);
  m.get("turnover_cap", o.turnover_cap);
  m.get("cash_buffer", o.cash_buffer);
  m.get("long_only", o.long_only);
  m.get("min_trade_value", o.min_trade_value);
  m.get("max_iterations", o.max_iterations);
  m.get("tolerance", o.tolerance);
  if (auto r = m.take("risk_model")) {
    MapReader rm(doc, *r);
    rm.get_enum("estimator", o.risk_model.estimator, kCovarianceEstimatorNames);
    rm.get("ewma_decay", o.risk_model.ewma_decay);
    rm.get("factors", o.risk_model.factors);
    rm.get("lookback_days", o.risk_model.lookback_days);
  }
}

void read_approval(Document& doc, const Field& f, ApprovalConfig& a) {
  MapReader m(doc, f);
  m.get_enum("mode", a.mode, kApprovalModeNames);
  a.above_value_set = m.get("above_value", a.above_value);
  m.get("expire_after", a.expire_after);
}

void read_execution(Document& doc, const Field& f, ExecutionConfig& e) {
  MapReader m(doc, f);
  m.get_enum("algo", e.algo, kExecAlgoNames);
  m.get("horizon", e.horizon);
  m.get("interval", e.interval);
  if (auto j = m.take("jitter")) {
    MapReader r(doc, *j);
    r.get("fraction", e.jitter.fraction);
    r.get("seed", e.jitter.seed);
  }
  m.get("volume_profile", e.volume_profile);
  if (auto p = m.take("pov")) {
    MapReader r(doc, *p);
    r.get("target_rate", e.pov.target_rate);
    r.get("min_rate", e.pov.min_rate);
    r.get("max_rate", e.pov.max_rate);
  }
  if (auto l = m.take("limit")) {
    MapReader r(doc, *l);
    r.get_enum("policy", e.limit.policy, kLimitPolicyNames);
    r.get("cross_ticks", e.limit.cross_ticks);
    r.get("arrival_cap_bps", e.limit.arrival_cap_bps);
  }
  m.get("min_child_qty", e.min_child_qty);
  m.get_enum("on_horizon_end", e.on_horizon_end, kHorizonEndNames);
  m.get("participation_cap", e.participation_cap);
  m.get("cash_allowance", e.cash_allowance);
  m.get("retention", e.retention);
}

// ---------------------------------------------------------------------------------------------
// compliance

void read_compliance(Document& doc, const Field& f, ComplianceConfig& c) {
  MapReader m(doc, f);
  if (auto l = m.take("restricted")) read_string_list(doc, *l, c.restricted);
  m.get("max_order_qty", c.max_order_qty);
  m.get("max_order_notional", c.max_order_notional);
  m.get("daily_gross_notional_limit", c.daily_gross_notional_limit);
  m.get("price_collar_bps", c.price_collar_bps);
  m.get("reference_stale_after", c.reference_stale_after);
  if (auto a = m.take("max_adv_share")) {
    // `off`: the ADV rule is not checked (a desk without ADV data says so explicitly).
    if (a->node.IsScalar() && a->node.Scalar() == "off") {
      c.max_adv_share = 0;
    } else if (read(doc, *a, c.max_adv_share) && c.max_adv_share == 0) {
      doc.report(a->value(), a->path,
                 "must be in (0, 1], or `off` to leave the ADV rule unchecked; got 0");
      doc.fail(a->path);
    }
  }
  if (auto w = m.take("max_weight")) {
    MapReader r(doc, *w);
    r.get("default", c.max_weight.default_max);
    if (auto i = r.take("instruments")) {
      for_each_entry(doc, *i, "instrument symbol to maximum weight",
                     [&](const std::string& sym, const Field& v) {
                       double x = 0.0;
                       if (read(doc, v, x)) c.max_weight.instruments.push_back({sym, x});
                     });
    }
    if (auto a = r.take("asset_classes")) {
      for_each_entry(doc, *a, "asset class to maximum weight",
                     [&](const std::string& name, const Field& v) {
                       auto cls = parse_asset_class(name);
                       if (!cls) {
                         doc.report(v.key, v.path, cls.error().message);
                         doc.fail(v.path);
                         return;
                       }
                       double x = 0.0;
                       if (read(doc, v, x)) c.max_weight.asset_classes.push_back({cls.value(), x});
                     });
    }
  }
  m.get("max_open_orders_per_instrument", c.max_open_orders_per_instrument);
  m.get("max_orders_per_second", c.max_orders_per_second);
  m.get("duplicate_window", c.duplicate_window);
  if (auto k = m.take("kill_switch")) {
    MapReader r(doc, *k);
    r.get("reject_storm_count", c.kill_switch.reject_storm_count);
    r.get("reject_storm_window", c.kill_switch.reject_storm_window);
    r.get("order_rate_runaway", c.kill_switch.order_rate_runaway);
    r.get("mismatch_tolerance", c.kill_switch.mismatch_tolerance);
  }
}

// ---------------------------------------------------------------------------------------------
// fix

void read_fix_session(Document& doc, const Field& item, FixSessionConfig& s) {
  MapReader m(doc, item);
  m.get_required("name", s.name);
  m.get("enabled", s.enabled);
  m.get_enum("role", s.role, kFixRoleNames);
  m.get_enum("fix_version", s.fix_version, kFixVersionNames);
  m.get("host", s.host);
  m.get("port", s.port);
  m.get_required("sender_comp_id", s.sender_comp_id);
  m.get_required("target_comp_id", s.target_comp_id);
  m.get("heartbeat_s", s.heartbeat_s);
  m.get("username_env", s.username_env);
  m.get("password_env", s.password_env);
  if (auto t = m.take("tls")) {
    MapReader r(doc, *t);
    read_enabled(r, s.tls.enabled);
    r.get("ca_file", s.tls.ca_file);
    r.get("cert_file", s.tls.cert_file);
    r.get("key_file", s.tls.key_file);
  }
  m.get("store_dir", s.store_dir);
  m.get("log_dir", s.log_dir);
  m.get("data_dictionary", s.data_dictionary);
  if (auto r = m.take("reconnect")) {
    MapReader rr(doc, *r);
    rr.get("min_backoff", s.reconnect.min_backoff);
    rr.get("max_backoff", s.reconnect.max_backoff);
  }
  m.get_enum("on_disconnect", s.on_disconnect, kDisconnectActionNames);
  m.get("stale_resend_max_age", s.stale_resend_max_age);
  m.get("mass_cancel", s.mass_cancel);
  m.get("mass_cancel_timeout", s.mass_cancel_timeout);
}

void read_fix(Document& doc, const Field& f, FixConfig& fix) {
  MapReader m(doc, f);
  if (auto s = m.take("sessions")) {
    for_each_item(doc, *s, "FIX sessions (each '- name: ...')", [&](const Field& item) {
      FixSessionConfig session;
      read_fix_session(doc, item, session);
      fix.sessions.push_back(std::move(session));
    });
  }
  if (auto r = m.take("routing")) {
    MapReader rm(doc, *r);
    rm.get("default_session", fix.routing.default_session);
    if (auto rules = rm.take("rules")) {
      for_each_item(doc, *rules, "routing rules (each '- session: ...')", [&](const Field& item) {
        MapReader rule(doc, item);
        if (!rule.valid()) return;
        RoutingRule rr;
        rule.get("instrument", rr.instrument);
        rule.get("account", rr.account);
        rule.get_required("session", rr.session);
        fix.routing.rules.push_back(std::move(rr));
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// market data, journal, logging

void read_market_data(Document& doc, const Field& f, MarketDataConfig& md) {
  MapReader m(doc, f);
  if (auto a = m.take("adv")) {
    MapReader r(doc, *a);
    r.get_required("path", md.adv.path);
    r.get("lookback_days", md.adv.lookback_days);
  }
  auto sources = m.take("sources");
  if (!sources) return;
  for_each_item(doc, *sources, "market-data sources (each '- name: ...')", [&](const Field& item) {
    MapReader r(doc, item);
    if (!r.valid()) return;
    MarketDataSourceConfig s;
    r.get_required("name", s.name);
    if (auto k = r.require("kind")) {
      read_enum(doc, *k, s.kind, kMarketDataKindNames);
    }
    const auto one = r.take("path");
    const auto many = r.take("paths");
    if (one && many) {
      doc.report(many->key, r.path(), "use either path or paths, not both");
      doc.fail(join_path(r.path(), "paths"));
    } else if (one) {
      std::string p;
      if (read(doc, *one, p)) s.paths.push_back(std::move(p));
    } else if (many) {
      for_each_item(doc, *many, "file paths", [&](const Field& pf) {
        std::string p;
        if (read(doc, pf, p)) s.paths.push_back(std::move(p));
      });
    }
    if (auto sym = r.take("symbols")) {
      for_each_entry(doc, *sym, "source symbol to instrument symbol",
                     [&](const std::string& source, const Field& v) {
                       std::string inst;
                       if (read(doc, v, inst)) s.symbols.push_back({source, inst});
                     });
    }
    r.get("session", s.session);
    r.get_enum("pace", s.pace, kReplayPaceNames);
    r.get("speed", s.speed);
    md.sources.push_back(std::move(s));
  });
}

void read_journal(Document& doc, const Field& f, JournalConfig& j) {
  MapReader m(doc, f);
  m.get("enabled", j.enabled);
  m.get("dir", j.dir);
  if (auto s = m.take("segment_size")) read_byte_size(doc, *s, j.segment_size);
  m.get_enum("fsync", j.fsync, kFsyncPolicyNames);
  m.get("group_commit_us", j.group_commit_us);
  m.get("release_after_durable", j.release_after_durable);
}

void read_logging(Document& doc, const Field& f, LoggingConfig& l) {
  MapReader m(doc, f);
  m.get_enum("level", l.level, kLogLevelNames);
  m.get("file", l.file);
  m.get("console", l.console);
}

// ---------------------------------------------------------------------------------------------
// operator

void read_operator(Document& doc, const Field& f, http::HttpConfig& h) {
  MapReader m(doc, f);
  auto hf = m.take("http");
  if (!hf) return;
  MapReader r(doc, *hf);
  read_enabled(r, h.enabled);
  r.get("bind", h.bind);
  r.get("port", h.port);
  r.get("read_token_env", h.read_token_env);
  r.get("control_token_env", h.control_token_env);
  r.get("max_connections", h.max_connections);
  r.get("request_timeout", h.request_timeout);
  r.get("idle_timeout", h.idle_timeout);
  if (auto t = r.take("tls")) {
    MapReader tr(doc, *t);
    read_enabled(tr, h.tls.enabled);
    tr.get("cert_file", h.tls.cert_file);
    tr.get("key_file", h.tls.key_file);
  }
}

}  // namespace

void read_settings(Document& doc, const YAML::Node& root, Settings& s) {
  MapReader top(doc, Field{root, "", location_of(root.Mark())});
  top.get("version", s.version);
  if (auto f = top.take("engine")) read_engine(doc, *f, s.engine);
  if (auto f = top.take("instruments")) {
    read_instruments(doc, *f, s.instruments);
  } else {
    doc.report({1, 0}, "", "missing required section 'instruments'");
    doc.fail("instruments");
  }
  if (auto f = top.take("triggers")) read_triggers(doc, *f, s.triggers);
  if (auto f = top.take("models")) read_models(doc, *f, s.triggers, s.models);
  if (auto f = top.take("accounts")) read_accounts(doc, *f, s.triggers, s.models, s.accounts);
  if (auto f = top.take("market_data_quality")) {
    read_market_data_quality(doc, *f, s.market_data_quality);
  }
  if (auto f = top.take("optimizer")) read_optimizer(doc, *f, s.optimizer);
  if (auto f = top.take("approval")) read_approval(doc, *f, s.approval);
  if (auto f = top.take("execution")) read_execution(doc, *f, s.execution);
  if (auto f = top.take("compliance")) read_compliance(doc, *f, s.compliance);
  if (auto f = top.take("fix")) read_fix(doc, *f, s.fix);
  if (auto f = top.take("market_data")) read_market_data(doc, *f, s.market_data);
  if (auto f = top.take("journal")) read_journal(doc, *f, s.journal);
  if (auto f = top.take("logging")) read_logging(doc, *f, s.logging);
  if (auto f = top.take("operator")) read_operator(doc, *f, s.operator_http);
}

}  // namespace ballast::config::detail
