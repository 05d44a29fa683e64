// JournalWriter: appends records to segment files on its own thread, fsyncs by policy, and
// publishes the highest durable event seq so outputs can wait for their input to be durable.
// The thread is an agent (engine/agent_runner.hpp, "ballast-journal"), like the kernel's core and
// FIX sender threads: one pass is do_work(); an empty pass idles with `idle`, except while a
// group commit is pending, when the writer waits for its deadline itself.
//
// The core thread (the single producer) hands PendingRecords through an SpscQueue: no
// allocation, no lock, no formatting, no system call on that side. The writer thread encodes,
// writes, fsyncs and rolls segments over. A write or fsync error is never success: the writer
// enters a failed state (failed(), error()), durable_seq() stops advancing, and records handed
// to it afterwards are dropped (counted) so the producer never blocks on a dead writer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ballast/base/counters.hpp"
#include "ballast/core/result.hpp"
#include "ballast/engine/agent_runner.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/idle_strategy.hpp"
#include "ballast/engine/queue.hpp"
#include "ballast/journal/file_io.hpp"
#include "ballast/journal/format.hpp"
#include "ballast/journal/journal_reader.hpp"

namespace ballast {

/// The engine version written into segment headers by default ("0.1.0").
const char* journal_engine_version() noexcept;

/// How the writer is set up. FsyncPolicy (engine_config.hpp): kPerEvent = write + fdatasync for
/// every record; kGroup = write as records arrive, fdatasync at most `group_commit` after the
/// oldest unsynced write; kNone = write only (fdatasync at a clean stop), nothing is durable
/// before that.
struct JournalWriterOptions {
  std::string dir;
  std::uint64_t segment_bytes = 64ull << 20;  ///< roll over before a segment passes this size
  FsyncPolicy fsync = FsyncPolicy::kGroup;
  std::chrono::microseconds group_commit{200};
  std::size_t queue_capacity = 65'536;        ///< records between the core and the writer
  std::size_t write_buffer_bytes = 1u << 20;  ///< records are batched into one write()
  std::size_t batch = 4'096;                  ///< max records taken per pass
  bool threaded = true;  ///< false: no thread; the owner calls do_work()/flush() (tests)
  IdleStrategy::Params idle{IdleKind::kBackOff, 100, 50, std::chrono::microseconds(1),
                            std::chrono::microseconds(50)};
  std::string engine_version;  ///< empty: journal_engine_version()
  /// This session's epoch is max(previous session's + 1, min_epoch) (0: previous + 1). The engine
  /// passes the run epoch it chose from the journal, the FIX stores and the wall clock
  /// (docs/journal.md, "ClOrdID uniqueness").
  std::uint64_t min_epoch = 0;

  /// The writer options for the engine's `journal` configuration section.
  static JournalWriterOptions from_config(const JournalConfig& c);
  /// Names the first option out of range and what was expected.
  Status validate() const;
};

/// What open() found and did.
struct JournalRecovery {
  bool created = false;        ///< no segment existed: a new journal was started
  std::size_t segments = 0;    ///< segments found (after any repair)
  std::uint64_t records = 0;   ///< good records found
  std::uint64_t last_seq = 0;  ///< last record seq before this session
  std::uint64_t previous_epoch = 0;
  std::uint64_t last_event_seq = 0;   ///< last event seq of the previous session
  std::uint64_t epoch = 0;            ///< this session's epoch (previous + 1, or min_epoch)
  std::optional<TornTail> torn_tail;  ///< what was cut off (a partial record after a crash)
  std::vector<FixSeqCheckpoint> fix_checkpoints;  ///< latest per session index, by index

  /// One line for the log: "journal <dir>: 3 segments, 1200 records, epoch 4; cut a torn tail...".
  std::string summary(const std::string& dir) const;
};

/// Counters (base/counters.hpp): the writer thread writes them (queue_waits: the producer), any
/// thread reads them in place.
struct JournalWriterStats {
  Counter records;  ///< records written (handed to the OS)
  Counter bytes;
  Counter writes;  ///< write() calls
  Counter syncs;   ///< fdatasync() calls on segment data
  Counter segments_created;
  Counter queue_waits;  ///< producer found the queue full (each retry); written by the producer
  Counter dropped;      ///< records discarded after the writer failed

  template <class F>
  void each(F&& f) const {
    name_counters(f, "records", records, "bytes", bytes, "writes", writes, "syncs", syncs,
                  "segments_created", segments_created, "queue_waits", queue_waits, "dropped",
                  dropped);
  }
};

/// Result of waiting for durability.
enum class DurableWait : std::uint8_t { kDurable, kFailed, kTimedOut };

class JournalWriter {
 public:
  /// Opens (or creates) the journal in opt.dir for appending. An existing journal is scanned in
  /// full: a torn tail in the last segment is cut off (reported in recovery()); any other damage
  /// (a bad record with valid records after it, a missing segment, a version or event-layout
  /// mismatch) refuses the open with a message naming the segment and byte, and nothing is
  /// written. Then writes a SessionStart record (epoch = max(previous + 1, opt.min_epoch)), fsyncs
  /// it, and starts the writer thread (opt.threaded). Cold path.
  static Result<std::unique_ptr<JournalWriter>> open(JournalWriterOptions opt,
                                                     JournalIo& io = posix_journal_io());

  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  /// stop()s.
  ~JournalWriter();

  // ---- producer side: one thread (the core thread). No allocation, no lock, no system call.

