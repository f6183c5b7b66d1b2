// superconv::distributed on two processes over Gloo: collectives, the trainer at 2 x 256 against 1 x 512, world size
// 1 against no distribution, stop agreement and a rank that dies. Each test launches two copies of this binary as
// ranks (`--worker`, see main.cpp) that meet through a FileStore in a fresh temporary folder (no network port).
#include <superconv/distributed/environment.hpp>
#include <superconv/distributed/launch.hpp>
#include <superconv/distributed/process_group.hpp>
#include <superconv/distributed/backend_environment.hpp>
#include <superconv/distributed/rendezvous.hpp>

#include "devices.hpp"
#include "support.hpp"

#include "distributed/scenarios.hpp"

#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/cuda.h>
#include <torch/nn/modules/batchnorm.h>

#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace {

using namespace sc_dist;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
void write_text(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

// ---- The ranks' side ----------------------------------------------------------------------------------------------

void collectives(sc::train::Replicas& r) {
  const int w = r.size(), k = r.rank();
  auto t = at::full({5}, static_cast<double>(k + 1), at::kDouble);
  r.all_reduce_sum(t);
  expect(t.eq(w * (w + 1) / 2.0).all().item<bool>(), "all_reduce_sum gives 1 + ... + world");
  auto b = at::full({3}, 10.0f * static_cast<float>(k) + 1, at::kFloat);
  r.broadcast(b, w - 1);
  expect(b.eq(10.0f * static_cast<float>(w - 1) + 1).all().item<bool>(), "broadcast from the last rank");
  auto g = r.all_gather(at::full({k + 1, 2}, static_cast<std::int64_t>(k), at::kLong));
  std::vector<std::int64_t> want;
  for (int i = 0; i < w; ++i)
    for (int j = 0; j < 2 * (i + 1); ++j) want.push_back(i);
  expect(g.numel() == static_cast<std::int64_t>(want.size()) && g.size(1) == 2 &&
             at::equal(g.flatten(), at::tensor(want, at::kLong)),
         "all_gather concatenates shares of different lengths in rank order");
  expect(r.any(k == w - 1) && !r.any(false), "any() agrees on one rank's flag");
  r.barrier();
  // Module: rank 0's parameters everywhere; BN buffers averaged; gradients averaged with the extra summed.
  torch::manual_seed(static_cast<std::uint64_t>(100 + k));
  torch::nn::Linear lin(4, 3);
  torch::nn::BatchNorm1d bn(3);
  r.broadcast_module(*lin);
  auto flat = at::cat({lin->weight.detach().flatten(), lin->bias.detach().flatten()});
  auto first = flat.clone();
  r.broadcast(first, 0);
  expect(at::equal(flat, first), "broadcast_module copies rank 0's parameters");
  bn->running_mean.fill_(static_cast<double>(k));
  r.average_buffers(*bn);
  expect(bn->running_mean.eq((w - 1) / 2.0f).all().item<bool>(), "average_buffers averages running_mean");
  expect(bn->num_batches_tracked.item<std::int64_t>() == 0, "integer buffers are left alone");
  lin->weight.mutable_grad() = at::full_like(lin->weight, static_cast<double>(k + 1));
  auto extra = at::tensor(std::vector<double>{static_cast<double>(k), 1.0}, at::kDouble);
  r.average_gradients(*lin, extra);
  expect(lin->weight.grad().eq((w + 1) / 2.0f).all().item<bool>(), "gradients averaged");
  expect(lin->bias.grad().defined() && lin->bias.grad().eq(0).all().item<bool>(), "no gradient counts as zeros");
  expect(extra[0].item<double>() == w * (w - 1) / 2.0 && extra[1].item<double>() == w, "extra summed");
}

int worker(const std::string& scenario, int rank, int world, const std::string& how, const fs::path& dir) {
  const auto timeout = scenario == "die" ? std::chrono::seconds(20) : std::chrono::seconds(60);
  fs::create_directories(dir);
  auto replicas = join(how, rank, world, dir, timeout);
  rank = replicas->rank();
  const auto mine = [&](const std::string& name) { return dir / (name + "_rank" + std::to_string(rank) + ".txt"); };
  if (scenario == "collectives") {
    collectives(*replicas);
    write_text(mine("ok"), "ok");
    return 0;
  }
  if (scenario == "crash") {  // joins, takes part in one collective and ends without a word: the store file stays
    auto t = at::ones({2});
    replicas->all_reduce_sum(t);
    write_text(mine("joined"), "joined");
    std::_Exit(0);
  }
  if (scenario == "train") {
    save_outcome(train_tiny(replicas), dir / ("outcome_rank" + std::to_string(rank) + ".pt"));
    return 0;
  }
  if (scenario == "stop") {  // rank 1 asks to stop after batch 1 of epoch 1
    try {
      train_tiny(
          replicas, [&](sc::train::TrainerOptions& o) { o.checkpoint((dir / "checkpoint.pt").string()); },
          [&](sc::train::Trainer& t) {
            t.on_batch_end([&](const sc::train::BatchEnd& b) {
              if (rank == 1 && b.epoch == 1 && b.batch == 1) sc::train::request_interrupt();
            });
          });
    } catch (const sc::train::Interrupted& e) {
      write_text(mine("stopped"), e.what());
      return 0;
    }
    return 1;
  }
  if (scenario == "nonfinite") {  // rank 1's loss is NaN at step 2 of epoch 1
    auto step = std::make_shared<int>(0);
    try {
      train_tiny(replicas, [&](sc::train::TrainerOptions& o) {
        o.loss([rank, step](const at::Tensor& logits, const at::Tensor& target) {
          auto l = at::cross_entropy_loss(logits, target);
          return rank == 1 && (*step)++ == 2 ? l * std::nan("") : l;
        });
      });
    } catch (const sc::train::NonFiniteLoss& e) {
      write_text(mine("stopped"), e.what());
      return 0;
    }
    return 1;
  }
  if (scenario == "die") {  // rank 1 ends abruptly after batch 1; rank 0 must fail, not hang
    try {
      train_tiny(replicas, {}, [&](sc::train::Trainer& t) {
        t.on_batch_end([&](const sc::train::BatchEnd& b) {
          if (rank == 1 && b.batch == 1) std::_Exit(3);
        });
      });
    } catch (const std::exception& e) {
      write_text(mine("error"), e.what());
      return 0;
    }
    return 1;
  }
  if (scenario == "hang") {  // rank 1 stays alive but does not take part: rank 0 fails after its timeout
    if (rank == 1) {
      std::this_thread::sleep_for(std::chrono::seconds(6));
      return 0;
    }
    try {
      dynamic_cast<sc::distributed::ProcessGroup&>(*replicas).set_timeout(std::chrono::milliseconds(2000));
      auto t = at::ones({4});
      replicas->all_reduce_sum(t);
    } catch (const std::exception& e) {
      write_text(mine("error"), e.what());
      return 0;
    }
    return 1;
  }
  if (scenario == "latency") {  // a measurement, not a test: what a separate stop-flag collective would cost, and
                                // the gradient all-reduce of the recipe's ResNet-9 at width 64 (6,573,130 floats)
    using Clock = std::chrono::steady_clock;
    const auto time = [&](std::int64_t n, int reps) {
      auto t = at::ones({n});
      replicas->all_reduce_sum(t);  // warm-up
      const auto t0 = Clock::now();
      for (int i = 0; i < reps; ++i) replicas->all_reduce_sum(t);
      return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / reps;
    };
    const double flag = time(4, 500), grads = time(6573130, 10), grads_extra = time(6573134, 10);
    if (rank == 0) {
      std::cout << "all_reduce of 4 floats: " << flag << " us; of 6,573,130 floats: " << grads / 1000
                << " ms; with 4 more: " << grads_extra / 1000 << " ms\n";
    }
    return 0;
  }
  throw std::runtime_error("unknown scenario " + scenario);
}

// ---- The test's side: two ranks of this binary, with a deadline -------------------------------------------------

/// Launches `world` workers of `scenario` in `dir` and returns their exit codes (-1: killed at the deadline).
std::vector<int> launch(const std::string& scenario, int world, const fs::path& dir, int deadline_s = 120) {
  std::vector<pid_t> pids;
  for (int r = 0; r < world; ++r) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      const auto log = (dir / ("log_rank" + std::to_string(r) + ".txt")).string();
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
      const std::string rank = std::to_string(r), w = std::to_string(world), d = dir.string();
      execl("/proc/self/exe", "superconv_distributed_tests", "--worker", scenario.c_str(), rank.c_str(), w.c_str(),
            d.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    pids.push_back(pid);
  }
  std::vector<int> codes(pids.size(), -2);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(deadline_s);
  std::size_t left = pids.size();
  while (left > 0) {
    for (std::size_t i = 0; i < pids.size(); ++i) {
      if (codes[i] != -2) continue;
      int status = 0;
      if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
        codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        --left;
      }
    }
    if (left > 0 && std::chrono::steady_clock::now() > end) {
      for (std::size_t i = 0; i < pids.size(); ++i) {
        if (codes[i] == -2) kill(pids[i], SIGKILL), waitpid(pids[i], nullptr, 0), codes[i] = -1;
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int r = 0; r < world; ++r) {
    UNSCOPED_INFO("rank " << r << " exit " << codes[static_cast<std::size_t>(r)] << ": "
                          << read_text(dir / ("log_rank" + std::to_string(r) + ".txt")));
  }
  return codes;
}

}  // namespace

int sc_dist_worker(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: " << argv[0] << " --worker <scenario> <rank|env> <world> <dir>\n";
    return 2;
  }
  try {
    const std::string how = argv[3];
    const int rank = how == "env" ? 0 : std::atoi(argv[3]);
    return worker(argv[2], rank, std::atoi(argv[4]), how, argv[5]);
  } catch (const std::exception& e) {
    const auto* c = dynamic_cast<const c10::Error*>(&e);
    std::cerr << "worker " << argv[2] << " rank " << argv[3] << ": " << (c ? c->what_without_backtrace() : e.what())
              << "\n";
    return 1;
  }
}

