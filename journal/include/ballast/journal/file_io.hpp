// The file operations the journal writer performs, behind a small interface so tests can inject
// failures (ENOSPC at the Nth write, EIO on fsync) and count fsyncs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ballast {

/// File I/O used by JournalWriter. Every call returns 0 / a count on success and a negative errno
/// on failure (never throws). Thread: the writer calls it from its own thread (and from open()).
class JournalIo {
 public:
  virtual ~JournalIo() = default;
  /// Opens `path` for appending; with `create` the file must not exist yet (O_EXCL).
  /// Returns a file descriptor (>= 0) or -errno.
  virtual int open_append(const std::string& path, bool create) = 0;
  /// Writes up to `n` bytes at the end of the file; returns the bytes written (maybe fewer than
  /// n) or -errno.
  virtual std::int64_t write(int fd, const void* data, std::size_t n) = 0;
  /// Makes the file's data durable (fdatasync). 0 or -errno.
  virtual int sync(int fd) = 0;
  /// Makes directory entries (a new segment file) durable. 0 or -errno.
  virtual int sync_dir(const std::string& dir) = 0;
  /// Cuts `path` to `size` bytes (recovery of a torn tail). 0 or -errno.
  virtual int truncate(const std::string& path, std::uint64_t size) = 0;
  /// Removes `path` (a stale temporary segment). 0 or -errno.
  virtual int remove(const std::string& path) = 0;
  /// Renames `from` to `to` (a new segment is written as a temporary file and renamed into place,
  /// so a segment file is never shorter than its header). 0 or -errno.
  virtual int rename(const std::string& from, const std::string& to) = 0;
  virtual int close(int fd) = 0;
};

/// The real thing: POSIX open/write/fdatasync/ftruncate, EINTR retried.
class PosixJournalIo : public JournalIo {
 public:
  int open_append(const std::string& path, bool create) override;
  std::int64_t write(int fd, const void* data, std::size_t n) override;
  int sync(int fd) override;
  int sync_dir(const std::string& dir) override;
  int truncate(const std::string& path, std::uint64_t size) override;
  int remove(const std::string& path) override;
  int rename(const std::string& from, const std::string& to) override;
  int close(int fd) override;
};

/// A process-wide PosixJournalIo (stateless).
JournalIo& posix_journal_io() noexcept;

/// "No space left on device (ENOSPC)": strerror text plus the symbolic name when known.
std::string errno_text(int err);

}  // namespace ballast
