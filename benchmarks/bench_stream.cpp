// The streaming data path by hand (benchmarks/compare_stream.sh runs it beside torchvision's DataLoader):
//   bench_stream throughput FOLDER WORKERS BATCH [BATCHES]   decode + RandomResizedCrop + flip to 224 px: images/s
//   bench_stream memory FOLDER REPEAT WORKERS BATCH          one epoch over the folder's records REPEAT times over,
//                                                            through a small training step: peak RSS
// FOLDER is an image folder (root/<class>/*.jpg). Prints one JSON line.
#include <superconv/data/streaming_loader.hpp>
#include <superconv/nn/custom_resnet.hpp>
#include <superconv/system/error_message.hpp>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <sys/resource.h>

namespace sc = superconv;
namespace D = superconv::data;

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (argc < 5 || (mode != "throughput" && mode != "memory")) {
      std::cerr
          << "usage: bench_stream throughput FOLDER WORKERS BATCH [BATCHES] | memory FOLDER REPEAT WORKERS BATCH\n";
      return 2;
    }
    at::set_num_threads(1);  // the decoding threads are the workers
    auto source = D::folder_source(argv[2]);
    if (mode == "memory") {
      const int repeat = std::atoi(argv[3]);
      const auto n = source.records.size();
      for (int r = 1; r < repeat; ++r) {
        for (std::size_t i = 0; i < n; ++i) source.records.push_back(source.records[i]);
      }
    }
    const int workers = std::atoi(mode == "memory" ? argv[4] : argv[3]);
    const int batch = std::atoi(mode == "memory" ? argv[5] : argv[4]);
    const auto shared = std::make_shared<const D::SampleSource>(std::move(source));
    const auto image = mode == "memory" ? 64 : 224;  // memory: a small model steps on each batch
    D::StreamingLoader loader(
        shared,
        D::StreamingLoaderOptions(image)
            .batches(D::DeviceLoaderOptions(batch).seed(1).mean({0.485, 0.456, 0.406}).std({0.229, 0.224, 0.225}))
            .workers(workers));
    loader.start_epoch();
    const auto limit =
        mode == "throughput" && argc > 5 ? std::min<std::int64_t>(std::atoll(argv[5]), loader.size()) : loader.size();
    sc::nn::CustomResNet model(
        sc::nn::CustomResNetOptions().width(4).num_classes(static_cast<std::int64_t>(shared->classes.size())));
    torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01));
    (void)loader.get(0);  // the first batch: the workers start (not timed)
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t images = 0;
    for (std::int64_t i = 1; i < limit; ++i) {
      const auto b = loader.get(i);
      images += b.input.size(0);
      if (mode == "memory") {
        sgd.zero_grad();
        torch::nn::functional::cross_entropy(model->forward(b.input), b.target).backward();
        sgd.step();
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::cout << fmt::format(
        "{{\"impl\": \"superconv\", \"mode\": \"{}\", \"records\": {}, \"workers\": {}, \"batch\": {}, \"images\": {}, "
        "\"seconds\": {:.3f}, \"images_per_second\": {:.1f}, \"peak_rss_mb\": {:.1f}, \"decoder\": \"{}\"}}\n",
        mode, shared->size(), workers, batch, images, seconds, images / seconds, usage.ru_maxrss / 1024.0,
        D::has_turbojpeg() ? "libjpeg-turbo" : "stb_image");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << sc::system::error_message(e) << "\n";
    return 1;
  }
}
