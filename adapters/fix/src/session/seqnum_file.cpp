#include "session/seqnum_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ballast {
namespace fix {

std::string seqnums_path(const std::string& store_dir, const std::string& begin_string,
                         const std::string& sender, const std::string& target) {
  std::string dir = store_dir.empty() ? "." : store_dir;
  if (dir.back() != '/') dir += '/';
  return dir + begin_string + "-" + sender + "-" + target + ".seqnums";
}

namespace {

bool digits10(const char* p, std::uint64_t& v) {
  v = 0;
  for (int i = 0; i < 10; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(p[i] - '0');
  }
  return true;
}

}  // namespace

SeqnumFile read_seqnums(const std::string& path, std::uint64_t& next_sender,
                        std::uint64_t& next_target, std::string& what) {
  next_sender = next_target = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return SeqnumFile::kMissing;
    what = std::string("cannot read: ") + std::strerror(errno);
    return SeqnumFile::kCorrupt;
  }
  char buf[64];
  const std::size_t n = std::fread(buf, 1, sizeof(buf), f);
  std::fclose(f);
  // Exactly "NNNNNNNNNN : NNNNNNNNNN" (23 bytes), as FileStore::setSeqNum writes it.
  if (n != 23 || buf[10] != ' ' || buf[11] != ':' || buf[12] != ' ' ||
      !digits10(buf, next_sender) || !digits10(buf + 13, next_target) || next_sender == 0 ||
      next_target == 0) {
    next_sender = next_target = 0;
    std::string shown(buf, n < 40 ? n : 40);
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    }
    what = n == 0 ? std::string("empty")
                  : "unreadable contents '" + shown + "' (" + std::to_string(n) + " bytes)";
    return SeqnumFile::kCorrupt;
  }
  return SeqnumFile::kOk;
}

}  // namespace fix
}  // namespace ballast
