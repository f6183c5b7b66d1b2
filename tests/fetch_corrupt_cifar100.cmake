# FetchCIFAR100.cmake given a corrupt archive (wrong MD5) and an unreachable URL: fails, says why, writes no data
# folder. Then an archive accepted by its (overridden) MD5 but holding the wrong files: refused after unpacking, no
# data folder left. Then -DVERIFY on a folder with a truncated test.bin: refused, naming the file.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/src/cifar-100-binary")
file(WRITE "${WORK}/src/cifar-100-binary/train.bin" "not cifar")
execute_process(COMMAND ${CMAKE_COMMAND} -E tar czf "${WORK}/bad.tar.gz" cifar-100-binary WORKING_DIRECTORY "${WORK}/src")
file(MD5 "${WORK}/bad.tar.gz" bad_md5)
foreach(args "-DARCHIVE=${WORK}/bad.tar.gz" "-DURL=file://${WORK}/missing.tar.gz"
             "-DARCHIVE=${WORK}/bad.tar.gz;-DMD5=${bad_md5}" "-DVERIFY=${WORK}/src/cifar-100-binary")
  execute_process(COMMAND ${CMAKE_COMMAND} -DDEST=${WORK}/data ${args} -P "${SRC}/cmake/FetchCIFAR100.cmake"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    message(FATAL_ERROR "${args}: FetchCIFAR100 succeeded on bad input")
  endif()
  string(REGEX REPLACE "[ \n]+" " " err "${err}")  # CMake wraps long messages
  if(NOT err MATCHES "MD5|failed|something else than CIFAR-100|is not usable")
    message(FATAL_ERROR "${args}: the error does not say why: ${err}")
  endif()
  if(EXISTS "${WORK}/data/cifar-100-binary" OR EXISTS "${WORK}/data/.cifar-100-download")
    message(FATAL_ERROR "${args}: a half-written data folder was left behind")
  endif()
  message(STATUS "${args}: refused as expected")
endforeach()
