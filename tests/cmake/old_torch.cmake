# cmake -DSRC= -DWORK= -DGEN= -P old_torch.cmake: configuring superconv with a LibTorch older than it supports stops
# with a message that names the version found and the minimum.
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND ${CMAKE_COMMAND} -S "${SRC}" -B "${WORK}" -G "${GEN}" "-DTorch_DIR=${SRC}/tests/cmake/old_torch"
                        -DSUPERCONV_BUILD_TESTS=OFF -DSUPERCONV_BUILD_EXAMPLES=OFF -DSUPERCONV_BUILD_BENCHMARKS=OFF
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "configuring with LibTorch 1.13.1 succeeded; it should stop:\n${out}")
endif()
string(REGEX REPLACE "[ \n]+" " " flat "${out}")  # CMake wraps long messages
if(NOT flat MATCHES "superconv needs LibTorch 2\\.11 or newer; found LibTorch 1\\.13\\.1")
  message(FATAL_ERROR "the error does not name the version found and the minimum:\n${out}")
endif()
message(STATUS "refused as expected: LibTorch 1.13.1 < 2.11")
