// `ballast run` (issue 13, item 12): the stop summary and the positions export.
//  - The built program against broker-sim, each its own process, over loopback FIX on a recorded
//    tape: stopped with SIGINT, it exits 0, prints the summary, and its positions CSV equals its
//    starting positions plus every fill broker-sim's message log records.
//  - The CSV writer against random books: every row reads back to the book's exact quantity and
//    cash, whatever the signs, decimals and account names.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ballast/core/instrument.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/free_port.hpp"
#include "process_test_support.hpp"
#include "run_summary.hpp"

namespace ballast::tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ------------------------------------------------------------------------------- CSV reading

/// Splits one RFC 4180 line (quoted fields may hold commas and doubled quotes).
std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

struct CsvBook {
  std::map<std::pair<std::string, std::string>, std::int64_t> qty;  // (account, symbol) -> raw
  std::map<std::string, std::int64_t> cash;                         // account -> raw
  std::vector<std::string> accounts;                                // in file order, once each
  std::string error;
};

CsvBook read_positions(const std::string& path) {
  CsvBook b;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != "account,instrument,qty,cash") {
    b.error = path + ": bad header '" + line + "'";
    return b;
  }
  while (std::getline(in, line)) {
    const auto f = csv_split(line);
    if (f.size() != 4) {
      b.error = path + ": not 4 fields: " + line;
      return b;
    }
    const auto q = Qty::parse(f[2]);
    const auto c = Money::parse(f[3]);
    if (!q || !c) {
      b.error = path + ": bad number: " + line;
      return b;
    }
    if (b.cash.emplace(f[0], c.value().raw).second) {
      b.accounts.push_back(f[0]);
    } else if (b.cash[f[0]] != c.value().raw) {
      b.error = path + ": the cash of " + f[0] + " differs between rows";
      return b;
    }
    if (!f[1].empty()) b.qty[{f[0], f[1]}] = q.value().raw;
  }
  return b;
}

TEST(RunSummary, ThousandsGroupsEveryThreeDigitsFromTheRight) {
  EXPECT_EQ(thousands(0), "0");
  EXPECT_EQ(thousands(999), "999");
  EXPECT_EQ(thousands(1000), "1,000");
  EXPECT_EQ(thousands(123456), "123,456");
  EXPECT_EQ(thousands(1234567), "1,234,567");
  EXPECT_EQ(thousands(UINT64_MAX), "18,446,744,073,709,551,615");
  // Against a plain oracle: the digits back, with a comma before each group of three.
  std::mt19937_64 rng(7);
  for (int k = 0; k < 2000; ++k) {
    const std::uint64_t v = rng() >> (rng() % 64);
    std::string digits = std::to_string(v), want;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      want += digits[i];
      const std::size_t left = digits.size() - 1 - i;
      if (left > 0 && left % 3 == 0) want += ',';
    }
    ASSERT_EQ(thousands(v), want) << v;
  }
}

TEST(PositionsCsv, EveryRowReadsBackToTheBookExactlyOverRandomBooks) {
  std::mt19937_64 rng(20261206);
  const char* alphabet = "ABCXYZ-_.,\" 019";
  for (int round = 0; round < 200; ++round) {
    InstrumentTable ins;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      Instrument spec;
      spec.symbol = "S" + std::to_string(i) + (rng() % 3 == 0 ? "X" : "");
      ASSERT_TRUE(ins.add(spec));
    }
    MarketState market(ins.size(), MarketDataQualityConfig{});
    PortfolioBook book(ins.size());
    Model m;
    m.key = "m";
    for (int i = 0; i < n; ++i) {
      m.instruments.push_back(InstrumentId{static_cast<std::uint32_t>(i)});
      m.weights.push_back(1.0 / (n + 1));
    }
    m.cash_weight = 1.0 - static_cast<double>(n) / (n + 1);
    auto model = book.add_model(m);
    ASSERT_TRUE(model) << model.error().message;
    std::vector<AccountId> accounts;
    const int accts = 1 + static_cast<int>(rng() % 20);
    for (int a = 0; a < accts; ++a) {
      AccountSpec spec;
      spec.key = "acct" + std::to_string(a);
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) spec.key += alphabet[rng() % 15];
      spec.model = model.value();
      spec.cash = Money::from_raw(static_cast<std::int64_t>(rng() % 2'000'000'000'000'000ull) -
                                  1'000'000'000'000'000ll);
      for (int i = 0; i < n; ++i) {
        if (rng() % 3 == 0) continue;  // some accounts hold nothing
        const std::int64_t q =
            static_cast<std::int64_t>(rng() % 20'000'000'000ull) - 10'000'000'000ll;
        spec.positions.emplace_back(InstrumentId{static_cast<std::uint32_t>(i)},
                                    Qty::from_raw(rng() % 4 == 0 ? q / 1'000'000 * 1'000'000 : q));
      }
      auto id = book.add_account(spec, market);
      ASSERT_TRUE(id) << id.error().message;
      accounts.push_back(id.value());
    }
    const std::string path = std::string(BALLAST_BINARY_DIR) + "/positions-property.csv";
    ASSERT_TRUE(write_positions_csv(book, ins, accounts, path));
    const CsvBook b = read_positions(path);
    ASSERT_EQ(b.error, "");
    ASSERT_EQ(b.accounts.size(), accounts.size());
    for (std::size_t k = 0; k < accounts.size(); ++k) {
      const AccountId a = accounts[k];
      ASSERT_EQ(b.accounts[k], book.account_key(a));
      EXPECT_EQ(b.cash.at(book.account_key(a)), book.cash(a).raw);
      for (std::uint32_t i = 0; i < ins.size(); ++i) {
        const auto it = b.qty.find({book.account_key(a), ins[InstrumentId{i}].symbol});
        EXPECT_EQ(it == b.qty.end() ? 0 : it->second, book.position(a, InstrumentId{i}).raw)
            << book.account_key(a) << " " << ins[InstrumentId{i}].symbol;
      }
    }
  }
}

TEST(PositionsCsv, AnUnwritablePathIsAnErrorNamingIt) {
  InstrumentTable ins;
  PortfolioBook book(0);
  const auto st = write_positions_csv(book, ins, {}, "/nonexistent-dir/positions.csv");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("/nonexistent-dir/positions.csv"), std::string::npos);
}

