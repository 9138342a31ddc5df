# One compile-fail test, run with cmake -P; the source says what it expects:
#
#   // good-flags: -std=c++17          flags with which it must compile cleanly
#   // bad-flags: -std=c++17 -DNB_MISUSE   flags with which it must fail
#   // expect-error: <regex>          what its first error must say
#   // single-error                   (optional) and that must be the only error
#
# Compiling cleanly first proves the file has no typo and that the good use
# it shows is accepted; the first error matching proves it fails for the
# intended reason.
#
#   cmake -DCXX=<c++ compiler> -DINCLUDE=<include dir> -DSOURCE=<file.cpp> -P compile_fail.cmake
foreach(v CXX INCLUDE SOURCE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "compile_fail.cmake: ${v} not given")
  endif()
endforeach()
file(STRINGS "${SOURCE}" directives REGEX "^// (good-flags|bad-flags|expect-error):|^// single-error$")
set(single_error OFF)
foreach(line ${directives})
  if(line MATCHES "^// good-flags: (.*)$")
    separate_arguments(good_flags UNIX_COMMAND "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^// bad-flags: (.*)$")
    separate_arguments(bad_flags UNIX_COMMAND "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^// expect-error: (.*)$")
    set(expect "${CMAKE_MATCH_1}")
  elseif(line STREQUAL "// single-error")
    set(single_error ON)
  endif()
endforeach()
if(NOT good_flags OR NOT bad_flags OR NOT expect)
  message(FATAL_ERROR "${SOURCE} lacks a good-flags, bad-flags or expect-error line")
endif()
set(common -fsyntax-only -Wall -Wextra -Wpedantic -Werror "-I${INCLUDE}" "${SOURCE}")

execute_process(COMMAND "${CXX}" ${good_flags} ${common} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} with ${good_flags} does not compile (it must):\n${out}")
endif()

execute_process(COMMAND "${CXX}" ${bad_flags} ${common} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiles with ${bad_flags} (it must not)")
endif()
string(REPLACE ";" "," out_list "${out}")  # a ';' in a message would split the list below
string(REGEX MATCHALL "[^\n]*error:[^\n]*" errors "${out_list}")
list(LENGTH errors n_errors)
if(n_errors EQUAL 0)
  message(FATAL_ERROR "${SOURCE} with ${bad_flags} failed without an error line:\n${out}")
endif()
list(GET errors 0 first)
if(NOT first MATCHES "${expect}")
  message(FATAL_ERROR "${SOURCE} with ${bad_flags}: the first error does not match '${expect}':\n${out}")
endif()
if(single_error AND NOT n_errors EQUAL 1)
  message(FATAL_ERROR "${SOURCE} with ${bad_flags}: ${n_errors} errors, expected only the intended one:\n${out}")
endif()
message(STATUS "${SOURCE} with ${bad_flags} fails as intended:\n${first}")
