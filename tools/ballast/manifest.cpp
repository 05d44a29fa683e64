#include "manifest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ballast::tools {

namespace fs = std::filesystem;

namespace {
constexpr const char* kHeader = "# ballast run manifest v1";

std::string path_of(const std::string& dir) {
  return (fs::path(dir) / "manifest.txt").string();
}
}  // namespace

const std::string& Manifest::get(const std::string& key) const {
  static const std::string kEmpty;
  const auto it = values.find(key);
  return it == values.end() ? kEmpty : it->second;
}

std::string Manifest::text() const {
  std::string t = std::string(kHeader) + "\n";
  for (const auto& [k, v] : values) t += k + "=" + v + "\n";
  return t;
}

Result<Manifest> read_manifest(const std::string& journal_dir) {
  const std::string path = path_of(journal_dir);
  std::ifstream in(path);
  if (!in) {
    return Error(path +
                 ": cannot open (a journal written by `ballast demo` or `ballast run` has "
                 "one next to its segments)");
  }
  Manifest m;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1) {
      if (line != kHeader) {
        return Error(path + ":1: expected '" + kHeader + "', found '" + line + "'");
      }
      continue;
    }
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error(path + ":" + std::to_string(n) + ": expected key=value, found '" + line + "'");
    }
    m.values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  if (n == 0) return Error(path + ": empty (expected '" + kHeader + "' and key=value lines)");
  if (m.get("kind").empty()) return Error(path + ": no kind= line (expected demo or run)");
  return m;
}

Status check_manifest(const std::string& journal_dir, const Manifest& m) {
  const std::string path = path_of(journal_dir);
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto old = read_manifest(journal_dir);
    if (!old) return old.error();
    for (const auto& [k, v] : m.values) {
      if (old.value().get(k) != v) {
        return Error(path + ": the journal was written with " + k + "=" + old.value().get(k) +
                     ", this run has " + k + "=" + v +
                     "; a restart must use the recorded options (or a new journal directory)");
      }
    }
    for (const auto& [k, v] : old.value().values) {
      if (m.values.count(k) == 0) {
        return Error(path + ": the journal was written with " + k + "=" + v + ", this run has no " +
                     k);
      }
    }
  }
  return Ok{};
}

Status check_or_write_manifest(const std::string& journal_dir, const Manifest& m) {
  if (auto st = check_manifest(journal_dir, m); !st) return st;
  const std::string path = path_of(journal_dir);
  std::error_code ec;
  if (fs::exists(path, ec)) return Ok{};
  fs::create_directories(journal_dir, ec);
  if (ec) return Error("cannot create " + journal_dir + ": " + ec.message());
  const std::string tmp = path + ".tmp";
  const std::string text = m.text();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error(tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) return Error(tmp + ": " + std::strerror(saved));
  fs::rename(tmp, path, ec);
  if (ec) return Error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return Ok{};
}

}  // namespace ballast::tools
