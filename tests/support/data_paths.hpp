// Where tests find their data: the extracts shipped in the repository (data/, tests/data/) and the
// large shared data set beside the clone (../shared/data), which a user's clone does not have.
//
// The shared root is $BALLAST_SHARED_DATA when set (scripts/test.sh sets it to a directory that
// does not exist for one pass, to prove the suite passes without it), else ../shared/data beside
// the source tree. A test that needs a shared file calls BALLAST_SKIP_WITHOUT_SHARED(path) first:
// the test is skipped with the reason instead of failing (or aborting) on a missing file.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace ballast::test {

/// The shared data root: $BALLAST_SHARED_DATA if set and not empty, else BALLAST_SHARED_DATA_DIR
/// (../shared/data beside the clone).
inline const std::string& shared_data_dir() {
  static const std::string dir = [] {
    const char* env = std::getenv("BALLAST_SHARED_DATA");
    if (env != nullptr && *env != '\0') return std::string(env);
    return std::string(BALLAST_SHARED_DATA_DIR);
  }();
  return dir;
}

/// Path of `rel` under the shared data root (the file may not exist: see shared_file_missing).
inline std::string shared_data(std::string_view rel) {
  std::string p = shared_data_dir();
  p.append("/");
  p.append(rel);
  return p;
}

/// Path of `rel` under the repository's data/ directory (always present in a clone).
inline std::string shipped_data(std::string_view rel) {
  std::string p(BALLAST_SOURCE_DIR);
  p.append("/data/");
  p.append(rel);
  return p;
}

/// Path of `rel` under the repository's tests/data/ directory (always present in a clone).
inline std::string test_data(std::string_view rel) {
  std::string p(BALLAST_SOURCE_DIR);
  p.append("/tests/data/");
  p.append(rel);
  return p;
}

/// True when `path` is not a readable regular file (the shared data set is absent or hidden).
inline bool shared_file_missing(const std::string& path) {
  std::error_code ec;
  return !std::filesystem::is_regular_file(path, ec);
}

}  // namespace ballast::test

/// Skips the current test, naming the file and why, when a file of the shared data set is absent.
/// Use only where the data set is too large (or not licensed) to ship an extract in the repository.
#define BALLAST_SKIP_WITHOUT_SHARED(path, why)                                               \
  do {                                                                                       \
    const std::string ballast_skip_path_ = (path);                                           \
    if (::ballast::test::shared_file_missing(ballast_skip_path_)) {                          \
      GTEST_SKIP() << "needs " << ballast_skip_path_                                         \
                   << " from the shared data set (../shared/data or $BALLAST_SHARED_DATA), " \
                      "absent here: "                                                        \
                   << (why);                                                                 \
    }                                                                                        \
  } while (false)
