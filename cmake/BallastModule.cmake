# ballast_module(NAME DIR DEPS...): one library per module from DIR/src/*.cpp with DIR/include as
# its public include directory. A module with no sources yet is an INTERFACE library, so the
# dependency graph is stated in full from the start.
function(ballast_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(srcs)
    add_library(${name} ${srcs})
    target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
  endif()
endfunction()

# ballast_test_options(TARGET): the optimisation of test code (also the tests' precompiled
# header's, which must match it). Test code builds at -O1 in Release (the libraries under test stay
# at -O3): -O3 spent a third more compile time on gtest bodies for no gain in what the tests check
# (CI time). In the ASan build (Debug, libraries at -O1) test code builds at -O0: instrumenting
# gtest bodies at -O1 was 1,116 of that build's 1,973 job-seconds (-O0: 756; a clean build's
# build-asan/.ninja_log, end minus start summed over the outputs under tests/), and the libraries
# the tests drive keep -O1.
function(ballast_test_options target)
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-O1>
                         $<$<AND:$<CONFIG:Debug>,$<STREQUAL:${BALLAST_SANITIZE},address>>:-O0>)
endfunction()

# ballast_test(NAME [SERIAL gtest-filter] [PER_TEST] [SHARDS n] [COST n] LIBS...
#              [SOURCES files...]): one GoogleTest executable from DIR/*_test.cpp (or the SOURCES
# given), labelled with the module name, registered with CTest by ballast_gtest_register below.
function(ballast_test name)
  cmake_parse_arguments(ARG "PER_TEST" "SERIAL;COST;SHARDS" "LIBS;SOURCES" ${ARGN})
  # Every *_test.cpp of the directory, or the SOURCES given.
  if(ARG_SOURCES)
    set(srcs ${ARG_SOURCES})
  else()
    file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  endif()
  if(NOT srcs)
    return()
  endif()
  add_executable(${name} ${srcs})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  ballast_test_options(${name})
  # A test target (cmake/BallastPch.cmake gives it the tests' precompiled header).
  set_property(TARGET ${name} PROPERTY BALLAST_TEST TRUE)
  target_compile_definitions(${name} PRIVATE
    BALLAST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    BALLAST_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    BALLAST_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set(pass "")
  if(ARG_PER_TEST)
    list(APPEND pass PER_TEST)
  endif()
  foreach(k SERIAL COST SHARDS)
    if(DEFINED ARG_${k})
      list(APPEND pass ${k} "${ARG_${k}}")
    endif()
  endforeach()
  ballast_gtest_register(${name} LABEL ${name} ${pass})
endfunction()

# The sanitizer's options for a test process of this build (a list for ENVIRONMENT).
function(ballast_sanitizer_env out)
  set(env "")
  if(BALLAST_SANITIZE STREQUAL "thread")
    set(env "TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1 suppressions=${PROJECT_SOURCE_DIR}/tests/tsan.supp")
  elseif(BALLAST_SANITIZE STREQUAL "address")
    set(env "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1" "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endif()
  set(${out} "${env}" PARENT_SCOPE)
endfunction()

# ballast_gtest_register(TARGET LABEL label [SERIAL gtest-filter] [PER_TEST] [SHARDS n] [COST n]):
# how CTest runs a GoogleTest program.
# - By default the program runs whole, as SHARDS processes (default 1) that each run every n-th
#   test (GoogleTest's GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX): CTest entries NAME, or
#   NAME.shardIofN. A process per test cost more than most unit tests themselves: under ASan a
#   test process starts in ~0.25 s of CPU (risk_tests' 113 tests: 33 s of CPU as 113 processes,
#   5.3 s as one), ~950 tests in all. Each process writes GoogleTest's XML report to
#   <build>/gtest-results/ENTRY.xml, where scripts/test.sh finds the tests that skipped.
# - PER_TEST: a CTest entry per test (gtest_discover_tests), for programs whose tests are long
#   processes of their own (tools, e2e), so CTest spreads them over the cores.
# - Tests matching SERIAL (a per-test program) run alone (RUN_SERIAL): the wall-paced end-to-end
#   runs, whose outcome depends on keeping up with a recorded tape replayed against the clock.
# - COST: CTest starts tests in descending cost where it has no timings of its own (a clean
#   checkout: CI), so the long process-level tests given a COST start first instead of last, when
#   one of them would hold the stage open with the cores idle (its measured times replace COST
#   later).
function(ballast_gtest_register name)
  cmake_parse_arguments(ARG "PER_TEST" "LABEL;SERIAL;COST;SHARDS" "" ${ARGN})
  ballast_sanitizer_env(env)
  set(cost 0)
  if(ARG_COST)
    set(cost ${ARG_COST})
  endif()
  if(ARG_SERIAL)
    gtest_discover_tests(${name} TEST_FILTER "${ARG_SERIAL}" DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${ARG_LABEL} RUN_SERIAL TRUE ENVIRONMENT "${env}"
                                    COST ${cost})
    gtest_discover_tests(${name} TEST_FILTER "-${ARG_SERIAL}" DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${ARG_LABEL} ENVIRONMENT "${env}" COST ${cost})
    return()
  endif()
  if(ARG_PER_TEST)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${ARG_LABEL} ENVIRONMENT "${env}" COST ${cost})
    return()
  endif()
  set(shards 1)
  if(ARG_SHARDS)
    set(shards ${ARG_SHARDS})
  endif()
  math(EXPR last "${shards} - 1")
  foreach(i RANGE 0 ${last})
    if(shards EQUAL 1)
      set(entry ${name})
      set(shard_env "")
    else()
      set(entry ${name}.shard${i}of${shards})
      set(shard_env GTEST_TOTAL_SHARDS=${shards} GTEST_SHARD_INDEX=${i})
    endif()
    add_test(NAME ${entry} COMMAND ${name})
    set_tests_properties(${entry} PROPERTIES
      LABELS ${ARG_LABEL} COST ${cost}
      ENVIRONMENT "${env};${shard_env};GTEST_OUTPUT=xml:${PROJECT_BINARY_DIR}/gtest-results/${entry}.xml")
  endforeach()
endfunction()
