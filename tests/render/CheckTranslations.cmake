# Fails when lupdate would leave a string of the workbench untranslated: runs the build's own
# lupdate project (the sources and include paths qt_add_translations gave it) into a copy of each
# .ts file and counts the entries it marks unfinished. The .ts files themselves are not touched.
#   cmake -DLUPDATE=... -DPROJECT=<build>/app/workbench/.lupdate/bmfl-workbench_project.cmake
#         -DGENERATOR=<Qt6LinguistTools>/GenerateLUpdateProject.cmake -DTS_FILES=a.ts;b.ts
#         -DWORK=<folder> -P CheckTranslations.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -DIN_FILE=${PROJECT} -DOUT_FILE=${WORK}/project.json
                        -P ${GENERATOR}
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cannot generate the lupdate project from ${PROJECT}")
endif()
set(problems "")
foreach(ts ${TS_FILES})
  get_filename_component(name ${ts} NAME)
  configure_file(${ts} ${WORK}/${name} COPYONLY)
  execute_process(COMMAND ${LUPDATE} -no-obsolete -project ${WORK}/project.json -ts ${WORK}/${name}
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "lupdate failed on ${name}:\n${output}")
  endif()
  file(STRINGS ${WORK}/${name} unfinished REGEX "type=\"unfinished\"")
  list(LENGTH unfinished count)
  if(count GREATER 0)
    file(STRINGS ${WORK}/${name} lines)
    set(sources "")
    set(previous "")
    foreach(line IN LISTS lines)
      if(line MATCHES "type=\"unfinished\"" AND previous MATCHES "<source>(.*)</source>")
        string(APPEND sources "\n  ${CMAKE_MATCH_1}")
      endif()
      set(previous "${line}")
    endforeach()
    string(APPEND problems
      "${name}: ${count} string(s) not translated (run `cmake --build build --target "
      "update_translations` and translate them):${sources}\n")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "${problems}")
endif()
message(STATUS "every string is translated in: ${TS_FILES}")