// ------------------------------------------------------------------------------- processes

using test::Child;
using test::slurp;
using test::spawn;
using test::wait_exit;

/// The shipped tape up to `end_ns` after local midnight (headers kept).
void cut_tape(const std::string& from, const std::string& to, std::int64_t end_ns) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#' && std::stoll(line.substr(0, line.find(','))) >= end_ns)
      break;
    out << line << "\n";
  }
}

/// One field of a '|'-delimited FIX message ("" when absent).
std::string field(const std::string& msg, const std::string& tag) {
  const std::string key = "|" + tag + "=";
  const auto p = msg.find(key);
  if (p == std::string::npos) return {};
  const auto b = p + key.size();
  return msg.substr(b, msg.find('|', b) - b);
}

struct SimFills {
  std::map<std::pair<std::string, std::string>, std::int64_t> qty;  // signed, raw 1e-6
  std::map<std::string, __int128> notional_e15;                     // signed qty x px, per account
  std::map<std::string, std::uint64_t> count;
  std::uint64_t fills = 0;
};

/// Every distinct fill broker-sim sent (ExecID de-duplicates resends).
SimFills sim_fills(const std::string& log) {
  SimFills f;
  std::ifstream in(log);
  std::set<std::string> exec_ids;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(" OUT ") == std::string::npos || line.find("|35=8|") == std::string::npos)
      continue;
    const std::string last_qty = field(line, "32");
    std::int64_t q = 0, px = 0;
    if (last_qty.empty() || !fix::parse_decimal(last_qty, 6, q) || q <= 0) continue;
    if (!exec_ids.insert(field(line, "17")).second) continue;
    EXPECT_TRUE(fix::parse_decimal(field(line, "31"), 9, px)) << line;
    const std::string account = field(line, "1");
    const std::int64_t signed_q = field(line, "54") == "1" ? q : -q;
    f.qty[{account, field(line, "55")}] += signed_q;
    f.notional_e15[account] += static_cast<__int128>(signed_q) * px;
    ++f.count[account];
    ++f.fills;
  }
  return f;
}

struct DeskAccount {
  const char* id;
  const char* cash;
  std::map<std::string, std::int64_t> units;
};