TEST_CASE("distributed: two ranks sum, broadcast, gather and average", "[distributed]") {
  sc_test::TempDir dir("dist-collectives");
  const auto codes = launch("collectives", 2, dir.path);
  CHECK(codes == std::vector<int>{0, 0});
  CHECK(fs::exists(dir.path / "ok_rank0.txt"));
  CHECK(fs::exists(dir.path / "ok_rank1.txt"));
}

TEST_CASE("distributed: 2 ranks x 256 train as 1 rank x 512", "[distributed]") {
  sc_test::TempDir dir("dist-train");
  const auto codes = launch("train", 2, dir.path);
  REQUIRE(codes == std::vector<int>{0, 0});
  const auto ref = train_tiny(nullptr);
  const auto a = load_outcome(dir.path / "outcome_rank0.pt", ref.params.size());
  const auto b = load_outcome(dir.path / "outcome_rank1.pt", ref.params.size());
  REQUIRE(a.params.size() == ref.params.size());
  for (std::size_t i = 0; i < ref.params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(at::equal(a.params[i], b.params[i]));  // the replicas stay identical
    CHECK((a.params[i] - ref.params[i]).abs().max().item<double>() < 1e-5);
    CHECK((a.params[i] - tiny_model()->parameters()[i]).abs().max().item<double>() > 1e-3);  // it did train
  }
  REQUIRE(a.history.size() == ref.history.size());
  for (std::size_t e = 0; e < ref.history.size(); ++e) {  // the logs read as for one global batch
    INFO("epoch " << e + 1);
    CHECK(a.history[e].train_loss == Approx(ref.history[e].train_loss).margin(1e-5));
    CHECK(a.history[e].train_acc == Approx(ref.history[e].train_acc).margin(1e-9));
    CHECK(a.history[e].test_loss == Approx(ref.history[e].test_loss).margin(1e-5));
    CHECK(a.history[e].test_acc == Approx(ref.history[e].test_acc).margin(1e-9));
    CHECK(a.history[e].train_images == kRecords);
    CHECK(b.history[e].test_acc == a.history[e].test_acc);
  }
}

