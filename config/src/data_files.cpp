// The files a configuration names: path resolution against the configuration's directory, and
// opening and reading each one at check time (see data_files.hpp).
#include "data_files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ballast/adapters/market_data_daily.hpp"
#include "ballast/adapters/market_data_files.hpp"
#include "ballast/adapters/tape_file.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/execution/slicer.hpp"
#include "ballast/http/http_config.hpp"

namespace ballast::config::detail {

namespace {

namespace fs = std::filesystem;

void resolve(std::string& p, const fs::path& base) {
  if (p.empty() || base.empty()) return;
  const fs::path given(p);
  if (given.is_absolute()) return;
  p = (base / given).lexically_normal().string();
}

/// Empty when `path` opens for reading as a regular file and yields at least one byte; else why
/// not ("does not exist", "is a directory", the OS's reason, "is empty").
std::string open_problem(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return "the file does not exist";
  if (fs::is_directory(st)) return "this is a directory, not a file";
  // A FIFO, socket or device would block the check (a FIFO with no writer never opens) or never
  // end (/dev/zero): data files are regular files.
  if (!fs::is_regular_file(st)) return "not a regular file (a FIFO, socket or device)";
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return concat({"cannot open it: ", std::strerror(errno)});
  char byte = 0;
  if (std::fread(&byte, 1, 1, f.get()) != 1) {
    return std::ferror(f.get()) ? concat({"cannot read it: ", std::strerror(errno)})
                                : std::string("the file is empty");
  }
  return {};
}

/// The key path of source `i`'s `k`-th file as written: "...path" or "...paths[k]".
std::string source_key(const Document& doc, std::size_t i, std::size_t k) {
  const std::string base = concat({"market_data.sources[", std::to_string(i), "]"});
  const std::string one = base + ".path";
  if (k == 0 && doc.has(one)) return one;
  return concat({base, ".paths[", std::to_string(k), "]"});
}

void report(Document& doc, const std::string& key, const std::string& file,
            const std::string& message) {
  doc.report(doc.locate(key), key, concat({"'", file, "': ", message}));
}

/// The instrument table a source's rows are resolved against: the instruments plus every source
/// symbol its `symbols` mapping renames (the mapping, not the file, decides what they mean).
InstrumentTable source_table(const Settings& s, const MarketDataSourceConfig& src) {
  InstrumentTable t = s.instruments;
  for (const auto& m : src.symbols) {
    if (t.find(m.source).valid()) continue;
    Instrument extra;
    extra.symbol = m.source;
    (void)t.add(std::move(extra));
  }
  return t;
}

/// Reads one market-data file through with its kind's reader; Ok or the reader's error (which
/// names the file and line).
Status read_market_file(MarketDataKind kind, const std::string& path,
                        const InstrumentTable& table) {
  auto drain = [](EventReader& r) -> Status {
    while (r.next()) {
    }
    return r.status();
  };
  switch (kind) {
    case MarketDataKind::kTape: {
      auto r = TapeFileReader::open(path, table);
      if (!r) return r.error();
      return drain(r.value());
    }
    case MarketDataKind::kLobster: {
      auto name = parse_lobster_file_name(path);
      if (!name) return name.error();
      auto src = lobster_source(path, us_eastern_utc_offset(name.value().date));
      if (!src) return src.error();
      if (const auto why = open_problem(src.value().orderbook_path); !why.empty()) {
        return Error(concat({"its orderbook file '", src.value().orderbook_path, "': ", why}));
      }
      auto r = LobsterReader::open(src.value(), table);
      if (!r) return r.error();
      return drain(r.value());
    }
    case MarketDataKind::kTaq:
    case MarketDataKind::kMinuteBars: {
      auto name = parse_lean_file_name(path);
      if (!name) return name.error();
      auto src = lean_source(path, us_eastern_utc_offset(name.value().date));
      if (!src) return src.error();
      const LeanFileKind k = name.value().kind;
      const bool ticks = k == LeanFileKind::kTradeTicks || k == LeanFileKind::kQuoteTicks;
      if (ticks != (kind == MarketDataKind::kTaq)) {
        return Error(concat(
            {"a ", ticks ? "tick" : "minute-bar", " file in a ", to_string(kind), " source"}));
      }
      switch (k) {
        case LeanFileKind::kTradeTicks: {
          auto r = TaqTradeReader::open(src.value(), table);
          if (!r) return r.error();
          return drain(r.value());
        }
        case LeanFileKind::kQuoteTicks: {
          auto r = TaqQuoteReader::open(src.value(), table);
          if (!r) return r.error();
          return drain(r.value());
        }
        case LeanFileKind::kMinuteTradeBars: {
          auto r = MinuteTradeBarReader::open(src.value(), table);
          if (!r) return r.error();
          return drain(r.value());
        }
        case LeanFileKind::kMinuteQuoteBars: {
          auto r = MinuteQuoteBarReader::open(src.value(), table);
          if (!r) return r.error();
          return drain(r.value());
        }
      }
      return Ok{};
    }
    case MarketDataKind::kDailyCloses: {
      auto t = load_daily_closes(path);
      if (!t) return t.error();
      return Ok{};
    }
    case MarketDataKind::kFix:
      return Ok{};
  }
  return Ok{};
}

/// Loads the volume profile of every symbol the file has (one pass: VolumeProfile::load_many).
Status read_volume_profile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> header;
  for (std::size_t a = 0;;) {
    const std::size_t b = line.find(',', a);
    header.push_back(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  std::size_t c_sym = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "symbol") c_sym = i;
  }
  std::set<std::string> symbols;
  while (c_sym < header.size() && std::getline(in, line)) {
    std::size_t a = 0;
    for (std::size_t i = 0; i < c_sym && a != std::string::npos; ++i) {
      a = line.find(',', a);
      if (a != std::string::npos) ++a;
    }
    if (a == std::string::npos) continue;  // a short row: load() below names it
    const std::size_t b = line.find(',', a);
    symbols.insert(line.substr(a, b == std::string::npos ? std::string::npos : b - a));
  }
  if (symbols.empty()) symbols.insert("");  // load_many() reports the header or the empty file
  // Every symbol's rows in one pass over the file.
  auto all =
      VolumeProfile::load_many(path, std::vector<std::string>(symbols.begin(), symbols.end()));
  if (!all) return all.error();
  for (const auto& p : all.value()) {
    if (!p) return p.error();
  }
  return Ok{};
}

}  // namespace

