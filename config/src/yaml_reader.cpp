// Reading yaml-cpp nodes into typed values with positions; unknown keys and suggestions.
#include "yaml_reader.hpp"

#include <algorithm>
#include <tuple>

namespace ballast::config::detail {

namespace {

/// Keys that would hold a credential in the file. Their values are never echoed.
bool is_secret_key(std::string_view key) {
  static constexpr std::string_view kSecretKeys[] = {
      "password", "passwd", "pass",         "secret",      "api_key",
      "apikey",   "token",  "access_token", "private_key", "passphrase"};
  return std::find(std::begin(kSecretKeys), std::end(kSecretKeys), key) != std::end(kSecretKeys);
}

bool starts_with_segment(std::string_view path, std::string_view prefix) {
  return path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix &&
         (path[prefix.size()] == '.' || path[prefix.size()] == '[');
}

/// The path one level up: "a.b[2]" -> "a.b", "a.b" -> "a", "a" -> "".
std::string_view parent_of(std::string_view path) {
  const auto cut = path.find_last_of(".[");
  return cut == std::string_view::npos ? std::string_view() : path.substr(0, cut);
}

}  // namespace

Location location_of(const YAML::Mark& m) noexcept {
  if (m.line < 0 || m.column < 0) return {};
  return {m.line + 1, m.column + 1};
}

// ---------------------------------------------------------------------------------------------
// Document

void Document::report(Location where, std::string_view path, const std::string& message) {
  Diagnostic d;
  d.file = file_;
  d.line = where.line;
  d.column = where.column;
  d.message = path.empty() ? message : concat({path, ": ", message});
  diags_.push_back(std::move(d));
}

bool Document::already_reported(std::string_view path) const {
  for (const auto& f : failed_) {
    if (path == f || starts_with_segment(path, f) || parent_of(f) == path) return true;
  }
  return false;
}

void Document::remember(const std::string& path, Location key, Location value, bool collection) {
  places_.insert_or_assign(path, Place{key, value, collection});
}

Location Document::locate(std::string_view path) const {
  std::string_view p = path;
  while (!p.empty()) {
    const auto it = places_.find(std::string(p));
    if (it != places_.end()) {
      return it->second.collection ? it->second.key : it->second.value;
    }
    p = parent_of(p);
  }
  return {};
}

std::vector<Diagnostic> Document::take_diagnostics() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::vector<Diagnostic> out;
  for (auto& d : diags_) {
    const bool repeat = std::any_of(out.begin(), out.end(), [&](const Diagnostic& o) {
      return o.line == d.line && o.column == d.column && o.message == d.message;
    });
    if (!repeat) out.push_back(std::move(d));
  }
  diags_.clear();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values

Location Field::value() const {
  if (!node.IsDefined() || node.IsNull()) return key;
  const Location v = location_of(node.Mark());
  return v.line == 0 ? key : v;
}

const char* describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "an empty value";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "a value";
}

void value_error(Document& doc, const Field& f, const std::string& message) {
  // A list or mapping starts on the line after its key; the key is where a reader looks.
  const bool collection = f.node.IsMap() || f.node.IsSequence();
  doc.report(collection ? f.key : f.value(), f.path, message);
  doc.fail(f.path);
}

std::optional<std::string> scalar_text(Document& doc, const Field& f, std::string_view what) {
  if (f.node.IsScalar()) return f.node.Scalar();
  value_error(doc, f, concat({"expected ", what, ", got ", describe(f.node)}));
  return std::nullopt;
}

bool read(Document& doc, const Field& f, std::string& out) {
  auto text = scalar_text(doc, f, "a text value");
  if (!text) return false;
  out = std::move(*text);
  return true;
}

