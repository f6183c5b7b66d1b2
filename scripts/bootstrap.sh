#!/usr/bin/env bash
# superconv's one-step setup: installs what is missing, configures, builds, then runs what was asked.
#   scripts/bootstrap.sh test              build and run the test suite (CI=true adds the sanitizer build and format check);
#                                          installs the tensorboard package into .venv for the TensorBoard tests
#   scripts/bootstrap.sh demo [ARGS...]    build and run the cifar10_resnet recipe with ARGS
#   scripts/bootstrap.sh speedrun [ARGS...] build and run cifar10_speedrun (94 % in minutes) with ARGS
#   scripts/bootstrap.sh build             just build
# Idempotent: a second run skips installed packages, an existing LibTorch and the configure step (seconds).
#
# LibTorch, in this order: what you pass (Torch_DIR or CMAKE_PREFIX_PATH in the environment); a Python that has
# torch (SUPERCONV_PYTHON, ./.venv, python3); else the CPU build of PyTorch ${SUPERCONV_TORCH_VERSION:-2.13.0}
# installed with pip into ./.venv (set SUPERCONV_PIP_ARGS, e.g. an --index-url, to choose where pip looks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${SUPERCONV_BUILD_DIR:-build}
torch_version=${SUPERCONV_TORCH_VERSION:-2.13.0}
. "$root/scripts/common.sh"  # say, install_packages, configure, ensure_tensorboard

torch_prefix() {
  if [ -n "${Torch_DIR:-}" ]; then echo "$Torch_DIR"; return; fi
  if [ -n "${CMAKE_PREFIX_PATH:-}" ]; then echo "$CMAKE_PREFIX_PATH"; return; fi
  local py
  for py in ${SUPERCONV_PYTHON:-} "$root/.venv/bin/python" python3; do
    command -v "$py" >/dev/null 2>&1 || [ -x "$py" ] || continue
    if "$py" -c 'import torch' >/dev/null 2>&1; then
      "$py" -c 'import torch,sys; sys.stdout.write(torch.utils.cmake_prefix_path)'
      return
    fi
  done
  say "no LibTorch found: installing the CPU build of PyTorch $torch_version into .venv (pip)" >&2
  [ -x .venv/bin/python ] || python3 -m venv .venv >&2
  # shellcheck disable=SC2086
  .venv/bin/pip install -q ${SUPERCONV_PIP_ARGS:-} "torch==$torch_version" >&2
  .venv/bin/python -c 'import torch,sys; sys.stdout.write(torch.utils.cmake_prefix_path)'
}

build() {
  configure "$build"
  say "building ($build)"
  cmake --build "$build" -j"$(nproc)"
}

install_packages
cmd=${1:-test}; shift || true
case "$cmd" in
  build) build ;;
  test)
    build
    # shellcheck disable=SC2086
    ensure_tensorboard "${SUPERCONV_PYTHON:-$root/.venv/bin/python}" ${SUPERCONV_PIP_ARGS:-}
    # shellcheck disable=SC2086
    ensure_streaming_references "${SUPERCONV_PYTHON:-$root/.venv/bin/python}" ${SUPERCONV_PIP_ARGS:-}
    say "running the tests (ctest)"
    ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 1500
    if [ "${CI:-}" = "true" ]; then
      # The tree is formatted with clang-format 14 (Debian 12); other majors format some constructs differently.
      if clang-format --version | grep -q 'version 14\.'; then
        say "format check (clang-format 14)"
        cmake --build "$build" --target format-check
      else
        say "format check skipped: $(clang-format --version | head -1) is not the clang-format 14 the tree follows"
      fi
      say "sanitizer build: AddressSanitizer + UndefinedBehaviorSanitizer (tests not labelled slow or package)"
      # LibTorch is not instrumented and keeps allocations for the process's life: no leak report. Test
      # discovery runs the instrumented binary during the build, so the options are set for both.
      export ASAN_OPTIONS=detect_leaks=0
      export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitizers/ubsan.supp
      configure build-asan -DSUPERCONV_SANITIZE=ON -DSUPERCONV_BUILD_BENCHMARKS=OFF -DSUPERCONV_INSTALL=OFF
      cmake --build build-asan -j"$(nproc)"
      ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -LE 'slow|package' --timeout 1500
      say "fuzz targets: libFuzzer (clang 14) + AddressSanitizer + UndefinedBehaviorSanitizer, 100,000 inputs each"
      CXX=clang++-14 configure build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DSUPERCONV_FUZZ=ON -DSUPERCONV_SANITIZE=ON \
        -DSUPERCONV_BUILD_TESTS=OFF -DSUPERCONV_BUILD_EXAMPLES=OFF -DSUPERCONV_BUILD_BENCHMARKS=OFF -DSUPERCONV_INSTALL=OFF
      cmake --build build-fuzz -j"$(nproc)"
      if ! ctest --test-dir build-fuzz -L fuzz -V >build-fuzz/fuzz.log 2>&1; then
        tail -60 build-fuzz/fuzz.log
        exit 1
      fi
      grep -E "^[0-9]+: (Done|stat::number_of_executed_units)|Test +#|tests passed|tests failed" build-fuzz/fuzz.log
    fi
    ;;
  demo|speedrun)
    program=cifar10_resnet
    [ "$cmd" = speedrun ] && program=cifar10_speedrun
    build
    # Data: --data, SUPERCONV_DATA or ./data/cifar-10-batches-bin as given; else this project's shared copy;
    # else download it (checksummed) into ./data.
    if [[ " $* " != *" --data"* ]] && [ -z "${SUPERCONV_DATA:-}" ] && [ ! -f data/cifar-10-batches-bin/data_batch_1.bin ]; then
      if [ -f ../shared/data/cifar-10-batches-bin/data_batch_1.bin ]; then
        SUPERCONV_DATA=$(cd ../shared/data/cifar-10-batches-bin && pwd)
        export SUPERCONV_DATA
        say "using CIFAR-10 at $SUPERCONV_DATA"
      else
        say "CIFAR-10 not found: fetching it (cmake -P cmake/FetchCIFAR10.cmake)"
        cmake -P cmake/FetchCIFAR10.cmake
      fi
    fi
    say "running: $build/bin/$program $*"
    exec "$build/bin/$program" "$@"
    ;;
  *) echo "usage: scripts/bootstrap.sh test|demo [ARGS...]|speedrun [ARGS...]|build" >&2; exit 2 ;;
esac
