// Loud process stop on a broken invariant.
#include "ballast/core/invariant.hpp"

#include <cstdio>
#include <cstdlib>

namespace ballast {

void invariant_failed(const char* expr, const char* message, const char* file, int line) noexcept {
  std::fprintf(stderr, "ballast: invariant failed at %s:%d: %s (%s)\n", file, line, message, expr);
  std::fflush(stderr);
  std::abort();
}

}  // namespace ballast