  /// Queues a record; while the queue is full it waits (backpressure, counted in queue_waits).
  void append(const PendingRecord& r) noexcept;
  /// Queues a record; false when the queue is full (nothing queued).
  [[nodiscard]] bool try_append(const PendingRecord& r) noexcept;
  void append_input(const Event& e) noexcept { append(PendingRecord{RecordKind::kInput, e}); }
  void append_intent(const Event& e) noexcept { append(PendingRecord{RecordKind::kIntent, e}); }
  [[nodiscard]] bool try_append_intent(const Event& e) noexcept {
    return try_append(PendingRecord{RecordKind::kIntent, e});
  }
  void append_fix_checkpoint(const FixSeqCheckpoint& c) noexcept {
    append(PendingRecord{RecordKind::kFixSeqCheckpoint, c});
  }
  /// Text longer than kMaxNoteBytes is cut.
  void append_note(std::string_view text) noexcept;

  // ---- durability: any thread.

  /// Highest event seq (EventHeader::seq, this session) whose record, and every record before
  /// it, is durable under the fsync policy. Acquire: a reader that sees S may release any output
  /// whose seq is <= S. Stops advancing when the writer fails.
  std::uint64_t durable_seq() const noexcept {
    return durable_seq_.load(std::memory_order_acquire);
  }
  /// The same in record seqs (journal-wide numbering, meta records included).
  std::uint64_t durable_record_seq() const noexcept {
    return durable_record_seq_.load(std::memory_order_acquire);
  }
  /// Highest event seq handed to the OS (write() returned), durable or not.
  std::uint64_t written_seq() const noexcept {
    return written_seq_.load(std::memory_order_acquire);
  }
  bool is_durable(std::uint64_t event_seq) const noexcept { return durable_seq() >= event_seq; }
  /// Waits (spin, yield, then short sleeps) until `event_seq` is durable, the writer failed, or
  /// `timeout` passed.
  DurableWait wait_durable(std::uint64_t event_seq,
                           std::chrono::nanoseconds timeout) const noexcept;

  /// True once a write, fsync, or segment creation failed; the engine must stop new orders.
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  /// What failed (segment, byte offset, errno text, last durable seq); empty while healthy.
  std::string error() const;

  // ---- lifecycle.

  /// One pass of the writer (threaded = false only; the thread calls it otherwise): takes up to
  /// `batch` records, writes them, fsyncs per policy. Returns the records taken.
  int do_work();
  /// threaded = false only: drains the queue, writes and fdatasyncs everything (any policy).
  void flush();
  /// Drains the queue, writes and fdatasyncs what is left (any policy), closes the segment,
  /// joins the thread. Idempotent. The producer must not append afterwards.
  void stop();

  const JournalRecovery& recovery() const noexcept { return recovery_; }
  std::uint64_t epoch() const noexcept { return recovery_.epoch; }
  const std::string& dir() const noexcept { return opt_.dir; }
  /// The counters (base/counters.hpp), read in place from any thread.
  const JournalWriterStats& stats() const noexcept { return stats_; }

 private:
  JournalWriter(JournalWriterOptions opt, JournalIo& io);
  Status recover_or_create();
  bool create_segment(std::uint64_t index, std::uint64_t first_seq);
  bool add(const PendingRecord& r);
  bool write_out();
  bool sync_now();
  void publish_durable() noexcept;
  void set_failed(std::string what);
  /// After an empty pass of the writer thread: with a group commit pending, waits towards its
  /// deadline (never parking past it) and returns true; else false (the idle strategy idles).
  bool wait_for_group_commit();
  void finish();
  std::string segment_path(std::uint64_t first_seq) const;

  JournalWriterOptions opt_;
  JournalIo& io_;
  SpscQueue<PendingRecord> queue_;
  JournalRecovery recovery_;

  // Writer-thread state.
  int fd_ = -1;
  std::string seg_path_;
  std::uint64_t seg_index_ = 0;
  std::uint64_t seg_records_ = 0;
  std::uint64_t file_size_ = 0;  // bytes in the current segment file (written)
  std::uint64_t next_seq_ = 1;
  std::unique_ptr<unsigned char[]> buf_;
  std::size_t buf_len_ = 0;
  std::uint64_t buf_last_seq_ = 0, buf_last_event_ = 0;  // newest record in buf_
  std::uint64_t wr_last_seq_ = 0, wr_last_event_ = 0;    // newest record written
  bool unsynced_ = false;
  std::chrono::steady_clock::time_point unsynced_since_{};
  bool finished_ = false;

  // Producer-side.
  IdleStrategy producer_idle_;

  // Published.
  alignas(64) std::atomic<std::uint64_t> durable_seq_{0};
  std::atomic<std::uint64_t> durable_record_seq_{0};
  std::atomic<std::uint64_t> written_seq_{0};
  std::atomic<bool> failed_{false};
  std::string error_;  // written once before failed_ is set (release), read after (acquire)
  alignas(64) JournalWriterStats stats_;

  /// The writer thread's agent: a pass is do_work(); the group commit's deadline is its own.
  struct Agent {
    JournalWriter* w = nullptr;
    int do_work() { return w->do_work(); }
    bool wait_for_deadline() { return w->wait_for_group_commit(); }
  };
  Agent agent_{this};
  AgentRunner runner_;  // "ballast-journal"; opt_.threaded only
};

}  // namespace ballast
