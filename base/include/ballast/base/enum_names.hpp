// base/: one table of names for an enum whose values run without gaps: to_string(), journal dumps
// and config parsing read the same strings. Plain C++14 (adapters/fix builds as C++14 for
// QuickFIX).
#pragma once

#include <cstddef>
#include <type_traits>

namespace ballast {

/// The names of the values kFirst..kLast of enum E, in order, one per value:
///
///   constexpr EnumNames<MarkPolicy, MarkPolicy::kBidForLongs> kMarkPolicyNames{
///       {"mid", "last", "bid_for_longs"}};
///
/// A table with more or fewer names than values does not compile (static_assert), so inserting an
/// enumerator before kLast fails the build until it is named. One appended after kLast is caught
/// at compile time only where the enum ends in kCount (kLast = enum_before(E::kCount)); C++ cannot
/// count the others, so give a new enum a kCount when it has no switch that -Wswitch would check.
/// Lookups are constexpr, allocation-free and noexcept (hot-path safe); parse() is a linear scan
/// for configuration and tools. Values must run without gaps: FIX wire codes and other sparse
/// enums keep their switch.
template <class E, E kLast, E kFirst = static_cast<E>(0)>
class EnumNames {
  static_assert(std::is_enum<E>::value, "EnumNames names the values of an enum");
  static_assert(!(kLast < kFirst), "kLast comes before kFirst");
  using Wide = long long;

 public:
  /// How many values (and names) the table has: kLast - kFirst + 1.
  static constexpr std::size_t kSize =
      static_cast<std::size_t>(static_cast<Wide>(kLast) - static_cast<Wide>(kFirst)) + 1;

  /// `names[i]` names the value kFirst + i. Takes exactly kSize names.
  template <std::size_t N>
  constexpr explicit EnumNames(const char* const (&names)[N]) noexcept : names_{} {
    static_assert(N == kSize, "EnumNames: give exactly one name per value from kFirst to kLast");
    for (std::size_t i = 0; i < N; ++i) names_[i] = names[i];
  }

  /// Returns kSize.
  static constexpr std::size_t size() noexcept { return kSize; }
  /// Returns the value at position `i` (kFirst + i); `i` must be below size().
  static constexpr E value(std::size_t i) noexcept {
    return static_cast<E>(static_cast<Wide>(kFirst) + static_cast<Wide>(i));
  }
  /// Returns true when `v` is one of kFirst..kLast (false for a value cast from a damaged byte).
  static constexpr bool contains(E v) noexcept { return !(v < kFirst) && !(kLast < v); }

  /// Returns the name at position `i`; `i` must be below size().
  constexpr const char* name_at(std::size_t i) const noexcept { return names_[i]; }
  /// Returns the name of `v`, or `fallback` when `v` is outside kFirst..kLast.
  constexpr const char* name_or(E v, const char* fallback) const noexcept {
    return contains(v) ? names_[index(v)] : fallback;
  }
  /// Returns the name of `v`, or nullptr when `v` is outside kFirst..kLast.
  constexpr const char* find(E v) const noexcept { return name_or(v, nullptr); }

  /// Sets `out` to the value named `text` and returns true; returns false (out unchanged) when no
  /// value has that name. `text` is a std::string or std::string_view (compared with ==).
  template <class Text>
  bool parse(const Text& text, E& out) const {
    static_assert(!std::is_pointer<typename std::decay<Text>::type>::value,
                  "EnumNames::parse: pass a std::string or std::string_view (== on a pointer "
                  "compares addresses)");
    for (std::size_t i = 0; i < kSize; ++i) {
      if (text == names_[i]) {
        out = value(i);
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr std::size_t index(E v) noexcept {
    return static_cast<std::size_t>(static_cast<Wide>(v) - static_cast<Wide>(kFirst));
  }

  const char* names_[kSize];
};

/// Returns the enumerator before `v`: EnumNames<E, enum_before(E::kCount)> names every value
/// below a kCount enumerator, so appending an enumerator without a name fails the build too.
template <class E>
constexpr E enum_before(E v) noexcept {
  static_assert(std::is_enum<E>::value, "enum_before takes an enumerator");
  return static_cast<E>(static_cast<long long>(v) - 1);
}

}  // namespace ballast
