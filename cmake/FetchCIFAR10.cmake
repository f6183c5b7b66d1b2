# Downloads CIFAR-10 (binary version), checks its MD5, unpacks it to <DEST>/cifar-10-batches-bin.
#
#   cmake -P cmake/FetchCIFAR10.cmake                      # into ./data
#   cmake -DDEST=/data -P cmake/FetchCIFAR10.cmake         # elsewhere
#   cmake -DARCHIVE=/path/cifar-10-binary.tar.gz -P ...    # from a copy you already have
#   cmake -DVERIFY=/path/cifar-10-batches-bin -P ...       # check a folder: sizes, labels' file sizes, per-file MD5
#
# A failed or corrupt download leaves no data folder behind: everything happens in a temporary folder that is
# renamed into place only after the archive's MD5 and the unpacked files' sizes check out.
cmake_minimum_required(VERSION 3.18)
if(NOT DEFINED URL)
  set(URL "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")
endif()
if(NOT DEFINED MD5)
  set(MD5 "c32a1d4ab5d03f1284b67883e8d87530")
endif()
if(NOT DEFINED DEST)
  set(DEST "${CMAKE_CURRENT_SOURCE_DIR}/data")  # the current working directory in script mode
endif()
include(${CMAKE_CURRENT_LIST_DIR}/FetchArchive.cmake)
set(FILES data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin)
set(SIZES "")  # every file: 10,000 records of 3,073 bytes (label, 3,072 pixels)
foreach(f ${FILES})
  list(APPEND SIZES ${f} 30730000)
endforeach()
# The official per-file MD5s inside cifar-10-binary.tar.gz.
set(MD5_data_batch_1.bin 5dd7e06a14cb22eb9f671a540d1b7c25)
set(MD5_data_batch_2.bin 5ea93a67294ea407fff1d09f752e9692)
set(MD5_data_batch_3.bin 942cd6a4bcdd0dd3c604fbe906cb4421)
set(MD5_data_batch_4.bin ae636b3ba5c66a11e91e8cb52e771fcb)
set(MD5_data_batch_5.bin 53f37980c15c3d472c316c40844f3f0d)
set(MD5_test_batch.bin 803d5f7f4d78ea53de84dbe85f74fb6d)

if(DEFINED VERIFY)
  superconv_verify_folder("${VERIFY}" NAME CIFAR-10 FILES ${FILES} SIZES ${SIZES})
  foreach(f ${FILES})
    file(MD5 "${VERIFY}/${f}" h)
    if(h STREQUAL "${MD5_${f}}")
      message(STATUS "${f}: size ok, MD5 ok (official)")
    else()
      message(STATUS "${f}: size ok; note: MD5 ${h} differs from the official ${MD5_${f}} (a re-encoded copy? "
                     "the loader accepts it: sizes and labels are what it checks)")
    endif()
  endforeach()
  return()
endif()

set(ARCHIVE_ARG "")
if(DEFINED ARCHIVE)  # passed on even when empty, as -DARCHIVE= was before
  set(ARCHIVE_ARG ARCHIVE "${ARCHIVE}")
endif()
superconv_fetch_archive(NAME CIFAR-10 URL "${URL}" MD5 "${MD5}" DEST "${DEST}" ${ARCHIVE_ARG}
  FOLDER cifar-10-batches-bin DOWNLOAD_SIZE "162 MB"
  DONE_HINT "use --data ${DEST}/cifar-10-batches-bin or SUPERCONV_DATA" FILES ${FILES} SIZES ${SIZES})