/// The positions `run` exported (`b`) are each account's starting ones plus every fill broker-sim
/// recorded (`f`), exactly; its cash the starting cash less every fill's notional (each rounded to
/// the cent's 1e-4 at most).
void expect_start_plus_fills(const std::vector<DeskAccount>& desk, const SimFills& f,
                             const CsvBook& b) {
  for (const DeskAccount& a : desk) {
    for (const char* sym : {"AAPL", "AMZN", "GOOG"}) {
      const auto start = a.units.count(sym) ? a.units.at(sym) * 1'000'000 : 0;
      const auto filled = f.qty.count({a.id, sym}) ? f.qty.at({a.id, sym}) : 0;
      const auto it = b.qty.find({a.id, sym});
      EXPECT_EQ(it == b.qty.end() ? 0 : it->second, start + filled) << a.id << " " << sym;
    }
    const std::int64_t start_cash = Money::parse(a.cash).value().raw;
    const __int128 spent_e15 = f.notional_e15.count(a.id) ? f.notional_e15.at(a.id) : 0;
    const auto expected = static_cast<std::int64_t>(start_cash - spent_e15 / 1'000'000'000);
    const std::int64_t fills =
        f.count.count(a.id) ? static_cast<std::int64_t>(f.count.at(a.id)) : 0;
    EXPECT_LE(std::abs(b.cash.at(a.id) - expected), fills + 1) << a.id;
  }
}

/// The triggers of the desks that trade against broker-sim (`first` first, then a band of 3 points,
/// 30 minutes' cool-down, 09:35-15:55, no cost-benefit test) and their model, `growth`.
std::string growth_triggers_and_model(const std::string& first) {
  return "triggers:\n" + first +
         "  absolute: {band: 0.03}\n"
         "  cool_down: 30m\n"
         "  trading_hours: {start: \"09:35\", end: \"15:55\"}\n"
         "  cost_benefit: {enabled: false}\n"
         "models:\n"
         "  - {id: growth, weights: {AAPL: 0.40, AMZN: 0.25, GOOG: 0.30}, cash_buffer: 0.05}\n";
}

/// broker-sim and `ballast run`, each its own process, and where run exports its positions and
/// counters.
struct SimAndRun {
  Child sim, run;
  std::string csv, counters;
};

/// Starts broker-sim on `port`, replaying dir/sim.tape.csv at 120x into dir/broker-sim (its output
/// in dir/broker-sim.out), then `ballast run` on `config` (output in dir/run.out), exporting its
/// positions to dir/positions.csv and its counters to dir/counters.csv when it stops.
void start_sim_and_run(const fs::path& dir, int port, const std::string& config, SimAndRun& p) {
  p.sim = spawn({BALLAST_EXE, "broker-sim", "--port", std::to_string(port), "--tape",
                 (dir / "sim.tape.csv").string(), "--speed", "120", "--dir",
                 (dir / "broker-sim").string(), "--wait-logon-s", "0"},
                (dir / "broker-sim.out").string());
  ASSERT_GT(p.sim.pid, 0);
  p.csv = (dir / "positions.csv").string();
  p.counters = (dir / "counters.csv").string();
  p.run = spawn({BALLAST_EXE, "run", "--config", config, "--positions-out", p.csv, "--counters-out",
                 p.counters},
                (dir / "run.out").string());
  ASSERT_GT(p.run.pid, 0);
}

/// Waits for broker-sim to end its tape and exit 0, then stops `run` (still running) with SIGINT;
/// it must exit 0. `out`: what run printed.
void stop_run_after_sim(Child& sim, Child& run, std::string& out) {
  const int sim_rc = wait_exit(sim, 120s);
  EXPECT_EQ(sim_rc, 0) << slurp(sim.out_path);
  ASSERT_TRUE(run.running()) << slurp(run.out_path);
  ::kill(run.pid, SIGINT);
  const int rc = wait_exit(run, 60s);
  out = slurp(run.out_path);
  ASSERT_EQ(rc, 0) << out;
}

TEST(RunCommand, StoppedWithSigintItPrintsTheSummaryAndExportsThePositionsBrokerSimFilled) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / "run-e2e";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string shipped =
      std::string(BALLAST_SOURCE_DIR) + "/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv";
  const std::string closes = std::string(BALLAST_SOURCE_DIR) +
                             "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";
  // broker-sim trades 09:30-10:00; the engine's own feed of the same day stops at 09:55, so no
  // order reaches broker-sim in the last minutes of its tape or after it.
  cut_tape(shipped, (dir / "sim.tape.csv").string(), 36'000'000'000'000);
  cut_tape(shipped, (dir / "engine.tape.csv").string(), 35'700'000'000'000);
  // market_data.adv: daily volumes. AAPL and AMZN trade millions of shares a day; GOOG's days
  // before the session (2012-06-21) trade 10 shares, so 10% of its ADV is 1 share and every GOOG
  // child is denied by the ADV rule; the session day and the day after give GOOG 10^8 shares,
  // which would let its orders through if ADV looked ahead.
  {
    std::ofstream v(dir / "volumes.csv");
    v << "date,AAPL,AMZN,GOOG\n";
    for (int d = 1; d <= 20; ++d) {
      v << "2012-05-" << (d < 10 ? "0" : "") << d << ",15000000,4000000,10\n";
    }
    v << "2012-06-21,15000000,4000000,100000000\n2012-06-22,15000000,4000000,100000000\n";
  }
  std::string port_error;
  const int port = fix::pick_free_port(port_error);
  ASSERT_GT(port, 0) << port_error;

  const std::vector<DeskAccount> desk = {
      {"ACC-1", "100000.00", {{"AAPL", 300}}},
      {"ACC-2", "250000.00", {{"GOOG", 40}}},
      {"ACC-3", "150000.00", {{"AMZN", 100}, {"AAPL", 20}}},
      {"ACC-4", "80000.00", {{"AAPL", 10}, {"AMZN", 10}, {"GOOG", 10}}},
  };
  std::ostringstream y;
  y << "version: 1\n"
       "engine: {idle_strategy: back_off, core_cpu: 0}\n"
       "instruments:\n"
       "  - {symbol: AAPL, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}\n"
       "  - {symbol: AMZN, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}\n"
       "  - {symbol: GOOG, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}\n"
    << growth_triggers_and_model("  combine: any\n") << "accounts:\n";
  for (const DeskAccount& a : desk) {
    y << "  - id: " << a.id << "\n    model: growth\n    cash: " << a.cash << "\n";
    y << "    positions: {";
    bool first = true;
    for (const auto& [sym, u] : a.units) {
      y << (first ? "" : ", ") << sym << ": " << u;
      first = false;
    }
    y << "}\n";
  }
  y << "market_data_quality: {stale_after: 30m, max_move_bps: 1000, mark: mid}\n"
       "optimizer:\n"
       "  mode: full\n"
       "  turnover_cap: 1.0\n"
       "  long_only: true\n"
       "  min_trade_value: 200.00\n"
       "  risk_model: {estimator: ledoit_wolf, lookback_days: 200}\n"
       "execution:\n"
       "  algo: twap\n"
       "  horizon: 10m\n"
       "  interval: 2m\n"
       "  limit: {policy: mid}\n"
       "  min_child_qty: 1\n"
       "  on_horizon_end: cross\n"
       "  participation_cap: 1.0\n"
       "compliance:\n"
       "  max_order_qty: 100000\n"
       "  max_order_notional: 5000000.00\n"
       "  daily_gross_notional_limit: 200000000.00\n"
       "  price_collar_bps: 300\n"
       "  reference_stale_after: 30m\n"
       "  max_adv_share: 0.10\n"
       "fix:\n"
       "  sessions:\n"
       "    - name: broker-sim\n"
       "      fix_version: FIX.4.4\n"
       "      host: 127.0.0.1\n"
       "      port: "
    << port
    << "\n"
       "      sender_comp_id: BALLAST\n"
       "      target_comp_id: BROKERSIM\n"
       "      heartbeat_s: 5\n"
       "      store_dir: "
    << (dir / "fix/store").string()
    << "\n"
       "      log_dir: "
    << (dir / "fix/log").string()
    << "\n"
       "      reconnect: {min_backoff: 200ms, max_backoff: 1s}\n"
       "market_data:\n"
       "  adv: {path: "
    << (dir / "volumes.csv").string()
    << ", lookback_days: 10}\n"
       "  sources:\n"
       "    - {name: closes, kind: daily_closes, path: "
    << closes
    << "}\n"
       "    - {name: tape, kind: tape, path: "
    << (dir / "engine.tape.csv").string()
    << ", pace: speed, speed: 120}\n"
       "journal:\n"
       "  dir: "
    << (dir / "journal").string() << "\n";
  const std::string config = (dir / "desk.yaml").string();
  std::ofstream(config) << y.str();

  SimAndRun p;
  ASSERT_NO_FATAL_FAILURE(start_sim_and_run(dir, port, config, p));
  Child& sim = p.sim;
  Child& run = p.run;
  const std::string& csv = p.csv;
  const std::string& counters_csv = p.counters;
  // engine.core_cpu: the core thread ("ballast-core") runs on CPU 0 alone.
  std::string core_cpus;
  for (int k = 0; k < 100 && core_cpus.empty(); ++k) {
    std::this_thread::sleep_for(100ms);
    std::error_code ec;
    for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(run.pid) + "/task", ec)) {
      if (slurp((t.path() / "comm").string()) != "ballast-core\n") continue;
      std::istringstream st(slurp((t.path() / "status").string()));
      std::string line;
      while (std::getline(st, line)) {
        if (line.rfind("Cpus_allowed_list:", 0) == 0) {
          core_cpus = line.substr(line.find_first_not_of(" \t", 18));
        }
      }
    }
  }
  EXPECT_EQ(core_cpus, "0") << "the core thread's CPUs (engine.core_cpu: 0)";
  // broker-sim replays its 30 minutes at 120x (15 s), lingers 5 s and exits: no fill after that.
  std::string out;
  ASSERT_NO_FATAL_FAILURE(stop_run_after_sim(sim, run, out));

  // The summary.
  const std::vector<std::string> lines = {"ballast run: stopped after ",
                                          "\nOrders: ",
                                          "\nOptimizer: ",
                                          "\nCompliance denials: ",
                                          "\nFIX: ",
                                          "\n  session broker-sim: ",
                                          "\nDrift, max |weight - target| per account",
                                          "\n  growth ",
                                          "\nAccounts: ",
                                          "\nPositions: " + csv + " (4 accounts)",
                                          "\nJournal: "};
  for (const std::string& line : lines) {
    EXPECT_NE(out.find(line), std::string::npos) << "missing '" << line << "' in\n" << out;
  }
  // The positions: the starting ones plus every fill broker-sim recorded, exactly; the cash:
  // the starting cash less every fill's notional (each rounded to the cent's 1e-4 at most).
  const SimFills f = sim_fills((dir / "broker-sim/messages.log").string());
  EXPECT_GT(f.fills, 0u) << out;
  // The ADV rule, from the days before the session only: GOOG's children were denied and none
  // reached broker-sim; the others traded.
  EXPECT_NE(out.find("adv_share "), std::string::npos) << out;
  for (const DeskAccount& a : desk) {
    EXPECT_EQ(f.qty.count({a.id, "GOOG"}), 0u) << a.id << " GOOG reached broker-sim\n" << out;
  }
  const CsvBook b = read_positions(csv);
  ASSERT_EQ(b.error, "") << slurp(csv);
  ASSERT_EQ(b.accounts.size(), desk.size()) << slurp(csv);
  expect_start_plus_fills(desk, f, b);
  // The counters (--counters-out): every thread's counters by name, checked against broker-sim's
  // own record where it has one.
  EXPECT_NE(out.find("\nCounters: " + counters_csv), std::string::npos) << out;
  std::map<std::string, std::uint64_t> c;
  {
    std::ifstream in(counters_csv);
    std::string line;
    ASSERT_TRUE(std::getline(in, line)) << "empty " << counters_csv;
    EXPECT_EQ(line, "counter,value");
    while (std::getline(in, line)) {
      const auto comma = line.find(',');
      ASSERT_NE(comma, std::string::npos) << line;
      ASSERT_TRUE(c.emplace(line.substr(0, comma), std::stoull(line.substr(comma + 1))).second)
          << "counter named twice: " << line;
    }
  }
  for (const char* name : {"engine.inputs", "engine.fills", "engine.children", "sender.sent",
                           "sender.held", "journal.records", "journal.syncs", "fix.sent",
                           "fix.logons", "fix_in.reports", "fix_out.new_orders"}) {
    EXPECT_EQ(c.count(name), 1u) << name << " missing from\n" << slurp(counters_csv);
  }
  EXPECT_EQ(c["engine.fills"], f.fills) << "every fill broker-sim sent was booked once";
  EXPECT_GE(c["fix_in.reports"], f.fills);
  EXPECT_EQ(c["sender.held"], 0u);
  EXPECT_GE(c["fix.logons"], 1u);
  EXPECT_GT(c["journal.records"], c["engine.inputs"] / 2);
  EXPECT_EQ(c["fix_out.new_orders"] + c["fix_out.send_failures"], c["engine.children"])
      << "every child order the core approved went to the FIX sender";
}

