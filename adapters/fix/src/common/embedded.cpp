// Writes Ballast's embedded FIX data dictionaries to disk for QuickFIX (which reads a path).
#include "common/embedded.hpp"

#include "common/inbound_dictionary.hpp"

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

namespace {

// The embedded dictionary's file name for `begin_string`, or false with `error`.
bool dictionary_name(const std::string& begin_string, std::string& name, std::string& error) {
  if (begin_string == "FIX.4.2") {
    name = "FIX42.xml";
  } else if (begin_string == "FIX.4.4") {
    name = "FIX44.xml";
  } else {
    error = "no embedded data dictionary for BeginString '" + begin_string +
            "' (expected FIX.4.2 or FIX.4.4)";
    return false;
  }
  return true;
}

// Writes `text` to dir/name through a temporary file and a rename, so a concurrent reader never
// sees half a dictionary.
bool write_file(const std::string& text, const std::string& dir, const std::string& name,
                std::string& path, std::string& error) {
  if (!make_dirs(dir, error)) return false;
  path = dir + "/" + name;
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

bool read_file(const std::string& path, std::string& text, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  text.clear();
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) {
    error = "cannot read " + path;
    return false;
  }
  return true;
}

}  // namespace

bool write_embedded_dictionary(const std::string& begin_string, const std::string& dir,
                               std::string& path, std::string& error) {
  std::string name, text;
  if (!dictionary_name(begin_string, name, error)) return false;
  if (!embedded_dictionary(name, text)) {
    error = "dictionary " + name + " was not embedded at build time (adapters/fix/dictionaries/)";
    return false;
  }
  return write_file(text, dir, name, path, error);
}

bool write_inbound_dictionary(const std::string& begin_string, const std::string& source,
                              const std::string& dir, std::string& path, std::string& error) {
  std::string name, text;
  if (source.empty()) {
    if (!dictionary_name(begin_string, name, error)) return false;
    if (!embedded_dictionary(name, text)) {
      error = "dictionary " + name + " was not embedded at build time (adapters/fix/dictionaries/)";
      return false;
    }
  } else {
    if (!read_file(source, text, error)) return false;
    const std::size_t slash = source.find_last_of('/');
    name = slash == std::string::npos ? source : source.substr(slash + 1);
  }
  std::string relaxed, e;
  if (!inbound_dictionary(text, relaxed, e)) {
    error = (source.empty() ? name : source) + ": " + e;
    return false;
  }
  const std::size_t dot = name.rfind(".xml");
  if (dot != std::string::npos && dot + 4 == name.size()) name.resize(dot);
  return write_file(relaxed, dir, name + ".inbound.xml", path, error);
}

}  // namespace fix
}  // namespace ballast
