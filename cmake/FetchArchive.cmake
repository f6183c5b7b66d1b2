# Shared by FetchCIFAR10.cmake and FetchCIFAR100.cmake (cmake -P scripts): check a data folder, and download (or take
# a local copy of) an archive, check its MD5, unpack it in a temporary folder and rename it into place. Failures end
# the script with message(FATAL_ERROR) (exit code 1).
#
#   superconv_check_folder(<dir> <out-var> FILES <file>... [SIZES <file> <bytes>...])
#     <out-var> gets an empty string when <dir> holds every file, each listed in SIZES at that size; else what is wrong.
#   superconv_verify_folder(<dir> NAME <name> FILES ... [SIZES ...])
#     fails with "<name> at <dir> is not usable: ..." unless superconv_check_folder passes.
#   superconv_fetch_archive(NAME <name> URL <url> MD5 <md5> DEST <dir> [ARCHIVE <file>] FOLDER <folder>
#                           DOWNLOAD_SIZE <text> DONE_HINT <text> FILES ... [SIZES ...])
#     makes <dest>/<folder>: nothing to do when it is already complete; refuses when it exists but is not; else takes
#     ARCHIVE (when the keyword is given, even with an empty value) or downloads URL to <dest>/.<name>-download/
#     <name>-binary.tar.gz (<name> in lower case), checks the MD5, unpacks, checks <folder> in the archive and renames
#     it into place. Everything is written under <dest>/.<name>-download, removed on every handled failure.

function(superconv_check_folder dir out)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "FILES;SIZES")
  set(sizes ${arg_SIZES})
  while(NOT sizes STREQUAL "")
    list(POP_FRONT sizes f bytes)
    set(size_${f} ${bytes})
  endwhile()
  set(problem "")
  foreach(f ${arg_FILES})
    if(NOT EXISTS "${dir}/${f}")
      set(problem "${problem}${dir}/${f} is missing; ")
    elseif(DEFINED size_${f})
      file(SIZE "${dir}/${f}" s)
      if(NOT s EQUAL size_${f})
        set(problem "${problem}${dir}/${f} has ${s} bytes, expected ${size_${f}}; ")
      endif()
    endif()
  endforeach()
  set(${out} "${problem}" PARENT_SCOPE)
endfunction()

function(superconv_verify_folder dir)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "NAME" "FILES;SIZES")
  superconv_check_folder("${dir}" problem FILES ${arg_FILES} SIZES ${arg_SIZES})
  if(problem)
    message(FATAL_ERROR "${arg_NAME} at ${dir} is not usable: ${problem}")
  endif()
endfunction()

function(superconv_fetch_archive)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;URL;MD5;DEST;ARCHIVE;FOLDER;DOWNLOAD_SIZE;DONE_HINT" "FILES;SIZES")
  set(check FILES ${arg_FILES} SIZES ${arg_SIZES})
  set(final "${arg_DEST}/${arg_FOLDER}")
  superconv_check_folder("${final}" problem ${check})
  if(NOT problem)
    message(STATUS "${arg_NAME} is already at ${final}")
    return()
  endif()
  if(EXISTS "${final}")
    message(FATAL_ERROR "${final} exists but is not usable (${problem}); remove it and run this again")
  endif()

  string(TOLOWER "${arg_NAME}" lower)
  set(work "${arg_DEST}/.${lower}-download")
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}")
  if("ARCHIVE" IN_LIST ARGN)  # not DEFINED arg_ARCHIVE: an empty value leaves that unset
    set(tarball "${arg_ARCHIVE}")
    file(MD5 "${tarball}" h)
    if(NOT h STREQUAL arg_MD5)
      file(REMOVE_RECURSE "${work}")
      message(FATAL_ERROR
              "${arg_ARCHIVE}: MD5 ${h}, expected ${arg_MD5}: not the ${arg_NAME} binary archive (or corrupt)")
    endif()
  else()
    set(tarball "${work}/${lower}-binary.tar.gz")
    message(STATUS "downloading ${arg_URL} (${arg_DOWNLOAD_SIZE})")
    # No EXPECTED_HASH here: it aborts the script before the clean-up below could run.
    file(DOWNLOAD "${arg_URL}" "${tarball}" SHOW_PROGRESS STATUS st TLS_VERIFY ON)
    list(GET st 0 code)
    if(NOT code EQUAL 0)
      list(GET st 1 why)
      file(REMOVE_RECURSE "${work}")
      message(FATAL_ERROR "download of ${arg_URL} failed (${why}); nothing was written to ${arg_DEST}")
    endif()
    file(MD5 "${tarball}" h)
    if(NOT h STREQUAL arg_MD5)
      file(REMOVE_RECURSE "${work}")
      message(FATAL_ERROR
              "download of ${arg_URL} is corrupt: MD5 ${h}, expected ${arg_MD5}; nothing was written to ${arg_DEST}")
    endif()
  endif()
  file(ARCHIVE_EXTRACT INPUT "${tarball}" DESTINATION "${work}/x")
  superconv_check_folder("${work}/x/${arg_FOLDER}" problem ${check})
  if(problem)
    file(REMOVE_RECURSE "${work}")
    message(FATAL_ERROR "the archive unpacked to something else than ${arg_NAME}: ${problem}")
  endif()
  file(RENAME "${work}/x/${arg_FOLDER}" "${final}")
  file(REMOVE_RECURSE "${work}")
  message(STATUS "${arg_NAME} is at ${final} (${arg_DONE_HINT})")
endfunction()