bool read(Document& doc, const Field& f, bool& out) {
  const auto text = scalar_text(doc, f, "true or false");
  if (!text) return false;
  auto r = parse_bool(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  out = r.value();
  return true;
}

bool read(Document& doc, const Field& f, double& out) {
  const auto text = scalar_text(doc, f, "a number");
  if (!text) return false;
  auto r = parse_real(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  out = r.value();
  return true;
}

bool read(Document& doc, const Field& f, Duration& out) {
  const auto text = scalar_text(doc, f, "a duration such as 30s");
  if (!text) return false;
  auto r = parse_duration(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  out = r.value();
  return true;
}

bool read(Document& doc, const Field& f, TimeOfDay& out) {
  const auto text = scalar_text(doc, f, "a local time HH:MM");
  if (!text) return false;
  auto r = parse_time_of_day(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  out = r.value();
  return true;
}

bool read(Document& doc, const Field& f, Currency& out) {
  const auto text = scalar_text(doc, f, "a currency code such as USD");
  if (!text) return false;
  const bool ok = text->size() == 3 && std::all_of(text->begin(), text->end(),
                                                   [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!ok) {
    value_error(doc, f, concat({"'", *text, "' is not a three-letter ISO 4217 code such as USD"}));
    return false;
  }
  out = Currency::of(*text);
  return true;
}

bool read(Document& doc, const Field& f, AssetClass& out) {
  const auto text = scalar_text(doc, f, "an asset class such as equity");
  if (!text) return false;
  // The core's parser is the one definition of the names.
  auto r = parse_asset_class(*text);
  if (!r) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < kAssetClassNames.size(); ++i) {
      names.emplace_back(kAssetClassNames.name_at(i));
    }
    std::string msg = r.error().message;
    if (auto near = closest_match(*text, names)) msg += concat({"; did you mean '", *near, "'?"});
    value_error(doc, f, msg);
    return false;
  }
  out = r.value();
  return true;
}

bool read_integer(Document& doc, const Field& f, std::int64_t lo, std::int64_t hi,
                  std::int64_t& out) {
  const auto text = scalar_text(doc, f, "a whole number");
  if (!text) return false;
  auto r = parse_integer(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  if (r.value() < lo || r.value() > hi) {
    value_error(doc, f,
                concat({"expected a whole number in ", std::to_string(lo), "..", std::to_string(hi),
                        ", got '", *text, "'"}));
    return false;
  }
  out = r.value();
  return true;
}

bool read_byte_size(Document& doc, const Field& f, std::uint64_t& out) {
  const auto text = scalar_text(doc, f, "a size such as 64MiB");
  if (!text) return false;
  auto r = parse_byte_size(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  out = r.value();
  return true;
}

// ---------------------------------------------------------------------------------------------
// MapReader

MapReader::MapReader(Document& doc, const Field& f) : doc_(doc), path_(f.path), at_(f.value()) {
  if (!f.node.IsDefined() || f.node.IsNull()) return;
  if (!f.node.IsMap()) {
    value_error(doc_, f,
                concat({"expected a mapping of keys (key: value lines), got ", describe(f.node)}));
    valid_ = false;
    return;
  }
  at_ = location_of(f.node.Mark());
  for (const auto& kv : f.node) {
    const Location key_at = location_of(kv.first.Mark());
    if (!kv.first.IsScalar()) {
      doc_.report(key_at, path_, concat({"keys must be plain names, not ", describe(kv.first)}));
      continue;
    }
    const std::string key = kv.first.Scalar();
    const auto dup = std::find_if(entries_.begin(), entries_.end(),
                                  [&](const Entry& e) { return e.key == key; });
    if (dup != entries_.end()) {
      doc_.report(key_at, path_,
                  concat({"duplicate key '", key, "' (first at line ",
                          std::to_string(location_of(dup->key_node.Mark()).line), ")"}));
      doc_.fail(join_path(path_, key));
      continue;
    }
    entries_.push_back(Entry{key, kv.first, kv.second, false});
  }
}

MapReader::~MapReader() {
  report_unknown();
}

std::optional<Field> MapReader::take(std::string_view key) {
  known_.emplace_back(key);
  for (auto& e : entries_) {
    if (e.key != key) continue;
    e.used = true;
    Field f{e.value, join_path(path_, key), location_of(e.key_node.Mark())};
    doc_.remember(f.path, f.key, f.value(), e.value.IsMap() || e.value.IsSequence());
    return f;
  }
  return std::nullopt;
}

std::optional<Field> MapReader::require(std::string_view key) {
  auto f = take(key);
  if (!f && valid_) {
    doc_.report(at_, path_, concat({"missing required key '", key, "'"}));
    doc_.fail(join_path(path_, key));
  }
  return f;
}

void MapReader::report_unknown() {
  if (reported_) return;
  reported_ = true;
  for (const auto& e : entries_) {
    if (e.used) continue;
    const Location where = location_of(e.key_node.Mark());
    std::string msg;
    if (is_secret_key(e.key)) {
      // The key that names the variable instead: the operator's tokens have their own.
      const bool op = starts_with_segment(path_, "operator") || path_ == "operator";
      msg = concat({"'", e.key,
                    "': secrets must not be written in the file; put the name of an environment "
                    "variable in ",
                    op ? "read_token_env or control_token_env" : "password_env"});
    } else if (e.key == "<<") {
      msg = "YAML merge keys (<<) are not supported; write the keys out";
    } else {
      msg = concat({path_.empty() ? "unknown section '" : "unknown key '", e.key, "'"});
      if (auto near = closest_match(e.key, known_)) {
        msg += concat({"; did you mean '", *near, "'?"});
      } else if (!known_.empty()) {
        msg += "; known keys: ";
        for (std::size_t i = 0; i < known_.size(); ++i) {
          if (i > 0) msg += ", ";
          msg += known_[i];
        }
      }
    }
    doc_.report(where, path_, msg);
  }
}

}  // namespace ballast::config::detail
