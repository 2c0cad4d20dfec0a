# Warnings for the project's own targets (not for third-party headers, which are SYSTEM includes).
function(bmfl_set_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                             -Wconversion -Wno-sign-conversion)
  endif()
endfunction()
