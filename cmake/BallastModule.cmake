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

# ballast_test(NAME [SERIAL gtest-filter] [COST n] LIBS... [SOURCES files...]): one GoogleTest
# executable from DIR/*_test.cpp (or the SOURCES given),
# registered with CTest test by test (gtest_discover_tests) and labelled with the module name.
# Tests matching SERIAL run alone (RUN_SERIAL): the wall-paced end-to-end runs, whose outcome
# depends on keeping up with a recorded tape replayed against the clock.
# COST: CTest starts tests in descending cost where it has no timings of its own (a clean checkout:
# CI), so the long process-level tests given a COST start first instead of last, when one of them
# would hold the stage open with the cores idle (ctest -j; its measured times replace COST later).
function(ballast_test name)
  cmake_parse_arguments(ARG "" "SERIAL;COST" "LIBS;SOURCES" ${ARGN})
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
  set(env "")
  if(BALLAST_SANITIZE STREQUAL "thread")
    set(env "TSAN_OPTIONS=halt_on_error=1 second_deadlock_stack=1 suppressions=${PROJECT_SOURCE_DIR}/tests/tsan.supp")
  elseif(BALLAST_SANITIZE STREQUAL "address")
    set(env "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")
  endif()
  set(cost 0)
  if(ARG_COST)
    set(cost ${ARG_COST})
  endif()
  if(ARG_SERIAL)
    gtest_discover_tests(${name} TEST_FILTER "${ARG_SERIAL}" DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${name} RUN_SERIAL TRUE ENVIRONMENT "${env}"
                                    COST ${cost})
    gtest_discover_tests(${name} TEST_FILTER "-${ARG_SERIAL}" DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${name} ENVIRONMENT "${env}" COST ${cost})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${name} ENVIRONMENT "${env}" COST ${cost})
  endif()
endfunction()
