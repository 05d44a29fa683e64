// Private to config/: reading yaml-cpp nodes into typed values with file positions, unknown-key
// detection and "did you mean" suggestions. Nothing here throws for bad input; problems become
// diagnostics in the Document.
#pragma once

#include <yaml-cpp/yaml.h>

#include <concepts>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ballast/base/enum_names.hpp"
#include "ballast/config/config.hpp"
#include "ballast/config/text.hpp"

namespace ballast::config::detail {

/// A 1-based position in the file; 0 = unknown.
struct Location {
  int line = 0;
  int column = 0;
};

/// Converts yaml-cpp's 0-based mark (negative when unknown) to a Location.
Location location_of(const YAML::Mark& m) noexcept;

/// The diagnostics of one file being read, and where each key path is, so that violations found
/// later by validate() (which know only paths) can be given a line and column.
class Document {
 public:
  explicit Document(std::string file) : file_(std::move(file)) {}

  const std::string& file() const noexcept { return file_; }
  bool has_errors() const noexcept { return !diags_.empty(); }

  /// Adds a diagnostic at `where`; a non-empty `path` prefixes the message ("path: message").
  void report(Location where, std::string_view path, const std::string& message);
  /// Remembers that the value at `path` could not be read: validate() violations on it, below it
  /// or on its parent repeat that problem and are dropped.
  void fail(std::string path) { failed_.push_back(std::move(path)); }
  /// Whether a violation at `path` repeats a problem already reported while reading.
  bool already_reported(std::string_view path) const;

  /// Records where a key and its value are. Collections are located at their key.
  void remember(const std::string& path, Location key, Location value, bool collection);
  /// Whether the key at `path` is written in the file.
  bool has(std::string_view path) const { return places_.count(std::string(path)) != 0; }
  /// Returns the location of `path`, or of its nearest enclosing key that was seen.
  Location locate(std::string_view path) const;

  /// Returns the diagnostics sorted by line and column, without repeats.
  std::vector<Diagnostic> take_diagnostics();

 private:
  struct Place {
    Location key;
    Location value;
    bool collection = false;
  };
  std::string file_;
  std::vector<Diagnostic> diags_;
  std::unordered_map<std::string, Place> places_;
  std::vector<std::string> failed_;
};

/// A value in the file: its node, its key path and the position of its key (or list item).
struct Field {
  YAML::Node node;
  std::string path;
  Location key;

