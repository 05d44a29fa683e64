// The run manifest: what a journal's runs were built from (`ballast demo` options, or the
// configuration file of `ballast run`), kept next to the journal segments as manifest.txt so
// `ballast replay` and crash recovery rebuild the same engine. docs/journal.md.
#pragma once

#include <map>
#include <string>

#include "ballast/core/result.hpp"

namespace ballast::tools {

struct Manifest {
  std::map<std::string, std::string> values;  ///< key -> value; "kind" is "demo" or "run"

  const std::string& get(const std::string& key) const;  ///< "" when absent
  /// "# ballast run manifest v1" then `key=value` lines, sorted.
  std::string text() const;
};

/// Reads `<journal dir>/manifest.txt`. Errors name the file and line.
Result<Manifest> read_manifest(const std::string& journal_dir);

/// Read-only: Ok when the journal in `journal_dir` has no manifest yet or one equal to `m`;
/// otherwise the error check_or_write_manifest gives. Writes nothing.
Status check_manifest(const std::string& journal_dir, const Manifest& m);

/// Before a run appends to the journal in `journal_dir`: writes the manifest (fsync'd) when the
/// journal has none; when it has one, it must be equal (a restart with other options would not
/// reproduce the recorded decisions): the error names the first key that differs and both values.
Status check_or_write_manifest(const std::string& journal_dir, const Manifest& m);

}  // namespace ballast::tools
