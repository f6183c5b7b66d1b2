# Finds superconv's dependencies.
#
# LibTorch, in this order:
#   1. what the user gives: CMAKE_PREFIX_PATH or Torch_DIR (a LibTorch zip from pytorch.org, Debian's
#      libtorch-dev, a pip install);
#   2. a Python that has torch: SUPERCONV_PYTHON, the project's .venv, then python3 on PATH
#      (torch.utils.cmake_prefix_path);
#   3. otherwise an error that says how to get it (`make test` installs the CPU build into .venv).
# Vendored with add_subdirectory, the imported targets found here must be visible to the parent project too.
if(NOT SUPERCONV_TOP_LEVEL)
  set(CMAKE_FIND_PACKAGE_TARGETS_GLOBAL ON)  # CMake >= 3.24
endif()
find_package(Torch QUIET)
if(NOT Torch_FOUND)
  set(_sc_pythons "")
  if(SUPERCONV_PYTHON)
    list(APPEND _sc_pythons "${SUPERCONV_PYTHON}")
  endif()
  if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/../.venv/bin/python")
    list(APPEND _sc_pythons "${CMAKE_CURRENT_LIST_DIR}/../.venv/bin/python")
  endif()
  find_program(_sc_python3 NAMES python3 python)
  if(_sc_python3)
    list(APPEND _sc_pythons "${_sc_python3}")
  endif()
  foreach(_py IN LISTS _sc_pythons)
    execute_process(COMMAND "${_py}" -c "import torch, sys; sys.stdout.write(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE _sc_torch_prefix RESULT_VARIABLE _sc_rc ERROR_QUIET)
    if(_sc_rc EQUAL 0 AND EXISTS "${_sc_torch_prefix}")
      message(STATUS "superconv: LibTorch from ${_py}: ${_sc_torch_prefix}")
      list(APPEND CMAKE_PREFIX_PATH "${_sc_torch_prefix}")
      break()
    endif()
  endforeach()
  find_package(Torch QUIET)
endif()
if(NOT Torch_FOUND)
  message(FATAL_ERROR
    "superconv: LibTorch not found. Give it with -DCMAKE_PREFIX_PATH=/path/to/libtorch (the zip from pytorch.org, "
    "or `python3 -c 'import torch;print(torch.utils.cmake_prefix_path)'`), or run `make test`, which installs "
    "the CPU build of PyTorch 2.13.0 into .venv.")
endif()
include("${CMAKE_CURRENT_LIST_DIR}/superconvTorchVersion.cmake")
superconv_check_torch_version()  # 2.11 or newer (SUPERCONV_ALLOW_UNSUPPORTED_TORCH to try another)
message(STATUS "superconv: Torch ${SUPERCONV_TORCH_VERSION} (${TORCH_LIBRARIES})")
include("${CMAKE_CURRENT_LIST_DIR}/superconvCuda.cmake")  # nccl.h for a CUDA build of LibTorch
if(TARGET torch_cuda)
  message(STATUS "superconv: LibTorch is a CUDA build: SUPERCONV_WITH_CUDA, USE_C10D_NCCL (nccl.h: "
                 "${SUPERCONV_NCCL_INCLUDE_DIR})")
endif()

find_package(fmt REQUIRED)
find_package(nlohmann_json 3.2 QUIET)
if(NOT nlohmann_json_FOUND)
  message(FATAL_ERROR "superconv: nlohmann/json not found (Debian/Ubuntu: apt-get install nlohmann-json3-dev)")
endif()

unset(CMAKE_FIND_PACKAGE_TARGETS_GLOBAL)

find_path(SUPERCONV_TURBOJPEG_INCLUDE_DIR NAMES turbojpeg.h)
find_library(SUPERCONV_TURBOJPEG_LIBRARY NAMES turbojpeg)
if(SUPERCONV_TURBOJPEG_INCLUDE_DIR AND SUPERCONV_TURBOJPEG_LIBRARY)
  message(STATUS "superconv: libjpeg-turbo ${SUPERCONV_TURBOJPEG_LIBRARY} (JPEG decoding with DCT shrinking)")
else()
  message(STATUS "superconv: libjpeg-turbo not found (Debian/Ubuntu: libturbojpeg0-dev): JPEGs decode through "
                 "stb_image, whole, and the shard tool cannot write JPEG")
endif()

find_path(SUPERCONV_STB_INCLUDE_DIR NAMES stb_image_write.h PATH_SUFFIXES stb)
if(NOT SUPERCONV_STB_INCLUDE_DIR)
  message(FATAL_ERROR "superconv: stb_image_write.h not found (Debian/Ubuntu: apt-get install libstb-dev)")
endif()
# Headers include <stb/stb_image_write.h> when they can; make the parent of stb/ visible too.
get_filename_component(_sc_stb_name "${SUPERCONV_STB_INCLUDE_DIR}" NAME)
if(_sc_stb_name STREQUAL "stb")
  get_filename_component(SUPERCONV_STB_INCLUDE_DIR "${SUPERCONV_STB_INCLUDE_DIR}" DIRECTORY)
endif()