TEST_CASE("distributed: world size 1 is bit-identical to no distribution", "[distributed]") {
  sc_test::TempDir dir("dist-one");
  const auto ref = train_tiny(nullptr);
  auto pg = std::make_shared<sc::distributed::ProcessGroup>(
      sc::distributed::ProcessGroupOptions(0, 1).file_store((dir.path / "store").string()));
  CHECK(pg->backend().get() == nullptr);  // no store, no backend
  CHECK_FALSE(fs::exists(dir.path / "store"));
  auto t = at::arange(3, at::kFloat);
  pg->all_reduce_sum(t);
  CHECK(at::equal(t, at::arange(3, at::kFloat)));
  const auto one = train_tiny(pg);
  REQUIRE(one.params.size() == ref.params.size());
  for (std::size_t i = 0; i < ref.params.size(); ++i) CHECK(at::equal(one.params[i], ref.params[i]));
  for (std::size_t e = 0; e < ref.history.size(); ++e) {
    CHECK(one.history[e].train_loss == ref.history[e].train_loss);
    CHECK(one.history[e].test_acc == ref.history[e].test_acc);
  }
  // Without torchrun's variables the environment is a world of one: the base class, no store.
  if (std::getenv("WORLD_SIZE") == nullptr) {
    auto env = sc::distributed::from_environment();
    CHECK(env->size() == 1);
    CHECK(dynamic_cast<sc::distributed::ProcessGroup*>(env.get()) == nullptr);
  }
}