/// A desk of three instruments trading the shipped tape through FIX session `session_yaml`.
std::string small_desk(const fs::path& dir, const std::string& engine_yaml,
                       const std::string& session_yaml) {
  const std::string src = BALLAST_SOURCE_DIR;
  std::ofstream(dir / "desk.yaml")
      << engine_yaml
      << "instruments:\n  - {symbol: AAPL}\n  - {symbol: AMZN}\n  - {symbol: GOOG}\n"
         "models:\n  - {id: m, weights: {AAPL: 0.3, AMZN: 0.3, GOOG: 0.3}, cash_buffer: 0.1}\n"
         "accounts:\n  - {id: A1, model: m, cash: 100000}\n"
         "compliance: {max_adv_share: off}\n"
         "fix:\n  sessions:\n"
      << session_yaml
      << "market_data:\n  sources:\n"
         "    - {name: closes, kind: daily_closes, pace: fast, path: "
      << src << "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv}\n"
      << "    - {name: tape, kind: tape, pace: speed, speed: 100, path: " << src
      << "/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv}\n"
      << "journal: {dir: " << (dir / "journal").string() << "}\n";
  return (dir / "desk.yaml").string();
}

// Issue 14: a broker that never answers is retried (QuickFIX reconnects with the configured
// back-off) and said on stderr after a few attempts; SIGINT still stops cleanly with exit 0.
TEST(RunProcess, ADeadBrokerIsRetriedAndReportedAndSigintStillStopsCleanly) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / "run-dead-broker";
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A port bound and held here without listening: connecting is refused, and no other test
  // running at the same time can take it (a port merely found free could be).
  const int held = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(held, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(held, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(held, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{held};
  const std::string config = small_desk(
      dir, "",
      "    - {name: nobody, fix_version: FIX.4.4, host: 127.0.0.1, port: " + std::to_string(port) +
          ", sender_comp_id: BALLAST, target_comp_id: NOBODY, heartbeat_s: 5, store_dir: " +
          (dir / "fix/store").string() + ", log_dir: " + (dir / "fix/log").string() +
          ", reconnect: {min_backoff: 100ms, max_backoff: 300ms}}\n");
  Child run = spawn({BALLAST_EXE, "run", "--config", config}, (dir / "run.out").string());
  ASSERT_GT(run.pid, 0);
  // The report comes after a few back-offs (2 s at least); a loaded machine starts slower.
  for (int i = 0; i < 300 && run.running(); ++i) {
    if (slurp(run.out_path).find("no FIX session has logged on") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(run.running()) << slurp(run.out_path);
  ::kill(run.pid, SIGINT);
  const int rc = wait_exit(run, 30s);
  const std::string out = slurp(run.out_path);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("no FIX session has logged on after"), std::string::npos) << out;
  EXPECT_NE(out.find("nobody: "), std::string::npos) << out;
  EXPECT_NE(out.find("0 logons"), std::string::npos) << out;
  // Retried: QuickFIX's event log has one "Connecting to" per attempt.
  const std::string events =
      slurp((dir / "fix/log/FIX.4.4-BALLAST-NOBODY.event.current.log").string());
  std::size_t attempts = 0;
  for (std::size_t at = events.find("Connecting to"); at != std::string::npos;
       at = events.find("Connecting to", at + 1)) {
    ++attempts;
  }
  EXPECT_GE(attempts, 2u) << events;
}

// Issue 14: a configuration run cannot use exits 2 before anything is written: a YAML error names
// file:line; a core_cpu this process may not use is refused before the journal exists.
TEST(RunProcess, ABadConfigurationExitsTwoAndWritesNothing) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / "run-bad-config";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string session =
      "    - {name: s, fix_version: FIX.4.4, host: 127.0.0.1, port: 1, sender_comp_id: A, "
      "target_comp_id: B, store_dir: " +
      (dir / "fix/store").string() + ", log_dir: " + (dir / "fix/log").string() + "}\n";
  // `run` on the desk with `engine_yaml`: exit 2, and the output says `says` (twice over).
  auto refused = [&](const std::string& engine_yaml, const std::string& says,
                     const std::string& also) {
    const std::string config = small_desk(dir, engine_yaml, session);
    Child run = spawn({BALLAST_EXE, "run", "--config", config}, (dir / "run.out").string());
    const int rc = wait_exit(run, 30s);
    const std::string out = slurp(run.out_path);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find(says), std::string::npos) << out;
    EXPECT_NE(out.find(also), std::string::npos) << out;
    return config;
  };
  refused("engine: {batch_size: many}\n", "desk.yaml:1:", "engine.batch_size");
  {
    const std::string config =
        refused("engine: {core_cpu: 1023}\n", "engine.core_cpu: CPU 1023", "allowed: ");
    Child check = spawn({BALLAST_EXE, "check-config", config}, (dir / "check.out").string());
    EXPECT_EQ(wait_exit(check, 60s), 2) << slurp(check.out_path);
    EXPECT_NE(slurp(check.out_path).find("engine.core_cpu"), std::string::npos);
  }
  // Output files that cannot be written are refused before anything starts, naming the flag: a
  // directory, or one file for both exports (found by the adversarial review: they failed at the
  // stop, the counters lost).
  const std::string good = small_desk(dir, "", session);
  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--counters-out", dir.string()},
            "--counters-out " + dir.string() + ": is a directory"},
           {{"--positions-out", dir.string()}, "--positions-out " + dir.string()},
           {{"--positions-out", (dir / "x.csv").string(), "--counters-out",
             (dir / "x.csv").string()},
            "name the same file"}}) {
    std::vector<std::string> argv = {BALLAST_EXE, "run", "--config", good};
    argv.insert(argv.end(), args.begin(), args.end());
    Child run = spawn(argv, (dir / "run.out").string());
    EXPECT_EQ(wait_exit(run, 30s), 2) << slurp(run.out_path);
    EXPECT_NE(slurp(run.out_path).find(says), std::string::npos) << slurp(run.out_path);
  }
  EXPECT_FALSE(fs::exists(dir / "journal")) << "nothing written";
}

