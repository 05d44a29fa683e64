# The linker (build time): lld links the test programs, and every program of a sanitizer build,
# instead of GNU ld. The ASan tools_tests (111 MB with -g1 line tables) linked in 1.4 s of CPU and
# 5-6 s of wall time with lld against 3.6 s and 16-17 s with ld.bfd (gold: 2.3 s, 10.6 s), on this
# 2-core VM beside a build (/usr/bin/time on the link command of build-asan, three runs each).
# The Release program and the benchmarks keep the default linker: lld lays code out in another
# order, and the benchmarks' numbers are compared with builds made before (docs/BENCHMARKS.md).
# scripts/setup.sh installs lld; without it (or with -DBALLAST_LLD=OFF) GNU ld links everything.
option(BALLAST_LLD "Link test programs, and every program of a sanitizer build, with lld" ON)

# Called once, at the end of the top-level CMakeLists.txt (after every target exists).
function(ballast_apply_linker)
  if(NOT BALLAST_LLD)
    return()
  endif()
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld BALLAST_HAS_LLD)
  if(NOT BALLAST_HAS_LLD)
    message(STATUS "lld not found: programs link with the default linker")
    return()
  endif()
  _ballast_pch_targets("${PROJECT_SOURCE_DIR}" targets)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    get_target_property(dir ${t} SOURCE_DIR)
    if(type STREQUAL "EXECUTABLE"
       AND (NOT BALLAST_SANITIZE STREQUAL "" OR dir MATCHES "^${PROJECT_SOURCE_DIR}/tests(/|$)"))
      target_link_options(${t} PRIVATE -fuse-ld=lld)
    endif()
  endforeach()
endfunction()
