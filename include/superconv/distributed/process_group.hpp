// SPDX-License-Identifier: MIT
// Data-parallel replicas on PyTorch's c10d: a Gloo (CPU tensors) or NCCL (CUDA tensors) process group over a
// FileStore or TCPStore, with bucketed gradient averaging, broadcasts and gathers for superconv::train.
#pragma once

#include <superconv/distributed/buckets.hpp>
#include <superconv/distributed/device.hpp>
#include <superconv/distributed/backend_environment.hpp>
#include <superconv/distributed/rendezvous.hpp>
#include <superconv/system/error_message.hpp>
#include <superconv/train/replicas.hpp>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <fmt/format.h>
#include <torch/arg.h>
#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/nn/module.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace superconv {
namespace distributed {

/// Options for ProcessGroup. Example (two processes on one machine, no network port):
/// `ProcessGroupOptions(rank, 2).file_store("/tmp/run-42/store").timeout(std::chrono::seconds(60))`
struct ProcessGroupOptions {
  /* implicit */ ProcessGroupOptions(int rank = 0, int world_size = 1) : rank_(rank), world_size_(world_size) {}
  TORCH_ARG(int, rank);
  TORCH_ARG(int, world_size);
  /// Rendezvous through a file every rank can reach (one machine, or a shared file system); empty: TCPStore.
  TORCH_ARG(std::string, file_store);
  /// TCPStore's address and port (torchrun's MASTER_ADDR, MASTER_PORT).
  TORCH_ARG(std::string, master_addr) = "127.0.0.1";
  TORCH_ARG(int, master_port) = 29500;
  /// Rank 0 hosts the TCPStore (false under torchrun, whose agent already hosts it).
  TORCH_ARG(bool, host_store) = true;
  /// Keys in the store go under this prefix (torchrun's restarts each get their own).
  TORCH_ARG(std::string, store_prefix) = "superconv";
  /// How long a collective (and the rendezvous) waits for the other ranks before it fails. A rank that dies is
  /// noticed at once (its connections close); this bounds a rank that hangs, or waits while rank 0 alone works
  /// (the recipe's LR range test), so it is generous, as PyTorch's own default.
  TORCH_ARG(std::chrono::milliseconds, timeout) = std::chrono::minutes(30);
  /// Where the collectives' tensors live: CPU -> Gloo (tensors elsewhere are copied through the host); CUDA ->
  /// NCCL (when this LibTorch has it), with the model on that same GPU. A bare `cuda` becomes `cuda:<local_rank>`,
  /// which the group makes the process's current device.
  TORCH_ARG(c10::Device, device) = c10::Device(c10::kCPU);
  /// This process's index on its machine (torchrun's LOCAL_RANK): the GPU a bare `cuda` device means; -1 (default):
  /// the rank (every process on one machine).
  TORCH_ARG(int, local_rank) = -1;
  /// Gradients are averaged in flat buckets of about this many bytes (fewer, larger messages).
  TORCH_ARG(std::int64_t, bucket_bytes) = 25 << 20;
};

/// A c10d process group as superconv::train::Replicas: Gloo for CPU tensors, NCCL for CUDA tensors where LibTorch
/// was built with it (USE_C10D_NCCL). Every collective waits for its result; a rank that died or hangs makes the
/// others throw within the timeout, naming the operation (under NCCL through TORCH_NCCL_BLOCKING_WAIT, which the
/// group sets unless the environment chose otherwise: see enable_nccl_blocking_wait). Each run takes its own keys
/// in the store (run_prefix), so a store file a crashed run left behind does not mislead the next.
class ProcessGroup : public train::Replicas {
 public:
  explicit ProcessGroup(ProcessGroupOptions options) : options_(std::move(options)) {
    const int w = options_.world_size(), r = options_.rank();
    TORCH_CHECK(w >= 1, "distributed::ProcessGroup: world_size must be >= 1, got ", w);
    TORCH_CHECK(r >= 0 && r < w, "distributed::ProcessGroup: rank must be in [0, ", w, "), got ", r);
    TORCH_CHECK(options_.bucket_bytes() > 0, "distributed::ProcessGroup: bucket_bytes must be > 0, got ",
                options_.bucket_bytes());
    TORCH_CHECK(!options_.file_store().empty() || (options_.master_port() >= 1 && options_.master_port() <= 65535),
                "distributed::ProcessGroup: master_port must be in 1..65535, got ", options_.master_port());
    options_.device(device_for_local_rank(options_.device(), options_.local_rank() >= 0 ? options_.local_rank() : r));
    if (w == 1) return;             // a world of one: no store, no backend, every collective the identity
    use_device(options_.device());  // NCCL and index-less allocations on this rank's GPU
    c10::intrusive_ptr<c10d::Store> store;
    try {
      if (!options_.file_store().empty()) {
        store = c10::make_intrusive<c10d::FileStore>(options_.file_store(), w);
      } else {
        c10d::TCPStoreOptions tcp;
        tcp.port = static_cast<std::uint16_t>(options_.master_port());
        tcp.isServer = options_.host_store() && r == 0;
        tcp.numWorkers = static_cast<std::size_t>(w);
        tcp.waitWorkers = false;
        tcp.timeout = options_.timeout();
        store = c10::make_intrusive<c10d::TCPStore>(options_.master_addr(), tcp);
      }
      store->setTimeout(options_.timeout());
      store = c10::make_intrusive<c10d::PrefixStore>(run_prefix(*store, options_.store_prefix(), w), store);
      backend_ = make_backend(store);
    } catch (const std::exception& e) {
      TORCH_CHECK(false, "distributed::ProcessGroup: rank ", r, " of ", w, " could not join the group (",
                  options_.file_store().empty()
                      ? fmt::format("TCPStore {}:{}", options_.master_addr(), options_.master_port())
                      : "FileStore " + options_.file_store(),
                  ", timeout ", options_.timeout().count(), " ms): ", system::error_message(e));
    }
  }

