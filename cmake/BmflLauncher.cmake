# bmfl_add_launcher(TARGET PROGRAM): bin/PROGRAM, a small program that sets the load-time
# settings (bmfl/ProcessSettings.h) and runs PROGRAM (the target TARGET, built into
# libexec/bmfl/) in its place, so LibTorch loads once with them in force. It links no LibTorch.
function(bmfl_add_launcher target program)
  set_target_properties(${target} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/libexec/bmfl OUTPUT_NAME ${program})
  install(TARGETS ${target} RUNTIME DESTINATION libexec/bmfl)
  add_executable(${program}-launcher ${PROJECT_SOURCE_DIR}/app/launcher/Launcher.cpp)
  set_target_properties(${program}-launcher PROPERTIES OUTPUT_NAME ${program})
  target_compile_definitions(${program}-launcher PRIVATE BMFL_PROGRAM_NAME="${program}")
  target_link_libraries(${program}-launcher PRIVATE bmfl_process_settings)
  add_dependencies(${program}-launcher ${target})
  bmfl_set_warnings(${program}-launcher)
  install(TARGETS ${program}-launcher RUNTIME DESTINATION bin)
endfunction()
