# collbench_warnings: an interface target every collbench target links to.
add_library(collbench_warnings INTERFACE)
target_compile_options(collbench_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
if(COLLBENCH_WERROR)
  target_compile_options(collbench_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()