  int rank() const override { return options_.rank(); }
  int size() const override { return options_.world_size(); }
  const ProcessGroupOptions& options() const { return options_; }
  /// Changes the collectives' timeout (the rendezvous is over): e.g. generous while joining, tight afterwards.
  void set_timeout(std::chrono::milliseconds timeout) {
    if (backend_) backend_->setTimeout(timeout);
    options_.timeout(timeout);
  }
  /// The c10d backend itself (ProcessGroupGloo or ProcessGroupNCCL), for collectives superconv does not wrap; null
  /// in a world of one.
  const c10::intrusive_ptr<c10d::Backend>& backend() const { return backend_; }

  void all_reduce_sum(const at::Tensor& tensor) override {
    if (!backend_) return;
    on_device(tensor, [&](const at::Tensor& t) {
      std::vector<at::Tensor> v{t};
      finish(backend_->allreduce(v), "all_reduce");
    });
  }
  void broadcast(const at::Tensor& tensor, int root = 0) override {
    TORCH_CHECK(root >= 0 && root < size(), "distributed::broadcast: root must be in [0, ", size(), "), got ", root);
    if (!backend_) return;
    on_device(tensor, [&](const at::Tensor& t) {
      std::vector<at::Tensor> v{t};
      c10d::BroadcastOptions o;
      o.rootRank = root;
      finish(backend_->broadcast(v, o), "broadcast");
    });
  }
  at::Tensor all_gather(const at::Tensor& tensor) override {
    if (!backend_) return tensor;
    // The first dimensions may differ: share them, pad to the longest, gather, cut.
    auto lengths = at::zeros({size()}, at::kLong);
    lengths[rank()] = tensor.size(0);
    all_reduce_sum(lengths);
    const auto longest = lengths.max().item<std::int64_t>();
    auto shape = tensor.sizes().vec();
    shape[0] = longest;
    auto padded = at::zeros(shape, tensor.options().device(options_.device()));
    padded.narrow(0, 0, tensor.size(0)).copy_(tensor);
    std::vector<std::vector<at::Tensor>> out(1);
    for (int i = 0; i < size(); ++i) out[0].push_back(at::empty_like(padded));
    std::vector<at::Tensor> in{padded};
    finish(backend_->allgather(out, in), "all_gather");
    std::vector<at::Tensor> parts;
    for (int i = 0; i < size(); ++i) parts.push_back(out[0][i].narrow(0, 0, lengths[i].item<std::int64_t>()));
    return at::cat(parts).to(tensor.device());
  }
  void barrier() override {
    if (!backend_) return;
    auto t = at::zeros({1}, at::TensorOptions().device(options_.device()));
    all_reduce_sum(t);  // a barrier that needs no extra backend features (NCCL's barrier wants a device guess)
  }

