// SPDX-License-Identifier: MIT
// Which device a rank's collectives use: `cuda` resolved to the local rank's GPU and made the current one, and a
// named error when the model lives on another GPU than the process group.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/util/Exception.h>

#include <string>

namespace superconv {
namespace distributed {

/// The device a local rank uses: `cuda` without an index becomes `cuda:<local_rank>` (one GPU per process);
/// anything else is kept.
inline c10::Device device_for_local_rank(c10::Device requested, int local_rank) {
  if (requested.is_cuda() && !requested.has_index())
    return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(local_rank));
  return requested;
}

/// Makes a CUDA `device` the current one of this process (as torch.cuda.set_device), so that NCCL and every
/// allocation without an explicit index use this rank's GPU; nothing for other devices.
inline void use_device(const c10::Device& device) {
  if (!device.is_cuda()) return;
  TORCH_CHECK(device.has_index(), "distributed: use_device needs a GPU index (cuda:<local rank>), got ", device.str());
  c10::impl::getDeviceGuardImpl(c10::kCUDA)->setDevice(device);
}

/// Checks that a model on `model` can take part in collectives on `group` (ProcessGroupOptions::device): the same
/// device, or a CPU group (Gloo) for a model anywhere (its tensors are copied through the host, slower than NCCL).
/// A CUDA group with the model on the CPU or another GPU is refused: NCCL would pair this rank with another's GPU.
inline void check_model_device(const c10::Device& group, const c10::Device& model) {
  TORCH_CHECK(group.is_cpu() || model == group, "distributed::ProcessGroup: the model is on ", model.str(),
              " but the process group's collectives run on ", group.str(),
              " (ProcessGroupOptions::device); put the model on ", group.str(),
              " or give the group the model's device (under torchrun: cuda, which becomes cuda:LOCAL_RANK)");
}

}  // namespace distributed
}  // namespace superconv
