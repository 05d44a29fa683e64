// Writes Ballast's embedded FIX data dictionaries to disk for QuickFIX (which reads a path).
#include "common/embedded.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ballast {
namespace fix {

namespace {

// mkdir -p; false with `error` naming the directory.
bool make_dirs(const std::string& dir, std::string& error) {
  if (dir.empty()) {
    error = "empty directory name";
    return false;
  }
  std::string partial;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST) {
      error = "cannot create directory " + partial + ": " + std::strerror(errno);
      return false;
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = dir + " is not a directory";
    return false;
  }
  return true;
}

}  // namespace

bool write_embedded_dictionary(const std::string& begin_string, const std::string& dir,
                               std::string& path, std::string& error) {
  std::string name;
  if (begin_string == "FIX.4.2") {
    name = "FIX42.xml";
  } else if (begin_string == "FIX.4.4") {
    name = "FIX44.xml";
  } else {
    error = "no embedded data dictionary for BeginString '" + begin_string +
            "' (expected FIX.4.2 or FIX.4.4)";
    return false;
  }
  std::string text;
  if (!embedded_dictionary(name, text)) {
    error = "dictionary " + name + " was not embedded at build time (adapters/fix/dictionaries/)";
    return false;
  }
  if (!make_dirs(dir, error)) return false;
  path = dir + "/" + name;
  // Write a temporary file and rename it, so a concurrent reader never sees half a dictionary.
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    error = "cannot write " + tmp + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace fix
}  // namespace ballast
