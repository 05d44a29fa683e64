// JournalWriter: open/recovery, the writer pass, fsync policies, failure state.
#include "ballast/journal/journal_writer.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#ifndef BALLAST_ENGINE_VERSION
#define BALLAST_ENGINE_VERSION "unknown"
#endif

namespace ballast {

namespace {

Timestamp wall_now() noexcept {
  return Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()};
}

bool has_segments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (const dirent* e = ::readdir(d)) {
    if (parse_segment_file_name(e->d_name)) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

}  // namespace

const char* journal_engine_version() noexcept {
  return BALLAST_ENGINE_VERSION;
}

JournalWriterOptions JournalWriterOptions::from_config(const JournalConfig& c) {
  JournalWriterOptions o;
  o.dir = c.dir;
  o.segment_bytes = c.segment_size;
  o.fsync = c.fsync;
  o.group_commit = std::chrono::microseconds(c.group_commit_us);
  return o;
}

Status JournalWriterOptions::validate() const {
  if (dir.empty()) return Error{"journal dir: must not be empty"};
  if (segment_bytes < kSegmentHeaderSize + kMaxRecordSize) {
    return Error{"journal segment_bytes: must be at least " +
                 std::to_string(kSegmentHeaderSize + kMaxRecordSize) + ", got " +
                 std::to_string(segment_bytes)};
  }
  if (write_buffer_bytes < kMaxRecordSize) {
    return Error{"journal write_buffer_bytes: must be at least " + std::to_string(kMaxRecordSize) +
                 ", got " + std::to_string(write_buffer_bytes)};
  }
  if (queue_capacity == 0) return Error{"journal queue_capacity: must be at least 1"};
  if (batch == 0) return Error{"journal batch: must be at least 1"};
  if (group_commit.count() < 0) return Error{"journal group_commit: must not be negative"};
  return Ok{};
}

std::string JournalRecovery::summary(const std::string& dir) const {
  std::string s = "journal " + dir + ": ";
  if (created) {
    s += "created (epoch " + std::to_string(epoch) + ")";
  } else {
    s += std::to_string(segments) + " segment(s), " + std::to_string(records) +
         " record(s) up to seq " + std::to_string(last_seq) + ", epoch " +
         std::to_string(previous_epoch) + " -> " + std::to_string(epoch);
  }
  if (torn_tail) {
    s += "; cut a torn tail of " + std::to_string(torn_tail->bytes) + " byte(s) at " +
         torn_tail->segment + " byte " + std::to_string(torn_tail->offset) + " (" +
         torn_tail->what + ")";
    if (torn_tail->header_incomplete) s += ", removed the segment";
  }
  return s;
}

JournalWriter::JournalWriter(JournalWriterOptions opt, JournalIo& io)
    : opt_(std::move(opt)),
      io_(io),
      queue_(opt_.queue_capacity),
      buf_(new unsigned char[opt_.write_buffer_bytes]),
      producer_idle_(IdleStrategy::Params{IdleKind::kBackOff, 100, 50, std::chrono::microseconds(1),
                                          std::chrono::microseconds(20)}) {
  if (opt_.engine_version.empty()) opt_.engine_version = journal_engine_version();
}

JournalWriter::~JournalWriter() {
  stop();
}

Result<std::unique_ptr<JournalWriter>> JournalWriter::open(JournalWriterOptions opt,
                                                           JournalIo& io) {
  if (auto v = opt.validate(); !v) return v.error();
  std::unique_ptr<JournalWriter> w(new JournalWriter(std::move(opt), io));
  if (auto s = w->recover_or_create(); !s) {
    w->finished_ = true;
    if (w->fd_ >= 0) io.close(w->fd_);
    w->fd_ = -1;
    return s.error();
  }
  if (w->opt_.threaded) {
    AgentOptions ao;
    ao.name = "ballast-journal";
    ao.idle = w->opt_.idle;
    if (auto st = w->runner_.start(w->agent_, ao); !st) {
      w->finished_ = true;
      if (w->fd_ >= 0) io.close(w->fd_);
      w->fd_ = -1;
      return st.error();
    }
  }
  return w;
}

std::string JournalWriter::segment_path(std::uint64_t first_seq) const {
  std::string p = opt_.dir;
  if (!p.empty() && p.back() != '/') p += '/';
  return p + segment_file_name(first_seq);
}

Status JournalWriter::recover_or_create() {
  std::error_code ec;
  std::filesystem::create_directories(opt_.dir, ec);
  if (ec) return Error{"journal " + opt_.dir + ": cannot create the directory: " + ec.message()};

  if (!has_segments(opt_.dir)) {
    recovery_.created = true;
  } else {
    JournalReader r = JournalReader::open(opt_.dir, ReaderOptions{.allow_torn_tail = true});
    JournalRecord rec;
    std::map<std::uint32_t, FixSeqCheckpoint> fix;
    std::uint64_t last_segment_records = 0;
    std::uint32_t last_segment = 0;
    while (r.next(rec)) {
      ++recovery_.records;
      if (rec.segment != last_segment) {
        last_segment = rec.segment;
        last_segment_records = 0;
      }
      ++last_segment_records;
      if (rec.kind == RecordKind::kSessionStart) {
        recovery_.previous_epoch = std::get<SessionStart>(rec.body).epoch;
        recovery_.last_event_seq = 0;
      } else if (rec.kind == RecordKind::kFixSeqCheckpoint) {
        const auto& c = std::get<FixSeqCheckpoint>(rec.body);
        fix[c.session_index] = c;
      } else if (const Event* e = rec.event()) {
        if (header(*e).seq != 0) recovery_.last_event_seq = header(*e).seq;
      }
    }
    if (!r.ok()) {
      return Error{"journal " + opt_.dir +
                   " cannot be opened for append: " + r.problem()->message() +
                   ". Nothing was written; inspect it with `ballast journal verify`."};
    }
    for (const auto& [k, c] : fix) recovery_.fix_checkpoints.push_back(c);
    recovery_.last_seq = r.last_seq();
    if (r.torn_tail()) {
      const TornTail& t = *r.torn_tail();
      recovery_.torn_tail = t;
      const int err =
          t.header_incomplete ? io_.remove(t.segment) : io_.truncate(t.segment, t.offset);
      if (err < 0) {
        return Error{"journal " + t.segment + ": cannot cut the torn tail at byte " +
                     std::to_string(t.offset) + ": " + errno_text(err)};
      }
      if (const int e2 = io_.sync_dir(opt_.dir); e2 < 0) {
        return Error{"journal " + opt_.dir + ": fsync of the directory failed: " + errno_text(e2)};
      }
    }
    recovery_.segments = r.segments().size();
    if (r.segments().empty()) {
      recovery_.created = true;  // the only segment was a torn header: start again
    } else {
      const SegmentInfo& last = r.segments().back();
      if (rec.segment != r.segments().size() - 1 || recovery_.records == 0) {
        last_segment_records = 0;  // the last segment holds no record
      }
      seg_path_ = last.path;
      seg_index_ = last.header.segment_index;
      seg_records_ = last_segment_records;
      file_size_ = r.good_end_offset();
      next_seq_ = r.last_seq() + 1;
      const int fd = io_.open_append(seg_path_, false);
      if (fd < 0) {
        return Error{"journal " + seg_path_ + ": cannot open for append: " + errno_text(fd)};
      }
      fd_ = fd;
    }
  }
  recovery_.epoch = std::max(recovery_.previous_epoch + 1, opt_.min_epoch);
  if (recovery_.created) {
    next_seq_ = 1;
    if (!create_segment(0, 1)) return Error{error_};
  }
  buf_last_seq_ = wr_last_seq_ = next_seq_ - 1;
  durable_record_seq_.store(wr_last_seq_, std::memory_order_relaxed);
  SessionStart s;
  s.epoch = recovery_.epoch;
  s.wall_time = wall_now();
  s.pid = static_cast<std::uint32_t>(::getpid());
  if (!add(PendingRecord{RecordKind::kSessionStart, s}) || !write_out() || !sync_now()) {
    return Error{error_};
  }
  return Ok{};
}

bool JournalWriter::create_segment(std::uint64_t index, std::uint64_t first_seq) {
  // The header goes to a temporary file that is fsync'ed and then renamed into place, so a
  // segment file (journal-*.seg) is never shorter than its header: a short or empty segment is
  // damage (a lost or truncated file), never a crash artefact, and the reader says so.
  const std::string path = segment_path(first_seq);
  const std::string tmp = path + ".tmp";
  (void)io_.remove(tmp);  // a leftover of a crash while creating it (ENOENT otherwise)
  const int fd = io_.open_append(tmp, true);
  if (fd < 0) {
    set_failed("journal " + tmp + ": cannot create the segment: " + errno_text(fd));
    return false;
  }
  fd_ = fd;
  seg_path_ = path;
  seg_index_ = index;
  seg_records_ = 0;
  file_size_ = 0;
  SegmentHeader h;
  h.first_seq = first_seq;
  h.segment_index = index;
  h.created = wall_now();
  h.epoch = recovery_.epoch;
  h.engine_version.assign(opt_.engine_version);
  unsigned char hdr[kSegmentHeaderSize];
  encode_segment_header(h, hdr);
  std::size_t off = 0;
  while (off < sizeof hdr) {
    const std::int64_t n = io_.write(fd_, hdr + off, sizeof hdr - off);
    if (n <= 0) {
      set_failed("journal " + tmp + ": writing the segment header failed at byte " +
                 std::to_string(off) + ": " + errno_text(n < 0 ? static_cast<int>(n) : -EIO));
      return false;
    }
    off += static_cast<std::size_t>(n);
    file_size_ += static_cast<std::uint64_t>(n);
  }
  // The header and the directory entry are made durable whatever the policy: a segment that
  // later vanishes from the directory would look like a missing segment.
  if (const int e = io_.sync(fd_); e < 0) {
    set_failed("journal " + tmp + ": fsync of the new segment failed: " + errno_text(e));
    return false;
  }
  if (const int e = io_.rename(tmp, path); e < 0) {
    set_failed("journal " + tmp + ": cannot rename it to " + path + ": " + errno_text(e));
    return false;
  }
  if (const int e = io_.sync_dir(opt_.dir); e < 0) {
    set_failed("journal " + opt_.dir + ": fsync of the directory failed: " + errno_text(e));
    return false;
  }
  ++stats_.segments_created;
  return true;
}

void JournalWriter::set_failed(std::string what) {
  if (failed_.load(std::memory_order_relaxed)) return;
  error_ = std::move(what) + "; the last durable event seq is " +
           std::to_string(durable_seq_.load(std::memory_order_relaxed)) + " (record seq " +
           std::to_string(durable_record_seq_.load(std::memory_order_relaxed)) +
           "); nothing after it is durable";
  failed_.store(true, std::memory_order_release);
}

std::string JournalWriter::error() const {
  if (!failed()) return {};
  return error_;
}

void JournalWriter::publish_durable() noexcept {
  durable_record_seq_.store(wr_last_seq_, std::memory_order_release);
  durable_seq_.store(wr_last_event_, std::memory_order_release);
}

bool JournalWriter::add(const PendingRecord& r) {
  unsigned char rec[kMaxRecordSize];
  const std::size_t n = encode_record(next_seq_, r, rec);
  if (seg_records_ > 0 && file_size_ + buf_len_ + n > opt_.segment_bytes) {
    // Roll over: finish the current segment first (its data must not be behind the next one's).
    if (!write_out()) return false;
    if (opt_.fsync != FsyncPolicy::kNone && !sync_now()) return false;
    if (const int e = io_.close(fd_); e < 0) {
      fd_ = -1;
      set_failed("journal " + seg_path_ + ": close failed: " + errno_text(e));
      return false;
    }
    fd_ = -1;
    if (!create_segment(seg_index_ + 1, next_seq_)) return false;
  }
  if (buf_len_ + n > opt_.write_buffer_bytes && !write_out()) return false;
  std::memcpy(buf_.get() + buf_len_, rec, n);
  buf_len_ += n;
  ++seg_records_;
  buf_last_seq_ = next_seq_++;
  if (const Event* e = std::get_if<Event>(&r.body); e != nullptr && header(*e).seq != 0) {
    buf_last_event_ = header(*e).seq;
  }
  if (opt_.fsync == FsyncPolicy::kPerEvent) return write_out() && sync_now();
  return true;
}

bool JournalWriter::write_out() {
  if (buf_len_ == 0) return true;
  std::size_t off = 0;
  while (off < buf_len_) {
    const std::int64_t n = io_.write(fd_, buf_.get() + off, buf_len_ - off);
    ++stats_.writes;
    if (n <= 0) {
      // A partial record may now be on disk: recovery cuts it off as a torn tail.
      set_failed("journal write failed: " + seg_path_ + " at byte " + std::to_string(file_size_) +
                 ": " + errno_text(n < 0 ? static_cast<int>(n) : -EIO) + "; record seqs " +
                 std::to_string(wr_last_seq_ + 1) + ".." + std::to_string(buf_last_seq_) +
                 " were not (fully) written");
      return false;
    }
    off += static_cast<std::size_t>(n);
    file_size_ += static_cast<std::uint64_t>(n);
    stats_.bytes.add(static_cast<std::uint64_t>(n));
  }
  stats_.records.add(buf_last_seq_ - wr_last_seq_);
  buf_len_ = 0;
  wr_last_seq_ = buf_last_seq_;
  wr_last_event_ = buf_last_event_;
  written_seq_.store(wr_last_event_, std::memory_order_release);
  if (!unsynced_) {
    unsynced_ = true;
    unsynced_since_ = std::chrono::steady_clock::now();
  }
  return true;
}

bool JournalWriter::sync_now() {
  if (!unsynced_) return true;
  const int e = io_.sync(fd_);
  ++stats_.syncs;
  if (e < 0) {
    // Never retried: after a failed fsync the kernel may have dropped the dirty pages.
    set_failed("journal fsync failed: " + seg_path_ + " (" + std::to_string(file_size_) +
               " bytes): " + errno_text(e) + "; records up to seq " + std::to_string(wr_last_seq_) +
               " were written but are not known to be durable");
    return false;
  }
  unsynced_ = false;
  publish_durable();
  return true;
}

int JournalWriter::do_work() {
  int n = 0;
  PendingRecord r;
  if (failed()) {
    while (queue_.try_pop(r)) ++n;
    if (n > 0) stats_.dropped.add(static_cast<std::uint64_t>(n));
    return n;
  }
  while (static_cast<std::size_t>(n) < opt_.batch && queue_.try_pop(r)) {
    ++n;
    if (!add(r)) return n;
  }
  if (!write_out()) return n;
  if (opt_.fsync == FsyncPolicy::kGroup && unsynced_ &&
      std::chrono::steady_clock::now() - unsynced_since_ >= opt_.group_commit) {
    sync_now();
  }
  return n;
}

void JournalWriter::flush() {
  while (do_work() > 0) {
  }
  if (!failed()) sync_now();
}

bool JournalWriter::wait_for_group_commit() {
  if (opt_.fsync != FsyncPolicy::kGroup || !unsynced_ || failed()) return false;
  // Come back by the group-commit deadline rather than parking past it.
  const auto left = opt_.group_commit - (std::chrono::steady_clock::now() - unsynced_since_);
  if (left > std::chrono::microseconds(20)) {
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(
        left - std::chrono::microseconds(10), std::chrono::microseconds(50)));
  } else {
    cpu_relax();
  }
  return true;
}

