// POSIX implementation of JournalIo.
#include "ballast/journal/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace ballast {

int PosixJournalIo::open_append(const std::string& path, bool create) {
  const int flags = O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0);
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd >= 0 ? fd : -errno;
}

std::int64_t PosixJournalIo::write(int fd, const void* data, std::size_t n) {
  ssize_t w;
  do {
    w = ::write(fd, data, n);
  } while (w < 0 && errno == EINTR);
  return w >= 0 ? static_cast<std::int64_t>(w) : -static_cast<std::int64_t>(errno);
}

int PosixJournalIo::sync(int fd) {
  int r;
  do {
    r = ::fdatasync(fd);
  } while (r < 0 && errno == EINTR);
  return r == 0 ? 0 : -errno;
}

int PosixJournalIo::sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int r;
  do {
    r = ::fsync(fd);
  } while (r < 0 && errno == EINTR);
  const int err = r == 0 ? 0 : -errno;
  ::close(fd);
  return err;
}

int PosixJournalIo::truncate(const std::string& path, std::uint64_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int err = 0;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0 || ::fsync(fd) != 0) err = -errno;
  ::close(fd);
  return err;
}

int PosixJournalIo::remove(const std::string& path) {
  return ::unlink(path.c_str()) == 0 ? 0 : -errno;
}

int PosixJournalIo::rename(const std::string& from, const std::string& to) {
  return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : -errno;
}

int PosixJournalIo::close(int fd) {
  // No retry on EINTR: on Linux the descriptor is released either way.
  return ::close(fd) == 0 ? 0 : -errno;
}

JournalIo& posix_journal_io() noexcept {
  static PosixJournalIo io;
  return io;
}

std::string errno_text(int err) {
  if (err < 0) err = -err;
  const char* name = nullptr;
  switch (err) {
    case ENOSPC:
      name = "ENOSPC";
      break;
    case EIO:
      name = "EIO";
      break;
    case EDQUOT:
      name = "EDQUOT";
      break;
    case EROFS:
      name = "EROFS";
      break;
    case EFBIG:
      name = "EFBIG";
      break;
    case EBADF:
      name = "EBADF";
      break;
    case EACCES:
      name = "EACCES";
      break;
    case EEXIST:
      name = "EEXIST";
      break;
    case ENOENT:
      name = "ENOENT";
      break;
    case EINVAL:
      name = "EINVAL";
      break;
    default:
      break;
  }
  std::string s = std::error_code(err, std::generic_category()).message();
  if (name != nullptr) {
    s += " (";
    s += name;
    s += ")";
  } else {
    s += " (errno " + std::to_string(err) + ")";
  }
  return s;
}

}  // namespace ballast