  /// The value's position; for an empty value (no node text) the key's.
  Location value() const;
};

/// Returns "a list", "a mapping", "an empty value" or "a value" for messages.
const char* describe(const YAML::Node& n);

/// Returns the scalar text of `f`, or reports "expected <what>, got a list" and fails the path.
std::optional<std::string> scalar_text(Document& doc, const Field& f, std::string_view what);

/// Reports `message` at the value of `f` and fails its path.
void value_error(Document& doc, const Field& f, const std::string& message);

// Typed reads: each returns true and sets `out` when the value is valid; otherwise it reports the
// problem at the value's position, fails the path and leaves `out` unchanged.
bool read(Document& doc, const Field& f, std::string& out);
bool read(Document& doc, const Field& f, bool& out);
bool read(Document& doc, const Field& f, double& out);
bool read(Document& doc, const Field& f, Duration& out);
bool read(Document& doc, const Field& f, TimeOfDay& out);
bool read(Document& doc, const Field& f, Currency& out);
bool read(Document& doc, const Field& f, AssetClass& out);
bool read_integer(Document& doc, const Field& f, std::int64_t lo, std::int64_t hi,
                  std::int64_t& out);
bool read_byte_size(Document& doc, const Field& f, std::uint64_t& out);

template <class Int>
requires(std::integral<Int> && !std::same_as<Int, bool>) bool read(Document& doc, const Field& f,
                                                                   Int& out) {
  constexpr auto lo = static_cast<std::int64_t>(std::numeric_limits<Int>::min());
  constexpr auto hi = std::numeric_limits<Int>::max() > static_cast<std::uint64_t>(INT64_MAX)
                          ? INT64_MAX
                          : static_cast<std::int64_t>(std::numeric_limits<Int>::max());
  std::int64_t v = 0;
  if (!read_integer(doc, f, lo, hi, v)) return false;
  out = static_cast<Int>(v);
  return true;
}

template <class Tag, int D>
bool read(Document& doc, const Field& f, Fixed<Tag, D>& out) {
  const auto text = scalar_text(doc, f, concat({"a ", Tag::kName, " such as 12.5"}));
  if (!text) return false;
  auto r = Fixed<Tag, D>::parse(*text);
  if (!r) {
    value_error(doc, f, r.error().message);
    return false;
  }
  out = r.value();
  return true;
}

template <class T>
bool read(Document& doc, const Field& f, std::optional<T>& out) {
  T v{};
  if (!read(doc, f, v)) return false;
  out = v;
  return true;
}

/// Reads one of the values `table` names, spelled as its name (the same table the module's
/// to_string() reads); a near miss gets a "did you mean".
template <class E, E kLast, E kFirst>
bool read_enum(Document& doc, const Field& f, E& out, const EnumNames<E, kLast, kFirst>& table) {
  std::vector<std::string> names;
  std::string expected = "one of ";
  for (std::size_t i = 0; i < table.size(); ++i) {
    names.emplace_back(table.name_at(i));
    if (i > 0) expected += ", ";
    expected += names[i];
  }
  const auto text = scalar_text(doc, f, expected);
  if (!text) return false;
  if (table.parse(*text, out)) return true;
  std::string msg = concat({"'", *text, "' is not ", expected});
  if (auto near = closest_match(*text, names)) msg += concat({"; did you mean '", *near, "'?"});
  value_error(doc, f, msg);
  return false;
}

/// Calls fn(item) for each element of a list (a Field with path "path[i]"). An empty value is an
/// empty list; anything but a list is reported. Returns false when `f` is not a list.
template <class Fn>
bool for_each_item(Document& doc, const Field& f, std::string_view what, Fn&& fn) {
  if (!f.node.IsDefined() || f.node.IsNull()) return true;
  if (!f.node.IsSequence()) {
    value_error(doc, f, concat({"expected a list of ", what, ", got ", describe(f.node)}));
    return false;
  }
  std::size_t i = 0;
  for (const auto& item : f.node) {
    Field it{item, concat({f.path, "[", std::to_string(i++), "]"}), location_of(item.Mark())};
    doc.remember(it.path, it.key, it.value(), item.IsMap() || item.IsSequence());
    fn(it);
  }
  return true;
}

/// Calls fn(key, value) for each entry of a mapping keyed by names (symbols, asset classes); the
/// value's path is "path.key". Reports non-text and duplicate keys. An empty value is empty.
template <class Fn>
bool for_each_entry(Document& doc, const Field& f, std::string_view what, Fn&& fn) {
  if (!f.node.IsDefined() || f.node.IsNull()) return true;
  if (!f.node.IsMap()) {
    value_error(doc, f, concat({"expected a mapping of ", what, ", got ", describe(f.node)}));
    return false;
  }
  std::unordered_map<std::string, Location> seen;
  for (const auto& kv : f.node) {
    const Location key_at = location_of(kv.first.Mark());
    if (!kv.first.IsScalar()) {
      doc.report(key_at, f.path, concat({"keys must be plain names, not ", describe(kv.first)}));
      continue;
    }
    const std::string key = kv.first.Scalar();
    const std::string path = join_path(f.path, key);
    auto [it, inserted] = seen.emplace(key, key_at);
    if (!inserted) {
      doc.report(key_at, f.path,
                 concat({"duplicate key '", key, "' (first at line ",
                         std::to_string(it->second.line), ")"}));
      doc.fail(path);
      continue;
    }
    Field value{kv.second, path, key_at};
    // The key names the entry (a symbol), so later violations about it point at the key.
    doc.remember(path, key_at, key_at, true);
    fn(key, value);
  }
  return true;
}

/// Reads the keys of one mapping with a fixed set of known keys. Every key asked for through
/// take()/get() is known; when the reader is destroyed, each other key in the mapping is reported
/// as unknown, with the nearest known key suggested (or as an inline secret).
class MapReader {
 public:
  /// An empty value reads as an empty mapping; anything but a mapping is reported (and failed).
  MapReader(Document& doc, const Field& f);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const noexcept { return valid_; }
  const std::string& path() const noexcept { return path_; }

  /// Registers `key` as known and returns its value when present.
  std::optional<Field> take(std::string_view key);
  /// Like take(), but reports "missing required key" (and fails its path) when absent.
  std::optional<Field> require(std::string_view key);

  template <class T>
  bool get(std::string_view key, T& out) {
    auto f = take(key);
    return f && read(doc_, *f, out);
  }
  template <class T>
  bool get_required(std::string_view key, T& out) {
    auto f = require(key);
    return f && read(doc_, *f, out);
  }
  template <class E, E kLast, E kFirst>
  bool get_enum(std::string_view key, E& out, const EnumNames<E, kLast, kFirst>& table) {
    auto f = take(key);
    return f && read_enum(doc_, *f, out, table);
  }

 private:
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
    bool used = false;
  };
  void report_unknown();

  Document& doc_;
  std::string path_;
  Location at_;
  bool valid_ = true;
  bool reported_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> known_;
};

}  // namespace ballast::config::detail
