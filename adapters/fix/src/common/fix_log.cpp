// Reading recorded FIX logs (see fix_log.hpp and docs/fix.md, "Reading recorded FIX logs").
//
// Two stages:
//  1. Framing, by hand: find "8=FIX" on a line (after any prefix), join continuation lines until
//     the CheckSum (10) field, split into fields, check BeginString, BodyLength and CheckSum. A
//     hand framer because QuickFIX's parser needs one message in one string with SOH delimiters
//     and reports problems as bare exceptions; logs have prefixes, '|' delimiters, line breaks
//     inside messages and hand-edited lengths, and every problem must name the file and line.
//  2. Decoding, with QuickFIX: the fields are put into a FIX::Message and decoded by the live
//     initiator's own codec (common/fix_codec.hpp: codec::parse for 8/9/j/3/Y and D/F/G/H,
//     codec::TopOfBook for W/X), so exact decimals, text limits, the PossDup rule and the
//     top-of-book logic are the same code a live session runs.
//
// Files: fix_log_internal.hpp lists them (layouts and framing, one message, decoding, text).

#include "ballast/fix/fix_log.hpp"
#include "ballast/fix/fix_raw.hpp"

#include <string>
#include <utility>
#include <vector>

#include "ballast/base/enum_names.hpp"
#include "fix_log_internal.hpp"

namespace ballast {
namespace fix {

// A value outside its enum reads "?".
const char* to_string(FixLogKind kind) noexcept {
  static constexpr EnumNames<FixLogKind, FixLogKind::kOther> kNames{
      {"invalid", "session", "execution_report", "cancel_reject", "business_reject",
       "session_reject", "market_data", "new_order", "cancel_request", "replace_request",
       "status_request", "other"}};
  return kNames.name_or(kind, "?");
}

const char* to_string(FixLogDirection direction) noexcept {
  static constexpr EnumNames<FixLogDirection, FixLogDirection::kSent> kNames{
      {"unknown", "received", "sent"}};
  return kNames.name_or(direction, "?");
}

const char* to_string(FixLogTimeSource source) noexcept {
  static constexpr EnumNames<FixLogTimeSource, FixLogTimeSource::kSendingTime> kNames{
      {"none", "quickfix_log", "broker_sim_tape", "sending_time"}};
  return kNames.name_or(source, "?");
}

FixLogReader::FixLogReader() : impl_(new Impl) {}
FixLogReader::~FixLogReader() = default;

bool FixLogReader::open(const std::string& path, const FixLogOptions& options, std::string& error) {
  impl_.reset(new Impl);
  impl_->opt = options;
  if (impl_->opt.max_lines_per_message < 1) impl_->opt.max_lines_per_message = 1;
  if (impl_->opt.max_line_bytes < 64) impl_->opt.max_line_bytes = 64;
  impl_->path = path;
  if (!impl_->in.open(path, error)) {
    impl_->eof = true;
    return false;
  }
  return true;
}

bool FixLogReader::next(FixLogEntry& out) {
  if (!impl_->fill()) return false;
  out = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return true;
}

const std::string& FixLogReader::io_error() const {
  return impl_->io_error;
}

const std::vector<std::string>& FixLogReader::sessions() const {
  return impl_->sessions;
}

FixLogStats FixLogReader::stats() const {
  return impl_->stats;
}

bool read_fix_log(const std::string& path, const FixLogOptions& options,
                  std::vector<FixLogEntry>& out, std::string& error) {
  FixLogReader r;
  if (!r.open(path, options, error)) return false;
  FixLogEntry e;
  while (r.next(e)) out.push_back(std::move(e));
  if (!r.io_error().empty()) {
    error = path + ": " + r.io_error();
    return false;
  }
  return true;
}

bool fix_log_field(const FixLogEntry& entry, int tag, std::string& value) {
  return raw_field(entry.text, tag, value);
}

}  // namespace fix
}  // namespace ballast