TEST_CASE("distributed: a stop on one rank stops every rank at the same step", "[distributed]") {
  sc_test::TempDir dir("dist-stop");
  const auto codes = launch("stop", 2, dir.path);
  REQUIRE(codes == std::vector<int>{0, 0});
  const auto m0 = read_text(dir.path / "stopped_rank0.txt"), m1 = read_text(dir.path / "stopped_rank1.txt");
  CHECK(m0 == m1);
  CHECK_THAT(m0, SC_CONTAINS("interrupted in epoch 1 after batch 3/4"));
  CHECK(fs::exists(dir.path / "checkpoint.pt"));
}

TEST_CASE("distributed: a non-finite loss on one rank stops every rank at the same step", "[distributed]") {
  sc_test::TempDir dir("dist-nonfinite");
  const auto codes = launch("nonfinite", 2, dir.path);
  REQUIRE(codes == std::vector<int>{0, 0});
  const auto m0 = read_text(dir.path / "stopped_rank0.txt"), m1 = read_text(dir.path / "stopped_rank1.txt");
  CHECK(m0 == m1);
  CHECK_THAT(m0, SC_CONTAINS("non-finite in epoch 1 at step 2"));
}

TEST_CASE("distributed: a rank that dies makes the other fail with a clear error", "[distributed]") {
  sc_test::TempDir dir("dist-die");
  const auto codes = launch("die", 2, dir.path, 90);
  REQUIRE(codes == std::vector<int>{0, 3});  // rank 0 caught an error (not killed at the deadline)
  CHECK_THAT(read_text(dir.path / "error_rank0.txt"), SC_CONTAINS("distributed: all_reduce failed on rank 0 of 2"));
}

TEST_CASE("distributed: a rank that hangs makes the other fail after the timeout", "[distributed]") {
  sc_test::TempDir dir("dist-hang");
  const auto codes = launch("hang", 2, dir.path, 60);
  REQUIRE(codes == std::vector<int>{0, 0});
  CHECK_THAT(read_text(dir.path / "error_rank0.txt"), SC_CONTAINS("is more than 2000 ms late"));
}

TEST_CASE("distributed: options are checked and errors name the value", "[distributed]") {
  CHECK_THROWS_WITH(sc::distributed::ProcessGroup(sc::distributed::ProcessGroupOptions(2, 2)),
                    SC_CONTAINS("rank must be in [0, 2), got 2"));
  CHECK_THROWS_WITH(sc::distributed::per_rank_batch(512, 3),
                    SC_CONTAINS("global batch size 512 is not divisible by the world size 3"));
  CHECK(sc::distributed::per_rank_batch(512, 4) == 128);
  CHECK(sc::distributed::device_for_local_rank(c10::Device("cuda"), 3) == c10::Device("cuda:3"));
  CHECK(sc::distributed::device_for_local_rank(c10::Device("cpu"), 3) == c10::Device("cpu"));
}

