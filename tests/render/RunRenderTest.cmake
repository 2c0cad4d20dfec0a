# Runs bmfl-workbench --screenshot under xvfb-run, then compares with the baseline.
get_filename_component(output_dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${output_dir}")
file(REMOVE "${OUTPUT}")
set(workbench_args ${ARGS}) # a CMake list
execute_process(
  COMMAND ${XVFB} -a -s "-screen 0 1920x1080x24" ${WORKBENCH} --screenshot ${OUTPUT} ${workbench_args}
  RESULT_VARIABLE run_result
  TIMEOUT 150)
if(NOT run_result EQUAL 0)
  message(FATAL_ERROR "bmfl-workbench --screenshot failed (${run_result})")
endif()
if(NOT EXISTS "${BASELINE}")
  message(FATAL_ERROR "no baseline ${BASELINE}: look at ${OUTPUT} and copy it there if it is right")
endif()
execute_process(COMMAND ${COMPARE} "${OUTPUT}" "${BASELINE}" RESULT_VARIABLE compare_result)
if(NOT compare_result EQUAL 0)
  message(FATAL_ERROR "rendering differs from ${BASELINE}: see ${OUTPUT} and its .diff.png")
endif()
