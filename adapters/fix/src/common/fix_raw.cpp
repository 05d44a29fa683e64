// Fields of raw FIX text (see fix_raw.hpp).
#include "ballast/fix/fix_raw.hpp"

namespace ballast {
namespace fix {

bool raw_field(const std::string& raw, int tag, std::string& value) {
  const std::string key = std::to_string(tag) + "=";
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = pos;
    while (end < raw.size() && raw[end] != '\x01' && raw[end] != '|') ++end;
    if (raw.compare(pos, key.size(), key) == 0) {
      value = raw.substr(pos + key.size(), end - pos - key.size());
      return true;
    }
    pos = end + 1;
  }
  return false;
}

std::string raw_field(const std::string& raw, int tag) {
  std::string v;
  raw_field(raw, tag, v);
  return v;
}

}  // namespace fix
}  // namespace ballast
