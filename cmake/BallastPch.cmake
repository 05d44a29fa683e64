# Precompiled headers (build time): the standard library headers most sources include, and
# GoogleTest for the tests, parsed once per build instead of once per source file. Parsing them was
# half of a Release test file's compile time on the CI machine (2 cores, no warm cache): one PCH per
# kind of target ("donor": a library or program, or a test), which every target of that kind reuses.
#
# Only headers from the system go in (never Ballast's own), so an edit to a Ballast header rebuilds
# what includes it and nothing else. GCC refuses a PCH built with other settings (-std, -fpie,
# debug info, __OPTIMIZE__); CMake passes -Winvalid-pch and the build uses -Werror, so a mismatch
# fails the build instead of silently parsing again. Only C++20 targets built as static libraries
# or programs take one: the C++14 ones (QuickFIX's headers; a C++14 GoogleTest PCH made GCC 12
# crash on two broker-sim test files) and position-independent code keep parsing.
#
# A source compiled with a PCH sees these headers even where it does not include them. The TSan
# build (scripts/build.sh) has the PCH off, so its targets (the engine, journal and FIX sender
# threads' tests and what they link) still fail on a missing #include; elsewhere a missing standard
# #include shows only in a build with -DBALLAST_PCH=OFF.
option(BALLAST_PCH "Precompile the standard library and GoogleTest headers" ON)

set(BALLAST_PCH_STD
  <algorithm> <array> <atomic> <chrono> <cmath> <cstddef> <cstdint> <cstdio> <cstdlib> <cstring>
  <deque> <filesystem> <fstream> <functional> <limits> <map> <memory> <mutex> <optional> <random>
  <set> <span> <sstream> <string> <string_view> <thread> <tuple> <unordered_map> <utility> <variant>
  <vector>)

# GCC 12 reports its own std::string code ("x" + std::to_string(n) in a test's setup) under
# -Wstringop-overflow and -Warray-bounds once the headers come from a PCH: the false positives of
# GCC bugs 105329/105651, which the system-header rule hides without a PCH. Off in the tests and
# benchmarks only (ASan checks every access of the tests at run time); the libraries and the
# ballast program keep both warnings, written so they stay quiet (append to a std::string rather
# than prepend).
set(BALLAST_PCH_TEST_WARNINGS "")
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  set(BALLAST_PCH_TEST_WARNINGS -Wno-stringop-overflow -Wno-array-bounds)
endif()

# One donor per kind, created on first use: an object library of one empty source that builds the
# PCH with the options of its kind (a test's: ballast_test_options in BallastModule.cmake).
function(_ballast_pch_donor out is_test)
  set(donor "ballast_pch_cxx20")
  if(is_test)
    set(donor "${donor}_gtest")
  endif()
  if(NOT TARGET ${donor})
    set(src "${PROJECT_BINARY_DIR}/pch/${donor}.cpp")
    if(NOT EXISTS "${src}")
      file(WRITE "${src}" "// The donor of a precompiled header (cmake/BallastPch.cmake).\n")
    endif()
    add_library(${donor} OBJECT "${src}")
    set_target_properties(${donor} PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON)
    set(headers ${BALLAST_PCH_STD})
    if(is_test)
      target_link_libraries(${donor} PRIVATE GTest::gtest)
      ballast_test_options(${donor})
      target_compile_options(${donor} PRIVATE ${BALLAST_PCH_TEST_WARNINGS})
      list(APPEND headers <gtest/gtest.h>)
    endif()
    target_precompile_headers(${donor} PRIVATE ${headers})
  endif()
  set(${out} ${donor} PARENT_SCOPE)
endfunction()

function(_ballast_pch_targets dir out)
  get_property(ts DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subs)
    _ballast_pch_targets("${sub}" more)
    list(APPEND ts ${more})
  endforeach()
  set(${out} ${ts} PARENT_SCOPE)
endfunction()

# Called once, at the end of the top-level CMakeLists.txt: every C++20 static library and program
# of the project reuses its kind's PCH (a test: a target made by ballast_test).
function(ballast_apply_pch)
  if(NOT BALLAST_PCH OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  _ballast_pch_targets("${PROJECT_SOURCE_DIR}" targets)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY)$" OR t MATCHES "^ballast_pch_")
      continue()
    endif()
    get_target_property(skip ${t} SKIP_PRECOMPILE_HEADERS)
    get_target_property(pic ${t} POSITION_INDEPENDENT_CODE)
    get_target_property(opts ${t} COMPILE_OPTIONS)
    if(skip OR pic OR "${opts}" MATCHES "-fsanitize=fuzzer")
      continue()
    endif()
    get_target_property(srcs ${t} SOURCES)
    if(NOT "${srcs}" MATCHES "\\.(cpp|cc|cxx)(;|$)")
      continue()
    endif()
    get_target_property(std ${t} CXX_STANDARD)
    if(NOT std)
      set(std ${CMAKE_CXX_STANDARD})
    endif()
    if(NOT std EQUAL 20)
      continue()
    endif()
    get_target_property(is_test ${t} BALLAST_TEST)
    if(NOT is_test)
      set(is_test FALSE)
    endif()
    _ballast_pch_donor(donor ${is_test})
    target_precompile_headers(${t} REUSE_FROM ${donor})
    get_target_property(dir ${t} SOURCE_DIR)
    if(is_test OR dir MATCHES "^${PROJECT_SOURCE_DIR}/bench(/|$)")
      target_compile_options(${t} PRIVATE ${BALLAST_PCH_TEST_WARNINGS})
    endif()
  endforeach()
endfunction()