void resolve_input_paths(Settings& s, const fs::path& base_dir) {
  for (auto& src : s.market_data.sources) {
    for (auto& p : src.paths) resolve(p, base_dir);
  }
  resolve(s.execution.volume_profile, base_dir);
  resolve(s.market_data.adv.path, base_dir);
  for (auto& f : s.fix.sessions) {
    resolve(f.tls.ca_file, base_dir);
    resolve(f.tls.cert_file, base_dir);
    resolve(f.tls.key_file, base_dir);
    resolve(f.data_dictionary, base_dir);
  }
  resolve(s.operator_http.tls.cert_file, base_dir);
  resolve(s.operator_http.tls.key_file, base_dir);
}

void check_input_files(Document& doc, const Settings& s, bool contents) {
  for (std::size_t i = 0; i < s.market_data.sources.size(); ++i) {
    const auto& src = s.market_data.sources[i];
    const InstrumentTable table = contents ? source_table(s, src) : InstrumentTable{};
    for (std::size_t k = 0; k < src.paths.size(); ++k) {
      const std::string key = source_key(doc, i, k);
      const std::string& path = src.paths[k];
      if (const auto why = open_problem(path); !why.empty()) {
        report(doc, key, path, why);
        continue;
      }
      if (!contents) continue;
      if (auto st = read_market_file(src.kind, path, table); !st) {
        report(doc, key, path, st.error().message);
      }
    }
  }
  if (const std::string& ap = s.market_data.adv.path; !ap.empty()) {
    if (const auto why = open_problem(ap); !why.empty()) {
      report(doc, "market_data.adv.path", ap, why);
    } else if (contents) {
      if (auto t = load_daily_volumes(ap); !t) {
        report(doc, "market_data.adv.path", ap, t.error().message);
      }
    }
  }
  if (const std::string& vp = s.execution.volume_profile; !vp.empty()) {
    if (const auto why = open_problem(vp); !why.empty()) {
      report(doc, "execution.volume_profile", vp, why);
    } else if (contents) {
      if (auto st = read_volume_profile(vp); !st) {
        report(doc, "execution.volume_profile", vp, st.error().message);
      }
    }
  }
  for (std::size_t i = 0; i < s.fix.sessions.size(); ++i) {
    const auto& f = s.fix.sessions[i];
    if (!f.enabled) continue;  // not started: its files need not exist on this machine
    const std::string base = concat({"fix.sessions[", std::to_string(i), "]"});
    auto check = [&](const std::string& key, const std::string& path) {
      if (path.empty()) return;
      if (const auto why = open_problem(path); !why.empty()) report(doc, key, path, why);
    };
    if (f.tls.enabled) {
      check(base + ".tls.ca_file", f.tls.ca_file);
      check(base + ".tls.cert_file", f.tls.cert_file);
      check(base + ".tls.key_file", f.tls.key_file);
    }
    check(base + ".data_dictionary", f.data_dictionary);
  }
  // The operator server's certificate and key: each opens, then both load as the server loads
  // them (PEM, the key unencrypted and matching the certificate, the certificate in its dates).
  if (const auto& h = s.operator_http; h.enabled && h.tls.enabled) {
    bool opened = true;
    for (const auto& [key, path] : {std::pair{"operator.http.tls.cert_file", &h.tls.cert_file},
                                    std::pair{"operator.http.tls.key_file", &h.tls.key_file}}) {
      if (path->empty()) {
        opened = false;  // validate() names the missing key
      } else if (const auto why = open_problem(*path); !why.empty()) {
        report(doc, key, *path, why);
        opened = false;
      }
    }
    if (opened) {
      for (const auto& v : http::check_tls_files(h.tls)) {
        const std::string& file = v.path == "tls.key_file" ? h.tls.key_file : h.tls.cert_file;
        report(doc, "operator.http." + v.path, file, v.message);
      }
    }
  }
}

}  // namespace ballast::config::detail