void JournalWriter::finish() {
  if (finished_) return;
  finished_ = true;
  while (do_work() > 0) {
  }
  if (!failed()) sync_now();  // a clean stop leaves everything durable, whatever the policy
  if (fd_ >= 0) {
    if (const int e = io_.close(fd_); e < 0 && !failed()) {
      set_failed("journal " + seg_path_ + ": close failed: " + errno_text(e));
    }
    fd_ = -1;
  }
}

void JournalWriter::stop() {
  runner_.stop();  // the writer thread's last pass has returned
  finish();
}

void JournalWriter::append(const PendingRecord& r) noexcept {
  const std::uint64_t waits = queue_.push_wait(r, producer_idle_);
  if (waits > 0) stats_.queue_waits.add(waits);
}

bool JournalWriter::try_append(const PendingRecord& r) noexcept {
  return queue_.try_push(r);
}

void JournalWriter::append_note(std::string_view text) noexcept {
  PendingRecord r{RecordKind::kNote, JournalNote{}};
  std::get<JournalNote>(r.body).text.assign(text);
  append(r);
}

DurableWait JournalWriter::wait_durable(std::uint64_t event_seq,
                                        std::chrono::nanoseconds timeout) const noexcept {
  IdleStrategy idle(IdleStrategy::Params{IdleKind::kBackOff, 200, 50, std::chrono::microseconds(1),
                                         std::chrono::microseconds(50)});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (durable_seq() >= event_seq) return DurableWait::kDurable;
    if (failed()) return DurableWait::kFailed;
    if (std::chrono::steady_clock::now() >= deadline) return DurableWait::kTimedOut;
    idle.idle(0);
  }
}

}  // namespace ballast
