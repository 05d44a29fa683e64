// One reading of fields from raw FIX text (a message as sent, or as a log shows it with '|'), for
// the places that look at a message before or without the codec (fix_codec.hpp): the initiator's
// refused reports, broker-sim's resend log, the FIX log reader's fix_log_field(). Plain C++14.
#pragma once

#include <string>

namespace ballast {
namespace fix {

/// The value of the first `tag` field in `raw`, whose fields end in SOH or '|' (so a '|' inside
/// a value cannot be told from a delimiter; repeating groups are not told apart). False when
/// the tag is absent.
bool raw_field(const std::string& raw, int tag, std::string& value);
/// raw_field(), or "" when absent.
std::string raw_field(const std::string& raw, int tag);

}  // namespace fix
}  // namespace ballast
