// Start-up guards against sending an order twice (docs/journal.md, "ClOrdID uniqueness"): what
// the journal and the FIX stores say was sent, the store-ahead-of-journal refusal, and the choice
// of the run epoch that every ClOrdID of the run carries. Read-only: nothing here writes a file.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "ballast/core/result.hpp"
#include "ballast/core/time.hpp"
#include "ballast/journal/format.hpp"

namespace ballast::kernel {

/// What a journal directory holds, read without writing anything.
struct JournalInventory {
  bool exists = false;              ///< at least one segment file
  std::uint64_t records = 0;        ///< good records (before any torn tail)
  std::uint64_t last_epoch = 0;     ///< epoch of the last session_start record (0: none)
  std::uint32_t max_run_epoch = 0;  ///< highest run epoch of any journaled order id
  bool torn_tail = false;           ///< the last segment ends in a partial record
  /// OrderId values of every journaled SubmitOrder, CancelOrder and ReplaceOrder (their `order`,
  /// the ClOrdID that went to the broker).
  std::unordered_set<std::uint64_t> order_ids;
  std::vector<FixSeqCheckpoint> fix_checkpoints;  ///< the latest per FIX session index, by index
};

/// Reads the journal in `dir` (a missing directory or one without segments: exists = false).
/// Errors: damage (the reader's message: segment, byte, what), unreadable files.
Result<JournalInventory> inventory_journal(const std::string& dir);

/// One order message found in a FIX store.
struct StoredOrder {
  char msg_type = 0;         ///< 'D', 'F' or 'G'
  std::string cl_ord_id;     ///< tag 11 as stored
  std::string sending_time;  ///< tag 52 as stored (YYYYMMDD-HH:MM:SS[.sss])
};

/// The order messages (D, F, G) a QuickFIX FileStore holds in its .body file: what the engine
/// sent on that session (QuickFIX keeps every sent message for resends).
struct FixStoreScan {
  std::string body_path;
  bool exists = false;
  std::vector<StoredOrder> orders;
  std::uint32_t max_run_epoch = 0;  ///< highest run epoch of any Ballast ClOrdID (11, 41) stored
};

/// `<store_dir>/<BeginString>-<SenderCompID>-<TargetCompID>.body`, as QuickFIX's FileStore names
/// it.
std::string fix_store_body_path(const std::string& store_dir, const std::string& begin_string,
                                const std::string& sender, const std::string& target);
/// Scans a store's .body file (missing: exists = false, no orders). Errors: unreadable file.
Result<FixStoreScan> scan_fix_store(const std::string& body_path);

struct RunEpochInputs {
  const JournalInventory* journal = nullptr;  ///< null: the journal is off
  std::string journal_dir;
  std::vector<FixStoreScan> stores;
  Timestamp wall_now{};         ///< the wall clock (UTC)
  std::uint32_t requested = 0;  ///< an epoch asked for (`ballast run --epoch`); 0: none
};

/// The run epoch: max(last journal epoch + 1, highest run epoch of any ClOrdID in the journal or
/// a FIX store + 1, wall_clock_run_epoch(wall_now)). Refuses (an error saying why and what to
/// do) when a FIX store holds an order message sent on wall_now's UTC date, or later, whose
/// ClOrdID the journal does not record (the store is ahead of the journal: the journal lost
/// records, or belongs to another run), and when `requested` is below that maximum.
Result<std::uint32_t> choose_run_epoch(const RunEpochInputs& in);

/// Ok when every Ballast ClOrdID of an order message (D, F, G) in `store` sent on or after
/// `since_date` (YYYYMMDD UTC; empty: all) is among the journal's order intents; otherwise the
/// error says which store, how many, the first one, and what that means.
Status check_store_orders_journaled(const JournalInventory& journal, const std::string& journal_dir,
                                    const FixStoreScan& store, const std::string& since_date);

/// `ballast journal verify DIR --fix-store PATH...`: each PATH is a store's .body file or a store
/// directory (all its .body files); every order message they hold must be in the journal (the
/// store ahead of the journal is damage the journal alone cannot see: a lost tail). Prints a line
/// per store to `out`, or the problem to `err`; returns 0 or 1.
int verify_fix_stores(const std::string& journal_dir, const std::vector<std::string>& stores,
                      std::ostream& out, std::ostream& err);

/// The run epoch of the first NewOrderSingle a recorded FIX log shows us sending (its ClOrdID's
/// epoch), or nullopt (no such order, not a Ballast ClOrdID, unreadable file). An offline replay
/// of the log issues its ClOrdIDs under that epoch, as the recorded run did.
std::optional<std::uint32_t> first_order_epoch_in_fix_log(const std::string& path,
                                                          const std::string& our_comp_id);

}  // namespace ballast::kernel
