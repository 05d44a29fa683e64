// Reads QuickFIX FileStore's <prefix>.seqnums file ("%10.10d : %10.10d", next sender : next
// target) strictly. QuickFIX itself ignores a file it cannot parse and silently restarts the
// session at 1/1; Ballast refuses instead.
#pragma once

#include <cstdint>
#include <string>

namespace ballast {
namespace fix {

enum class SeqnumFile : std::uint8_t { kMissing, kOk, kCorrupt };

/// The path QuickFIX's FileStore uses: <store_dir>/<BeginString>-<Sender>-<Target>.seqnums
std::string seqnums_path(const std::string& store_dir, const std::string& begin_string,
                         const std::string& sender, const std::string& target);

/// kOk with both numbers; kMissing when there is no file; kCorrupt (with `what`) when the file
/// exists but is empty, truncated or not two positive numbers in QuickFIX's format.
SeqnumFile read_seqnums(const std::string& path, std::uint64_t& next_sender,
                        std::uint64_t& next_target, std::string& what);

}  // namespace fix
}  // namespace ballast