  // The module collectives flatten on the tensors' own device and hand the flat tensor to the backend (a copy
  // through the host for Gloo when the model is on a GPU); a CUDA group refuses a model on another device.
  void average_gradients(torch::nn::Module& module, const at::Tensor& extra) override {
    if (!backend_) return;
    std::vector<at::Tensor> params;
    for (auto& p : module.parameters())
      if (p.requires_grad()) params.push_back(p);
    check_model(params);
    average_gradients_in_buckets(params, size(), options_.bucket_bytes(), extra,
                                 [this](at::Tensor& flat) { all_reduce_sum(flat); });
  }

  void broadcast_module(torch::nn::Module& module) override {
    if (!backend_) return;
    std::vector<at::Tensor> all;
    for (auto& p : module.parameters()) all.push_back(p);
    for (auto& b : module.buffers()) all.push_back(b);
    check_model(all);
    flat_collective(all, [this](at::Tensor& flat) { broadcast(flat, 0); });
  }
  void average_buffers(torch::nn::Module& module) override {
    if (!backend_) return;
    std::vector<at::Tensor> floating;
    for (auto& b : module.buffers())
      if (b.is_floating_point()) floating.push_back(b);
    check_model(floating);
    const double inv = 1.0 / size();
    flat_collective(floating, [this, inv](at::Tensor& flat) {
      all_reduce_sum(flat);
      flat.mul_(inv);
    });
  }

 private:
  c10::intrusive_ptr<c10d::Backend> make_backend(const c10::intrusive_ptr<c10d::Store>& store) {
    if (options_.device().is_cuda()) {
#ifdef USE_C10D_NCCL
      enable_nccl_blocking_wait();  // a timeout throws from wait(), as under Gloo, instead of ending the process
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = options_.timeout();
      return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank(), size(), o);
#else
      TORCH_CHECK(false, "distributed::ProcessGroup: device ", options_.device().str(),
                  " needs NCCL, and this LibTorch was built without it (USE_C10D_NCCL); use CPU tensors (Gloo)");
#endif
    }
    auto o = c10d::ProcessGroupGloo::Options::create(options_.timeout());
    const char* iface = std::getenv("GLOO_SOCKET_IFNAME");
    for (const auto& name : socket_interfaces(iface ? iface : ""))  // "eth0,eth1" as PyTorch: one device each
      o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
    if (o->devices.empty()) o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    o->threads = 1;
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank(), size(), o);
  }

  void finish(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      TORCH_CHECK(false, "distributed: ", what, " failed on rank ", rank(), " of ", size(),
                  " (another rank died, stopped or is more than ", options_.timeout().count(),
                  " ms late): ", system::error_message(e));
    }
  }

  void check_model(const std::vector<at::Tensor>& tensors) const {
    for (const auto& t : tensors) check_model_device(options_.device(), t.device());
  }

  /// Runs `op` on `tensor` where the backend wants it (a copy when it lives elsewhere), contiguous.
  template <typename Op>
  void on_device(const at::Tensor& tensor, Op op) {
    if (tensor.device() == options_.device() && tensor.is_contiguous()) return op(tensor);
    auto t = tensor.to(options_.device()).contiguous();
    op(t);
    tensor.copy_(t);
  }

  ProcessGroupOptions options_;
  c10::intrusive_ptr<c10d::Backend> backend_;
};

}  // namespace distributed
}  // namespace superconv
