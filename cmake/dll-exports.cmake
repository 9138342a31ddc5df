# Writes a DLL's exports as a module-definition file (LIBRARY and EXPORTS),
# from which MSVC's `lib /def:` and MinGW's dlltool make import libraries:
#   cmake -DOBJDUMP=<objdump> -DDLL=<x.dll> -DDEF=<x.def> -P cmake/dll-exports.cmake
# Taken from the DLL itself, so the list is exactly what it exports.
execute_process(COMMAND "${OBJDUMP}" -p "${DLL}" OUTPUT_VARIABLE dump RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "${OBJDUMP} -p ${DLL} failed")
endif()
# objdump prints the names in its "[Ordinal/Name Pointer] Table", one per
# line ("\t[   0] nb_abi_version"), up to an empty line.
string(REPLACE "\n" ";" lines "${dump}")
set(in_table OFF)
set(exports "")
foreach(line IN LISTS lines)
  if(line MATCHES "\\[Ordinal/Name Pointer\\] Table")
    set(in_table ON)
  elseif(in_table AND line MATCHES "^[ \t]*\\[ *[0-9]+\\] ([A-Za-z_][A-Za-z0-9_@]*)$")
    string(APPEND exports "    ${CMAKE_MATCH_1}\n")
  elseif(in_table)
    break()
  endif()
endforeach()
if(exports STREQUAL "")
  message(FATAL_ERROR "${DLL} exports nothing that ${OBJDUMP} lists")
endif()
get_filename_component(name "${DLL}" NAME)
file(WRITE "${DEF}" "LIBRARY ${name}\nEXPORTS\n${exports}")