// Issue 14: `taq` and `minute_bars` sources in `ballast run`. The engine reads the shipped
// Lean-layout files of 2012-06-21 09:30-10:00 (tests/data/lean_nasdaq_2012-06-21, made from the
// shipped NASDAQ tape by scripts/make_lean_test_data.py) while broker-sim, its own process, fills
// against the same day's tape: orders go out, every fill broker-sim logged is in the positions
// `run` exports, and check-config and run agree (both accept the configuration; a damaged row is
// refused by both with the same file:line message).
struct LeanRun {
  std::string kind;   // taq | minute_bars
  std::string files;  // YAML list of the source's paths
  std::string first_file;
};

LeanRun lean_files(const std::string& kind) {
  const std::string base = std::string(BALLAST_SOURCE_DIR) + "/tests/data/lean_nasdaq_2012-06-21/";
  LeanRun r;
  r.kind = kind;
  std::string list;
  for (const char* sym : {"aapl", "amzn", "goog"}) {
    const std::vector<std::string> names =
        kind == "taq"
            ? std::vector<std::string>{std::string("tick/20120621_") + sym + "_Trade_Tick.csv",
                                       std::string("tick/20120621_") + sym + "_Quote_Tick.csv"}
            : std::vector<std::string>{std::string("minute/20120621_") + sym + "_minute_trade.csv",
                                       std::string("minute/20120621_") + sym + "_minute_quote.csv"};
    for (const auto& n : names) {
      if (r.first_file.empty()) r.first_file = base + n;
      list += (list.empty() ? "" : ", ") + base + n;
    }
  }
  r.files = "[" + list + "]";
  return r;
}

