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
include(${CMAKE_CURRENT_LIST_DIR}/FetchArchive.cmake)
# 3,074-byte records (coarse label, fine label, 3,072 pixels): 50,000 in train.bin, 10,000 in test.bin.
set(FILES train.bin test.bin fine_label_names.txt coarse_label_names.txt)
set(SIZES train.bin 153700000 test.bin 30740000)

if(DEFINED VERIFY)
  superconv_verify_folder("${VERIFY}" NAME CIFAR-100 FILES ${FILES} SIZES ${SIZES})
  message(STATUS "CIFAR-100 at ${VERIFY}: files present, sizes ok (the loader checks the label bytes)")
  return()
endif()

set(ARCHIVE_ARG "")
if(DEFINED ARCHIVE)  # passed on even when empty, as -DARCHIVE= was before
  set(ARCHIVE_ARG ARCHIVE "${ARCHIVE}")
endif()
superconv_fetch_archive(NAME CIFAR-100 URL "${URL}" MD5 "${MD5}" DEST "${DEST}" ${ARCHIVE_ARG}
  FOLDER cifar-100-binary DOWNLOAD_SIZE "161 MB"
  DONE_HINT "point SUPERCONV_CIFAR100 or your program's data option at it" FILES ${FILES} SIZES ${SIZES})
