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
# ccache with paths relative to the checkout: a second clone (CI) reuses the first one's objects.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
say() { printf '\033[1m[superconv]\033[0m %s\n' "$*"; }

install_packages() {
  local missing=()
  command -v g++ >/dev/null || missing+=(g++)
  command -v cmake >/dev/null || missing+=(cmake)
  command -v ninja >/dev/null || missing+=(ninja-build)
  command -v make >/dev/null || missing+=(make)
  command -v ccache >/dev/null || missing+=(ccache)
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  for p in libfmt-dev catch2 libstb-dev libcli11-dev nlohmann-json3-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${CI:-}" = "true" ]; then
    command -v clang-format >/dev/null || missing+=(clang-format)
    command -v clang++-14 >/dev/null || missing+=(clang-14)  # the fuzz targets (libFuzzer)
    dpkg -s libclang-rt-14-dev >/dev/null 2>&1 || missing+=(libclang-rt-14-dev)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

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

# The TensorBoard tests read superconv's event files with TensorBoard itself: `test` pip-installs the tensorboard
# package into the Python the tests use (SUPERCONV_PYTHON, else ./.venv) unless it is importable already (seconds
# on a second run). Without such a Python those tests print SKIPPED.
ensure_tensorboard() {
  local py=${SUPERCONV_PYTHON:-$root/.venv/bin/python}
  [ -x "$py" ] || command -v "$py" >/dev/null 2>&1 || return 0
  "$py" -c 'import tensorboard' >/dev/null 2>&1 && return 0
  say "installing the tensorboard package into $("$py" -c 'import sys; print(sys.prefix)') (pip), for the TensorBoard tests"
  # shellcheck disable=SC2086
  "$py" -m pip install -q ${SUPERCONV_PIP_ARGS:-} tensorboard || say "tensorboard not installed: its tests will be skipped"
}

configure() {  # $1 build dir, rest: extra cmake options
  local dir=$1; shift
  local stamp="$dir/.superconv-configured"
  if [ -f "$dir/CMakeCache.txt" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$*" ]; then return 0; fi
  local prefix
  prefix=$(torch_prefix)
  say "configuring $dir (LibTorch: $prefix)"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$prefix" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null
  echo "$*" > "$stamp"
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
    ensure_tensorboard
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
