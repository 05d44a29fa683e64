// See frame_check.hpp.
#include "common/frame_check.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

namespace ballast {
namespace fix {

namespace {

// type='DATA' in QuickFIX's FIX40..FIX50SP2.xml and FIXT11.xml.
const int kDataFields[] = {
    89,    91,    96,    213,   349,   351,   353,   355,   357,   359,   361,   363,   365,
    446,   619,   622,   1278,  1281,  1283,  1398,  1402,  1404,  1469,  1527,  1579,  1621,
    1665,  1697,  1734,  2073,  2075,  2112,  2180,  2288,  2352,  2371,  2482,  2493,  2521,
    2638,  2652,  2666,  2716,  2719,  2722,  2798,  2801,  2808,  2814,  40005, 40009, 40979,
    40981, 40983, 40985, 40987, 40989, 41084, 41102, 41108, 41257, 41321, 41325, 41459, 41477,
    41483, 41654, 41711, 41807, 41812, 41874, 41970, 42026, 42172, 42452, 42653, 42948};

/// A tag as QuickFIX 1.15's IntConvertor reads it: optional '-', then digits only (anything else:
/// not a number, never a data field), accumulated in a 32-bit int that wraps.
bool read_tag(const char* p, const char* end, int& tag) {
  if (p == end) return false;
  bool negative = false;
  if (*p == '-') {
    negative = true;
    if (++p == end) return false;
  }
  std::uint32_t x = 0;
  for (; p != end; ++p) {
    const unsigned c = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (c > 9) return false;
    x = 10u * x + c;
  }
  if (negative) x = 0u - x;
  tag = static_cast<int>(x);
  return true;
}

}  // namespace

bool is_data_field(int tag) {
  return std::binary_search(std::begin(kDataFields), std::end(kDataFields), tag);
}

int data_length_field(int tag) {
  return tag == 89 ? 93 : tag - 1;
}

bool data_fields_fit(const std::string& frame, std::string& why) {
  std::map<int, std::vector<std::string>> lengths;  // length-field values seen so far
  const char* const begin = frame.data();
  const char* const end = begin + frame.size();
  const char* pos = begin;
  while (pos < end) {
    const char* eq = std::find(pos, end, '=');
    if (eq == end) break;  // QuickFIX: "Equal sign not found" (InvalidMessage)
    const char* value = eq + 1;
    const char* soh = std::find(value, end, '\x01');
    if (soh == end) break;  // QuickFIX: "SOH not found" (InvalidMessage)
    int tag = 0;
    if (read_tag(pos, eq, tag)) {
      if (is_data_field(tag)) {
        const int len_tag = data_length_field(tag);
        const auto it = lengths.find(len_tag);
        if (it != lengths.end()) {
          const long actual = static_cast<long>(soh - value);
          for (const std::string& v : it->second) {
            const long declared = std::strtol(v.c_str(), nullptr, 10);  // QuickFIX uses atol
            if (declared != actual) {
              why = "data field " + std::to_string(tag) + " holds " + std::to_string(actual) +
                    " bytes up to its SOH but its length field " + std::to_string(len_tag) +
                    " says '" + v.substr(0, 24) + "' (data fields must not contain SOH)";
              return false;
            }
          }
        }
      }
      if (is_data_field(tag + 1) || tag == 93) lengths[tag].emplace_back(value, soh);
    }
    pos = soh + 1;
  }
  return true;
}

}  // namespace fix
}  // namespace ballast
