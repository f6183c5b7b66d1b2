# Downloads CIFAR-100 (binary version), checks its MD5, unpacks it to <DEST>/cifar-100-binary.
#
#   cmake -P cmake/FetchCIFAR100.cmake                      # into ./data
#   cmake -DDEST=/data -P cmake/FetchCIFAR100.cmake         # elsewhere
#   cmake -DARCHIVE=/path/cifar-100-binary.tar.gz -P ...    # from a copy you already have
#   cmake -DVERIFY=/path/cifar-100-binary -P ...            # check a folder: the files and their sizes
#
# A failed or corrupt download leaves no data folder behind: everything happens in a temporary folder that is
# renamed into place only after the archive's MD5 and the unpacked files' sizes check out. The MD5 is the one
# https://www.cs.toronto.edu/~kriz/cifar.html publishes for "CIFAR-100 binary version" (03b5dce0...; eb9058c3...
# is the Python version's).
cmake_minimum_required(VERSION 3.18)
if(NOT DEFINED URL)
  set(URL "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz")
endif()
if(NOT DEFINED MD5)
  set(MD5 "03b5dce01913d631647c71ecec9e9cb8")
endif()
if(NOT DEFINED DEST)
  set(DEST "${CMAKE_CURRENT_SOURCE_DIR}/data")  # the current working directory in script mode
endif()
# 3,074-byte records (coarse label, fine label, 3,072 pixels): 50,000 in train.bin, 10,000 in test.bin.
set(FILES train.bin test.bin fine_label_names.txt coarse_label_names.txt)
set(SIZE_train.bin 153700000)
set(SIZE_test.bin 30740000)

# Returns in ${out} an empty string when ${dir} holds the files (the .bin files at the right size), else what is wrong.
function(check_folder dir out)
  set(problem "")
  foreach(f ${FILES})
    if(NOT EXISTS "${dir}/${f}")
      set(problem "${problem}${dir}/${f} is missing; ")
    elseif(DEFINED SIZE_${f})
      file(SIZE "${dir}/${f}" s)
      if(NOT s EQUAL SIZE_${f})
        set(problem "${problem}${dir}/${f} has ${s} bytes, expected ${SIZE_${f}}; ")
      endif()
    endif()
  endforeach()
  set(${out} "${problem}" PARENT_SCOPE)
endfunction()

if(DEFINED VERIFY)
  check_folder("${VERIFY}" problem)
  if(problem)
    message(FATAL_ERROR "CIFAR-100 at ${VERIFY} is not usable: ${problem}")
  endif()
  message(STATUS "CIFAR-100 at ${VERIFY}: files present, sizes ok (the loader checks the label bytes)")
  return()
endif()

set(final "${DEST}/cifar-100-binary")
check_folder("${final}" problem)
if(NOT problem)
  message(STATUS "CIFAR-100 is already at ${final}")
  return()
endif()
if(EXISTS "${final}")
  message(FATAL_ERROR "${final} exists but is not usable (${problem}); remove it and run this again")
endif()

set(work "${DEST}/.cifar-100-download")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")
if(DEFINED ARCHIVE)
  set(tarball "${ARCHIVE}")
  file(MD5 "${tarball}" h)
  if(NOT h STREQUAL MD5)
    file(REMOVE_RECURSE "${work}")
    message(FATAL_ERROR "${ARCHIVE}: MD5 ${h}, expected ${MD5}: not the CIFAR-100 binary archive (or corrupt)")
  endif()
else()
  set(tarball "${work}/cifar-100-binary.tar.gz")
  message(STATUS "downloading ${URL} (161 MB)")
  # No EXPECTED_HASH here: it aborts the script before the clean-up below could run.
  file(DOWNLOAD "${URL}" "${tarball}" SHOW_PROGRESS STATUS st TLS_VERIFY ON)
  list(GET st 0 code)
  if(NOT code EQUAL 0)
    list(GET st 1 why)
    file(REMOVE_RECURSE "${work}")
    message(FATAL_ERROR "download of ${URL} failed (${why}); nothing was written to ${DEST}")
  endif()
  file(MD5 "${tarball}" h)
  if(NOT h STREQUAL MD5)
    file(REMOVE_RECURSE "${work}")
    message(FATAL_ERROR "download of ${URL} is corrupt: MD5 ${h}, expected ${MD5}; nothing was written to ${DEST}")
  endif()
endif()
file(ARCHIVE_EXTRACT INPUT "${tarball}" DESTINATION "${work}/x")
check_folder("${work}/x/cifar-100-binary" problem)
if(problem)
  file(REMOVE_RECURSE "${work}")
  message(FATAL_ERROR "the archive unpacked to something else than CIFAR-100: ${problem}")
endif()
file(RENAME "${work}/x/cifar-100-binary" "${final}")
file(REMOVE_RECURSE "${work}")
message(STATUS "CIFAR-100 is at ${final} (point SUPERCONV_CIFAR100 or your program's data option at it)")
