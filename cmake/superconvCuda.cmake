# What a CUDA build of LibTorch (one with the torch_cuda target) asks of superconv's targets beyond `torch`.
# Included after find_package(Torch) by superconv's own CMakeLists.txt and by the installed superconvConfig.cmake,
# so a project that finds superconv gets the same.
#
# ProcessGroupNCCL.hpp, which superconv::distributed includes where LibTorch has NCCL (USE_C10D_NCCL, defined by
# torch_cuda itself), includes <nccl.h>, and LibTorch does not ship it. It comes from pip's nvidia-nccl wheel, which
# pip installs beside torch (site-packages/nvidia/nccl/include), or from the system's NCCL (libnccl-dev: /usr/include).
# Sets SUPERCONV_NCCL_INCLUDE_DIR (a cache entry: give it by hand to use another copy).
if(TARGET torch_cuda)
  set(_sc_torch_prefix "${TORCH_INSTALL_PREFIX}")
  if(NOT _sc_torch_prefix AND Torch_DIR)
    get_filename_component(_sc_torch_prefix "${Torch_DIR}/../../.." ABSOLUTE)  # <prefix>/share/cmake/Torch
  endif()
  find_path(SUPERCONV_NCCL_INCLUDE_DIR NAMES nccl.h
    HINTS "${_sc_torch_prefix}/../nvidia/nccl/include" "${_sc_torch_prefix}/include"
    DOC "folder of nccl.h, for superconv::distributed with a CUDA build of LibTorch")
  if(NOT SUPERCONV_NCCL_INCLUDE_DIR)
    message(WARNING "superconv: this LibTorch is a CUDA build with NCCL, whose ProcessGroupNCCL.hpp includes <nccl.h>, "
      "and no nccl.h was found: code that includes superconv/distributed/ will not compile. Install NCCL's headers "
      "(pip: nvidia-nccl-cu13 or nvidia-nccl-cu12, as this torch wants; Debian/Ubuntu: libnccl-dev) or give "
      "-DSUPERCONV_NCCL_INCLUDE_DIR=<folder of nccl.h>.")
  endif()
  unset(_sc_torch_prefix)
endif()
