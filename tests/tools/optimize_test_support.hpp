// Tests of `ballast optimize` (tools/ballast/optimize_command): the command run in-process on a
// JSON problem written to a file, and the two-asset problem they start from.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "optimize_command.hpp"

namespace ballast::tools {

/// What `ballast optimize` returned and printed.
struct CliRun {
  int rc;
  std::string out, err;
};

/// `ballast optimize` on the file `path`.
inline CliRun run_optimize_file(const std::string& path) {
  std::ostringstream out, err;
  const int rc = optimize_main(path, out, err);
  return {rc, out.str(), err.str()};
}

/// `ballast optimize` on `text`, written to a temporary file named `name` after the process id
/// and a count of calls (one file per process and call: ctest runs these tests as parallel
/// processes), removed afterwards.
inline CliRun run_optimize_text(const std::string& text,
                                const std::string& name = "ballast_optimize_test.json") {
  static int calls = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    (std::to_string(::getpid()) + "_" + std::to_string(calls++) + "_" + name);
  std::ofstream(path) << text;
  CliRun r = run_optimize_file(path.string());
  std::filesystem::remove(path);
  return r;
}

/// Two assets held 70/30 against targets of 60/40, no cash.
inline const char* const kTwoAssets = R"({
  "instruments": ["A", "B"],
  "covariance": [[0.04, 0.01], [0.01, 0.0225]],
  "current": {"weights": {"A": 0.7, "B": 0.3}, "cash": 0.0},
  "targets": {"A": 0.6, "B": 0.4}
})";

}  // namespace ballast::tools