TEST_CASE("distributed: a store file left by a crashed run does not mislead the next run", "[distributed]") {
  sc_test::TempDir dir("dist-stale-store");
  REQUIRE(launch("crash", 2, dir.path, 60) == std::vector<int>{0, 0});
  REQUIRE(fs::exists(dir.path / "store"));  // no clean exit removed it: the first run's keys are still there
  const auto codes = launch("collectives", 2, dir.path, 90);
  CHECK(codes == std::vector<int>{0, 0});
  CHECK(fs::exists(dir.path / "ok_rank0.txt"));
  CHECK(fs::exists(dir.path / "ok_rank1.txt"));
}

TEST_CASE("distributed: each run takes its own keys in a store", "[distributed]") {
  sc_test::TempDir dir("dist-run-prefix");
  c10d::FileStore store((dir.path / "store").string(), 2);
  CHECK(sc::distributed::run_prefix(store, "p", 2) == "p/run_0");
  CHECK(sc::distributed::run_prefix(store, "p", 2) == "p/run_0");  // the second rank of the first run
  CHECK(sc::distributed::run_prefix(store, "p", 2) == "p/run_1");  // the next run on the same file
  CHECK(sc::distributed::run_prefix(store, "q", 2) == "q/run_0");
}

TEST_CASE("distributed: GLOO_SOCKET_IFNAME may list interfaces separated by commas", "[distributed]") {
  using sc::distributed::socket_interfaces;
  CHECK(socket_interfaces("").empty());
  CHECK(socket_interfaces("eth0") == std::vector<std::string>{"eth0"});
  CHECK(socket_interfaces("eth0,ib0") == std::vector<std::string>{"eth0", "ib0"});
  CHECK_THROWS_WITH(socket_interfaces("eth0,,ib0"), SC_CONTAINS("GLOO_SOCKET_IFNAME has an empty interface name in "
                                                                "'eth0,,ib0'"));
  // Two ranks meet with a list (the loopback twice: one Gloo device per entry); a list used to fail to join.
  sc_test::TempDir dir("dist-ifname");
  ::setenv("GLOO_SOCKET_IFNAME", "lo,lo", 1);
  const auto codes = launch("collectives", 2, dir.path);
  ::unsetenv("GLOO_SOCKET_IFNAME");
  CHECK(codes == std::vector<int>{0, 0});
}

TEST_CASE("distributed: MASTER_PORT and master_port outside 1..65535 are refused, naming the value", "[distributed]") {
  const char* saved = std::getenv("MASTER_PORT");
  const std::string keep = saved ? saved : "";
  ::setenv("MASTER_PORT", "70000", 1);  // used to wrap to 4464
  CHECK_THROWS_WITH(sc::distributed::launch_environment(),
                    SC_CONTAINS("MASTER_PORT must be a port in 1..65535, got 70000"));
  ::setenv("MASTER_PORT", "99999999999", 1);
  CHECK_THROWS_WITH(sc::distributed::launch_environment(),
                    SC_CONTAINS("MASTER_PORT must be an integer, got '99999999999'"));
  if (saved)
    ::setenv("MASTER_PORT", keep.c_str(), 1);
  else
    ::unsetenv("MASTER_PORT");
  CHECK_THROWS_WITH(sc::distributed::ProcessGroup(sc::distributed::ProcessGroupOptions(0, 2).master_port(70000)),
                    SC_CONTAINS("master_port must be in 1..65535, got 70000"));
}