std::string lean_desk(const fs::path& dir, int port, const std::string& kind,
                      const std::string& files) {
  const std::string closes = std::string(BALLAST_SOURCE_DIR) +
                             "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";
  std::ostringstream y;
  y << "version: 1\n"
       "instruments:\n  - {symbol: AAPL}\n  - {symbol: AMZN}\n  - {symbol: GOOG}\n"
    << growth_triggers_and_model("")
    << "accounts:\n"
       "  - {id: ACC-1, model: growth, cash: 100000.00, positions: {AAPL: 300}}\n"
       "  - {id: ACC-2, model: growth, cash: 250000.00, positions: {GOOG: 40}}\n"
       "market_data_quality: {stale_after: 30m, max_move_bps: 1000, mark: mid}\n"
       "optimizer: {mode: full, turnover_cap: 1.0, long_only: true, min_trade_value: 200.00,\n"
       "            risk_model: {estimator: ledoit_wolf, lookback_days: 200}}\n"
       "execution: {algo: twap, horizon: 10m, interval: 2m, limit: {policy: mid}, min_child_qty: "
       "1,\n"
       "            on_horizon_end: cross, participation_cap: 1.0}\n"
       "compliance: {max_adv_share: off, price_collar_bps: 300, reference_stale_after: 30m}\n"
       "fix:\n  sessions:\n"
       "    - {name: broker-sim, fix_version: FIX.4.4, host: 127.0.0.1, port: "
    << port << ", sender_comp_id: BALLAST, target_comp_id: BROKERSIM, heartbeat_s: 5, store_dir: "
    << (dir / "fix/store").string() << ", log_dir: " << (dir / "fix/log").string()
    << ", reconnect: {min_backoff: 200ms, max_backoff: 1s}}\n"
       "market_data:\n  sources:\n"
       "    - {name: closes, kind: daily_closes, path: "
    << closes << "}\n    - {name: day, kind: " << kind
    << ", pace: speed, speed: 120, paths: " << files << "}\n"
    << "journal: {dir: " << (dir / "journal").string() << "}\n";
  const std::string config = (dir / "desk.yaml").string();
  std::ofstream(config) << y.str();
  return config;
}

