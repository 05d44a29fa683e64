// Compiled by CTest, not linked: enum_names.hpp must compile as C++14 (adapters/fix includes it),
// and a table with a name missing must not compile (-DMISSING_NAME=1: an enumerator inserted
// before kLast; =2: one appended before kCount). See tests/core/CMakeLists.txt.
#include "ballast/base/enum_names.hpp"

#include <cstdint>
#include <string>

namespace {

enum class Phase : std::uint8_t { kOpen, kAuction, kClosed };
constexpr ballast::EnumNames<Phase, Phase::kClosed> kPhaseNames{{"open", "auction", "closed"}};
static_assert(kPhaseNames.size() == 3, "three phases");
static_assert(kPhaseNames.name_or(Phase::kAuction, "?")[0] == 'a', "auction");

enum class Level : std::uint8_t { kLow, kHigh, kCount };
constexpr ballast::EnumNames<Level, ballast::enum_before(Level::kCount)> kLevelNames{
    {"low", "high"}};

#if MISSING_NAME == 1
enum class Grown : std::uint8_t { kA, kNew, kB };
constexpr ballast::EnumNames<Grown, Grown::kB> kGrownNames{{"a", "b"}};
#elif MISSING_NAME == 2
enum class Grown : std::uint8_t { kA, kB, kNew, kCount };
constexpr ballast::EnumNames<Grown, ballast::enum_before(Grown::kCount)> kGrownNames{{"a", "b"}};
#endif

}  // namespace

bool parse_phase(const std::string& text) {
  Phase p = Phase::kOpen;
  return kPhaseNames.parse(text, p) && kLevelNames.find(Level::kHigh) != nullptr;
}