TEST_CASE("distributed: a bare cuda device is the local rank's GPU and a model elsewhere is a named error",
          "[distributed]") {
  namespace sd = sc::distributed;
  // A world of one starts nothing, so the resolution can be checked without a GPU.
  CHECK(sd::ProcessGroup(sd::ProcessGroupOptions(0, 1).device(c10::Device("cuda"))).options().device() ==
        c10::Device("cuda:0"));
  CHECK(sd::ProcessGroup(sd::ProcessGroupOptions(0, 1).device(c10::Device("cuda")).local_rank(3)).options().device() ==
        c10::Device("cuda:3"));
  CHECK(sd::ProcessGroup(sd::ProcessGroupOptions(0, 1).device(c10::Device("cuda:1"))).options().device() ==
        c10::Device("cuda:1"));
  CHECK(sd::ProcessGroup(sd::ProcessGroupOptions(0, 1)).options().device() == c10::Device("cpu"));
  CHECK_NOTHROW(sd::check_model_device(c10::Device("cuda:1"), c10::Device("cuda:1")));
  CHECK_NOTHROW(sd::check_model_device(c10::Device("cpu"), c10::Device("cuda:1")));  // Gloo through the host
  CHECK_THROWS_WITH(sd::check_model_device(c10::Device("cuda:0"), c10::Device("cuda:1")),
                    SC_CONTAINS("the model is on cuda:1 but the process group's collectives run on cuda:0"));
  CHECK_THROWS_WITH(sd::check_model_device(c10::Device("cuda:0"), c10::Device("cpu")),
                    SC_CONTAINS("the model is on cpu but the process group's collectives run on cuda:0"));
  CHECK_NOTHROW(sd::use_device(c10::Device("cpu")));
}

TEST_CASE("distributed: use_device makes the local rank's GPU the current one", "[distributed][cuda]") {
  if (!torch::cuda::is_available()) SC_SKIP(sc_test::no_cuda_reason());
  const c10::Device last(c10::kCUDA, static_cast<c10::DeviceIndex>(torch::cuda::device_count() - 1));
  sc::distributed::use_device(last);
  CHECK(c10::impl::getDeviceGuardImpl(c10::kCUDA)->getDevice() == last);
  sc::distributed::use_device(c10::Device(c10::kCUDA, 0));
  CHECK(c10::impl::getDeviceGuardImpl(c10::kCUDA)->getDevice() == c10::Device(c10::kCUDA, 0));
}

TEST_CASE("distributed: NCCL collectives are made to throw on a timeout unless the user chose otherwise",
          "[distributed]") {
  const char* saved = std::getenv("TORCH_NCCL_BLOCKING_WAIT");
  const std::string keep = saved ? saved : "";
  const char* saved_old = std::getenv("NCCL_BLOCKING_WAIT");
  const std::string keep_old = saved_old ? saved_old : "";
  ::unsetenv("TORCH_NCCL_BLOCKING_WAIT");
  ::unsetenv("NCCL_BLOCKING_WAIT");
  CHECK(sc::distributed::enable_nccl_blocking_wait());
  CHECK(std::string(std::getenv("TORCH_NCCL_BLOCKING_WAIT")) == "1");
  ::setenv("TORCH_NCCL_BLOCKING_WAIT", "0", 1);  // the user's choice stands
  CHECK_FALSE(sc::distributed::enable_nccl_blocking_wait());
  CHECK(std::string(std::getenv("TORCH_NCCL_BLOCKING_WAIT")) == "0");
  // set_up_process writes it first thing, before set_up_runtime starts LibTorch's threads; not for a CPU run.
  ::unsetenv("TORCH_NCCL_BLOCKING_WAIT");
  const int threads = at::get_num_threads();
  sc::distributed::set_up_process(sc::system::RuntimeOptions().device("cpu").threads(threads).retain_heap(false));
  CHECK(std::getenv("TORCH_NCCL_BLOCKING_WAIT") == nullptr);
  sc::distributed::set_up_process(sc::system::RuntimeOptions().device("auto").threads(threads).retain_heap(false));
  CHECK(std::string(std::getenv("TORCH_NCCL_BLOCKING_WAIT")) == "1");
  if (saved)
    ::setenv("TORCH_NCCL_BLOCKING_WAIT", keep.c_str(), 1);
  else
    ::unsetenv("TORCH_NCCL_BLOCKING_WAIT");
  if (saved_old) ::setenv("NCCL_BLOCKING_WAIT", keep_old.c_str(), 1);
}
