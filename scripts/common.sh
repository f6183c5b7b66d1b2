# Shell shared by scripts/bootstrap.sh and scripts/cuda_check.sh (sourced, not run). The sourcing script sets
# `root` (the checkout) and defines torch_prefix (prints the LibTorch prefix for CMAKE_PREFIX_PATH) before it
# calls configure.

# ccache with paths relative to the checkout: a second clone (CI) reuses the first one's objects.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

say() { printf '\033[1m[superconv]\033[0m %s\n' "$*"; }
die() {
  printf '\033[1;31m[superconv] error:\033[0m %s\n' "$*" >&2
  exit 1
}

# Installs the Debian packages the build and the tests need (apt-get, once: a second run finds them all).
install_packages() {
  local missing=()
  command -v g++ >/dev/null || missing+=(g++)
  command -v cmake >/dev/null || missing+=(cmake)
  command -v ninja >/dev/null || missing+=(ninja-build)
  command -v make >/dev/null || missing+=(make)
  command -v ccache >/dev/null || missing+=(ccache)
  command -v python3 >/dev/null || missing+=(python3)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  for p in libfmt-dev catch2 libstb-dev libcli11-dev nlohmann-json3-dev libturbojpeg0-dev; do
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

configure() {  # $1 build dir, rest: extra cmake options; skipped when the same options configured it before
  local dir=$1; shift
  local stamp="$dir/.superconv-configured"
  if [ -f "$dir/CMakeCache.txt" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$*" ]; then return 0; fi
  local prefix
  prefix=$(torch_prefix)
  say "configuring $dir (LibTorch: $prefix)"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$prefix" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null || return 1
  echo "$*" > "$stamp"
}

# The streaming tests compare superconv's shards and crops with webdataset's and torchvision's (tests/data/
# check_streaming.py): installs webdataset, torchvision (the release matching the Python's torch), pillow and numpy
# into the Python $1 (rest: pip options) unless they import (seconds on a second run). Without them those tests print
# SKIPPED.
ensure_streaming_references() {
  local py=$1; shift
  [ -x "$py" ] || command -v "$py" >/dev/null 2>&1 || return 0
  "$py" -c 'import webdataset, PIL, numpy, importlib.util as u; assert u.find_spec("torchvision")' >/dev/null 2>&1 && return 0
  local tv
  tv=$("$py" -c 'import torch; v = torch.__version__.split("+")[0].split("."); print(f"0.{int(v[1]) + 15}.{v[2]}")' 2>/dev/null) || return 0
  say "installing webdataset, torchvision==$tv, pillow and numpy into $("$py" -c 'import sys; print(sys.prefix)') (pip), for the streaming tests"
  "$py" -m pip install -q "$@" webdataset "torchvision==$tv" pillow numpy || say "not installed: the streaming checks will be skipped"
}

# The TensorBoard tests read superconv's event files with TensorBoard itself: installs the tensorboard package into
# the Python $1 (rest: pip options) unless it is importable already (seconds on a second run). Without such a
# Python those tests print SKIPPED.
ensure_tensorboard() {
  local py=$1; shift
  [ -x "$py" ] || command -v "$py" >/dev/null 2>&1 || return 0
  "$py" -c 'import tensorboard' >/dev/null 2>&1 && return 0
  say "installing the tensorboard package into $("$py" -c 'import sys; print(sys.prefix)') (pip), for the TensorBoard tests"
  "$py" -m pip install -q "$@" tensorboard || say "tensorboard not installed: its tests will be skipped"
}