void run_lean_source_against_broker_sim(const std::string& kind) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / ("run-" + kind);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string shipped =
      std::string(BALLAST_SOURCE_DIR) + "/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv";
  // broker-sim trades 09:30-10:05; the engine's files end at 10:00.
  cut_tape(shipped, (dir / "sim.tape.csv").string(), 36'300'000'000'000);
  std::string port_error;
  const int port = fix::pick_free_port(port_error);
  ASSERT_GT(port, 0) << port_error;
  const LeanRun files = lean_files(kind);
  const std::string config = lean_desk(dir, port, kind, files.files);

  // check-config accepts what run runs.
  Child check = spawn({BALLAST_EXE, "check-config", config}, (dir / "check.out").string());
  ASSERT_EQ(wait_exit(check, 60s), 0) << slurp(check.out_path);
  EXPECT_NE(slurp(check.out_path).find(std::string(", day: ") + kind + ")"), std::string::npos)
      << slurp(check.out_path);

  SimAndRun p;
  ASSERT_NO_FATAL_FAILURE(start_sim_and_run(dir, port, config, p));
  Child& sim = p.sim;
  Child& run = p.run;
  const std::string& csv = p.csv;
  // The replay thread is an agent named for its source's index.
  bool md_thread = false;
  for (int k = 0; k < 100 && !md_thread && run.running(); ++k) {
    std::this_thread::sleep_for(100ms);
    std::error_code ec;
    for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(run.pid) + "/task", ec)) {
      if (slurp((t.path() / "comm").string()) == "ballast-md-0\n") md_thread = true;
    }
  }
  EXPECT_TRUE(md_thread) << "no thread ballast-md-0\n" << slurp(run.out_path);
  std::string out;
  ASSERT_NO_FATAL_FAILURE(stop_run_after_sim(sim, run, out));
  EXPECT_NE(out.find("1 file feeds"), std::string::npos) << out;
  // The journal's manifest has the trading date of the files' names.
  EXPECT_NE(slurp((dir / "journal/manifest.txt").string()).find("session_date=2012-06-21"),
            std::string::npos)
      << slurp((dir / "journal/manifest.txt").string());

  const SimFills f = sim_fills((dir / "broker-sim/messages.log").string());
  EXPECT_GT(f.fills, 0u) << out;
  const CsvBook b = read_positions(csv);
  ASSERT_EQ(b.error, "") << slurp(csv);
  const std::vector<DeskAccount> desk = {{"ACC-1", "100000.00", {{"AAPL", 300}}},
                                         {"ACC-2", "250000.00", {{"GOOG", 40}}}};
  ASSERT_EQ(b.accounts.size(), desk.size()) << slurp(csv);
  expect_start_plus_fills(desk, f, b);

  // A damaged row: check-config and run refuse it alike, naming the file, line and field.
  {
    const fs::path bad_dir = dir / "damaged";
    fs::create_directories(bad_dir);
    const fs::path bad_file = bad_dir / fs::path(files.first_file).filename();
    std::ifstream in(files.first_file);
    std::ofstream bad(bad_file);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (n == 7) line.replace(line.find(',') + 1, 1, "x");  // the first price's first digit
      bad << line << "\n";
    }
    bad.close();
    std::string paths = files.files;
    paths.replace(paths.find(files.first_file), files.first_file.size(), bad_file.string());
    const std::string bad_config = lean_desk(bad_dir, port, kind, paths);
    const std::string expected_where = bad_file.filename().string() + ":7: field 2";
    Child c = spawn({BALLAST_EXE, "check-config", bad_config}, (bad_dir / "check.out").string());
    EXPECT_EQ(wait_exit(c, 60s), 2) << slurp(c.out_path);
    EXPECT_NE(slurp(c.out_path).find(expected_where), std::string::npos) << slurp(c.out_path);
    Child r = spawn({BALLAST_EXE, "run", "--config", bad_config}, (bad_dir / "run.out").string());
    EXPECT_EQ(wait_exit(r, 60s), 2) << slurp(r.out_path);
    EXPECT_NE(slurp(r.out_path).find(expected_where), std::string::npos) << slurp(r.out_path);
    EXPECT_FALSE(fs::exists(bad_dir / "journal")) << "nothing written";
  }
}

