# The LibTorch versions superconv supports, checked where LibTorch is found: superconv's own build and the
# installed package's superconvConfig.cmake.
#
#   superconv_check_torch_version()   after find_package(Torch): stops configuration with a message that names the
#                                     version found and the minimum, unless SUPERCONV_ALLOW_UNSUPPORTED_TORCH is ON
#                                     (then a warning). Sets SUPERCONV_TORCH_VERSION in the caller's scope.
#
# Checked: 2.11 (PyPI's CUDA build), 2.13 (the CPU build this project tests with), 2.15 (PyPI's CUDA build; its
# headers need C++20 and its CMake package says so on the torch target, cxx_std_20, which reaches every target that
# links superconv::superconv). Older ones miss APIs superconv uses; Debian 12's libtorch-dev is 1.13.1.
set(SUPERCONV_MIN_TORCH_VERSION 2.11)

function(superconv_check_torch_version)
  set(version "${Torch_VERSION}")
  if(NOT version)  # a LibTorch whose package has no version file: its version header says it
    foreach(header IN ITEMS torch/headeronly/version.h torch/version.h)
      foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
        if(NOT version AND EXISTS "${dir}/${header}")
          file(STRINGS "${dir}/${header}" parts REGEX "#define TORCH_VERSION_(MAJOR|MINOR|PATCH) [0-9]+")
          if(parts MATCHES "TORCH_VERSION_MAJOR ([0-9]+)")
            set(version "${CMAKE_MATCH_1}")
            foreach(part MINOR PATCH)
              string(REGEX MATCH "TORCH_VERSION_${part} ([0-9]+)" m "${parts}")
              string(APPEND version ".${CMAKE_MATCH_1}")
            endforeach()
          endif()
        endif()
      endforeach()
    endforeach()
  endif()
  if(NOT version)
    set(version "unknown")
  endif()
  set(SUPERCONV_TORCH_VERSION "${version}" PARENT_SCOPE)
  if(version STREQUAL "unknown" OR version VERSION_LESS SUPERCONV_MIN_TORCH_VERSION)
    set(msg "superconv needs LibTorch ${SUPERCONV_MIN_TORCH_VERSION} or newer; found LibTorch ${version}"
            " (${Torch_DIR}). Give a newer one with -DCMAKE_PREFIX_PATH=/path/to/libtorch or Torch_DIR (PyPI's torch"
            " wheels, the LibTorch zip from pytorch.org; Debian 12's libtorch-dev is 1.13.1), or run `make test`,"
            " which installs the CPU build of PyTorch 2.13.0 into .venv.")
    if(SUPERCONV_ALLOW_UNSUPPORTED_TORCH)
      message(WARNING "${msg} Going on because SUPERCONV_ALLOW_UNSUPPORTED_TORCH is ON.")
    else()
      message(FATAL_ERROR "${msg} (-DSUPERCONV_ALLOW_UNSUPPORTED_TORCH=ON tries it anyway.)")
    endif()
  endif()
endfunction()