// Issue 14: taq, minute_bars and tape sources in one run, each replayed by its own agent on one
// shared anchor: every row of every source reaches the core (the run ends by itself when all
// three have ended, no FIX session), no bar before its minute is over on the ticks' time line, and
// the session date is the files'.
TEST(RunProcess, TaqMinuteBarsAndTapeSourcesReplayTogether) {
  const fs::path dir = fs::path(BALLAST_BINARY_DIR) / "run-mixed-sources";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string lean = std::string(BALLAST_SOURCE_DIR) + "/tests/data/lean_nasdaq_2012-06-21/";
  const std::string taq_t = lean + "tick/20120621_aapl_Trade_Tick.csv";
  const std::string taq_q = lean + "tick/20120621_aapl_Quote_Tick.csv";
  const std::string bar_t = lean + "minute/20120621_amzn_minute_trade.csv";
  const std::string bar_q = lean + "minute/20120621_amzn_minute_quote.csv";
  cut_tape(
      std::string(BALLAST_SOURCE_DIR) + "/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv",
      (dir / "goog.tape.csv").string(), 34'260'000'000'000);  // to 09:31
  auto rows = [](const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::uint64_t n = 0;
    while (std::getline(in, line)) n += !line.empty() && line[0] != '#';
    return n;
  };
  const std::uint64_t all_rows = rows(taq_t) + rows(taq_q) + rows(bar_t) + rows(bar_q) +
                                 rows((dir / "goog.tape.csv").string());
  std::ofstream(dir / "desk.yaml")
      << "instruments:\n  - {symbol: AAPL}\n  - {symbol: AMZN}\n  - {symbol: GOOG}\n"
         "models:\n  - {id: m, weights: {AAPL: 0.3, AMZN: 0.3, GOOG: 0.3}, cash_buffer: 0.1}\n"
         "accounts:\n  - {id: A1, model: m, cash: 100000}\n"
         "compliance: {max_adv_share: off}\n"
         "market_data:\n  sources:\n"
         "    - {name: closes, kind: daily_closes, pace: fast, path: "
      << BALLAST_SOURCE_DIR << "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv}\n"
      << "    - {name: ticks, kind: taq, pace: speed, speed: 300, paths: [" << taq_t << ", "
      << taq_q << "]}\n"
      << "    - {name: bars, kind: minute_bars, pace: speed, speed: 300, paths: [" << bar_t << ", "
      << bar_q << "]}\n"
      << "    - {name: tape, kind: tape, pace: speed, speed: 300, path: "
      << (dir / "goog.tape.csv").string() << "}\n"
      << "journal: {dir: " << (dir / "journal").string() << "}\n";
  const std::string config = (dir / "desk.yaml").string();
  Child check = spawn({BALLAST_EXE, "check-config", config}, (dir / "check.out").string());
  ASSERT_EQ(wait_exit(check, 60s), 0) << slurp(check.out_path);
  Child run = spawn({BALLAST_EXE, "run", "--config", config}, (dir / "run.out").string());
  ASSERT_EQ(wait_exit(run, 60s), 0) << slurp(run.out_path);
  const std::string out = slurp(run.out_path);
  EXPECT_NE(out.find("3 file feeds"), std::string::npos) << out;
  // Every row of every source is in the journal as an input, each once: the trade bars as bars,
  // the rest as quotes and trades.
  Child dump = spawn({BALLAST_EXE, "journal", "dump", (dir / "journal").string()},
                     (dir / "dump.out").string());
  ASSERT_EQ(wait_exit(dump, 60s), 0) << slurp(dump.out_path);
  std::map<std::string, std::uint64_t> inputs;
  // The sources share one anchor (their earliest first event): the first bar, stamped 09:31:00
  // (its minute's end), reaches the core after the ticks of 09:30:00-09:30:30, not with the first
  // tick (30 s of recorded time is 100 ms at 300x: slack for a loaded machine).
  std::uint64_t early_ticks_after_first_bar = 0;
  bool bar_seen = false;
  {
    std::istringstream in(slurp(dump.out_path));
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string n, what, type, seq, event_time;
      f >> n >> what >> type >> seq >> event_time;
      if (what != "input") continue;
      ++inputs[type];
      if (type == "BarClosed") bar_seen = true;
      if (bar_seen && type != "BarClosed" && event_time < "event_time=2012-06-21T13:30:30") {
        ++early_ticks_after_first_bar;
      }
    }
  }
  EXPECT_TRUE(bar_seen);
  EXPECT_EQ(early_ticks_after_first_bar, 0u);
  EXPECT_EQ(inputs["BarClosed"], rows(bar_t));
  EXPECT_EQ(inputs["QuoteUpdated"] + inputs["TradePrinted"], all_rows - rows(bar_t));
  EXPECT_NE(slurp((dir / "journal/manifest.txt").string()).find("session_date=2012-06-21"),
            std::string::npos);
}

TEST(RunProcess, ATaqSourceTradesAgainstBrokerSimAndItsFillsReconcile) {
  run_lean_source_against_broker_sim("taq");
}

TEST(RunProcess, AMinuteBarsSourceTradesAgainstBrokerSimAndItsFillsReconcile) {
  run_lean_source_against_broker_sim("minute_bars");
}

}  // namespace
}  // namespace ballast::tools
