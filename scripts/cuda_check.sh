#!/usr/bin/env bash
# `make cuda-check [TORCH=2.15.0]`: builds every target (library, distributed wing with NCCL, examples, tests,
# benchmarks, fuzz targets) against the CUDA build of LibTorch (PyPI's torch wheel for Linux; 2.13.0 unless TORCH
# says another: 2.11.0 and 2.15.0 are the other versions superconv is checked with) and runs the whole test suite
# with it. No GPU is needed: the CUDA LibTorch runs on the CPU, and the CUDA test cases say "SKIPPED: no CUDA
# device"; on a machine with a GPU they run. Run it by hand in every change that touches CUDA code or a LibTorch API
# that differs between versions (it is too long for .ci/run: see the README). LibTorch 2.15 builds as C++20.
#
#   1. Debian packages, as scripts/bootstrap.sh installs them (apt-get, skipped when present).
#   2. A venv of its own, ./.venv-cuda (./.venv-cuda-<version> for another version), with PyPI's torch for Linux
#      x86-64, which is the CUDA 13 build (its dependencies bring the CUDA 13 runtime libraries, cuDNN and NCCL with
#      its headers), plus the cuda-toolkit wheels LibTorch's CMake config asks for: nvcc (+ crt, nvvm) and the CCCL
#      headers, at the release that torch wheel pins (read from its metadata: 13.0.2 for 2.11.0, 13.0.3 for 2.13.0,
#      13.2.2 for 2.15.0), and tensorboard for the TensorBoard tests. About 2.8 GB to download, 4.9 GB installed.
#   3. The toolkit: CUDA 13 wheels install into site-packages/nvidia/cu13/{bin,include,lib,nvvm}, a CUDA toolkit's
#      layout except for what its -dev packages add: nvcc links against lib64/ (the wheels have lib/), and CMake's
#      FindCUDA and FindCUDAToolkit look for libcudart.so (the wheels have libcudart.so.13 only). So that folder
#      gets a lib64 -> lib link and the libcudart.so and libnvrtc.so links, and is given to CMake as the toolkit
#      (CUDA_TOOLKIT_ROOT_DIR, CMAKE_CUDA_COMPILER). LibTorch's Caffe2Config runs FindCUDA and enable_language(CUDA)
#      (it compiles and links a tiny CUDA program with nvcc) and finds cudart; nothing of superconv is compiled by nvcc.
#   4. Configures ./build-cuda and checks that the CUDA build is seen: SUPERCONV_WITH_CUDA, USE_C10D_NCCL and nccl.h
#      on the distributed tests' command line. 5. Builds every target (ninja -k 0: all errors in one go).
#   6. Runs ctest and lists the skipped tests with their reasons. Prints what it downloaded and each phase's time.
# Idempotent: a second run reuses the venv (no download), the toolkit links, the configuration and ccache's objects.
#
# Why not plain `pip install torch`: pip also reads /etc/pip.conf, /etc/xdg/pip/pip.conf, ~/.config/pip/pip.conf and
# PIP_* variables; a machine set up with a local wheel folder (find-links), extra indexes or a constraints file - as
# a machine that keeps a CPU build of torch for `make test` may be - would install that CPU build. The pip calls here
# run with PIP_CONFIG_FILE=/dev/null (pip then reads no configuration file), without the PIP_* variables that choose
# packages, and with --index-url naming PyPI itself. Set SUPERCONV_CUDA_INDEX_URL to use a mirror of PyPI instead.
#
# Environment: SUPERCONV_TORCH_VERSION (2.13.0; `make cuda-check TORCH=...` sets it), SUPERCONV_CUDA_VENV
# (.venv-cuda[-<version>]), SUPERCONV_CUDA_BUILD_DIR (build-cuda[-<version>]), SUPERCONV_CUDA_TOOLKIT_VERSION (the
# torch wheel's pin), SUPERCONV_CUDA_INDEX_URL (https://pypi.org/simple), SUPERCONV_JOBS (nproc),
# SUPERCONV_CTEST_ARGS (extra ctest options, e.g. "-L distributed").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. "$root/scripts/common.sh"  # say, die, install_packages, configure

torch_version=${SUPERCONV_TORCH_VERSION:-2.13.0}
suffix=""
[ "$torch_version" = 2.13.0 ] || suffix="-$torch_version"
venv=${SUPERCONV_CUDA_VENV:-.venv-cuda$suffix}
build=${SUPERCONV_CUDA_BUILD_DIR:-build-cuda$suffix}
toolkit_version=${SUPERCONV_CUDA_TOOLKIT_VERSION:-}
index=${SUPERCONV_CUDA_INDEX_URL:-https://pypi.org/simple}
jobs=${SUPERCONV_JOBS:-$(nproc)}
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
py="$venv/bin/python"

# ---- phase timing: each phase's wall time, printed at the end (also when a phase fails)
phases=()
phase_name=""
phase_start=0
phase() {  # phase NAME: ends the running phase, starts NAME
  local now
  now=$(date +%s)
  [ -n "$phase_name" ] && phases+=("$(printf '%-34s %5d s' "$phase_name" $((now - phase_start)))")
  phase_name=$1
  phase_start=$now
  [ -n "$phase_name" ] && say "== $phase_name"
  return 0
}
downloaded="nothing (the venv was there)"
report() {
  local rc=$?
  phase ""
  say "cuda-check $([ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)"); downloaded: $downloaded"
  local p
  for p in "${phases[@]}"; do say "  $p"; done
  say "  total                              $(($(date +%s) - start)) s"
}
start=$(date +%s)
trap report EXIT

# pip with none of this machine's pip configuration (see the header).
cuda_pip() {
  env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT -u PIP_NO_INDEX -u PIP_REQUIREMENT \
    -u PIP_ONLY_BINARY -u PIP_NO_BINARY -u PIP_PRE PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$py" -m pip "$@"
}

venv_ready() {  # the venv has the CUDA build of torch, nvcc and tensorboard
  [ -x "$py" ] && "$py" - "$torch_version" >/dev/null 2>&1 <<'EOF'
import sys, sysconfig, os, warnings
warnings.filterwarnings("ignore")
import torch, tensorboard
assert torch.__version__.split("+")[0] == sys.argv[1] and torch.version.cuda, torch.__version__
major = torch.version.cuda.split(".")[0]
assert os.access(os.path.join(sysconfig.get_paths()["purelib"], "nvidia", "cu" + major, "bin", "nvcc"), os.X_OK)
EOF
}

torch_prefix() { "$py" -W ignore -c 'import torch,sys; sys.stdout.write(torch.utils.cmake_prefix_path)' 2>/dev/null; }

# ---- 1. Debian packages
phase "Debian packages (apt-get)"
install_packages

# ---- 2. the CUDA build of torch and the toolkit wheels
phase "download + install (pip)"
if venv_ready; then
  say "reusing $venv: $("$py" -W ignore -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda)' 2>/dev/null)"
  [ -f "$venv/.superconv-downloaded" ] && downloaded="nothing now; $(cat "$venv/.superconv-downloaded") on the first run"
else
  [ -x "$py" ] || python3 -m venv "$venv" || die "could not create $venv (Debian/Ubuntu: apt-get install python3-venv)"
  # Download first (a folder that keeps what an interrupted run fetched and measures the download), then install
  # from that folder alone, then drop it.
  wheels="$venv/wheels"
  mkdir -p "$wheels"
  say "downloading torch==$torch_version and its dependencies from $index into $wheels (about 2.5 GB)"
  cuda_pip download --only-binary=:all: --index-url "$index" -d "$wheels" --progress-bar on "torch==$torch_version" \
    tensorboard || die "pip could not download the CUDA build of torch from $index (network? SUPERCONV_CUDA_INDEX_URL?)"
  if [ -z "$toolkit_version" ]; then  # the cuda-toolkit release this torch wheel pins (its METADATA)
    toolkit_version=$("$py" - "$wheels" "$torch_version" <<'EOF'
import glob, re, sys, zipfile
wheel = glob.glob(f"{sys.argv[1]}/torch-{sys.argv[2]}-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
m = re.search(r"^Requires-Dist: cuda-toolkit\[[^\]]*\]==([0-9.]+)", meta, re.M)
print(m.group(1) if m else "")
EOF
)
    [ -n "$toolkit_version" ] || die "torch $torch_version's wheel pins no cuda-toolkit release: is it a CUDA build?"
  fi
  say "downloading cuda-toolkit[nvcc,cccl]==$toolkit_version (nvcc and the CCCL headers LibTorch's CMake asks for)"
  cuda_pip download --only-binary=:all: --index-url "$index" -d "$wheels" --progress-bar on \
    "cuda-toolkit[nvcc,cccl]==$toolkit_version" || die "pip could not download cuda-toolkit $toolkit_version"
  packages=("torch==$torch_version" "cuda-toolkit[nvcc,cccl]==$toolkit_version" tensorboard)
  downloaded="$(du -sb "$wheels" | awk '{printf "%.2f GB", $1 / 1e9}') ($(find "$wheels" -name '*.whl' | wc -l) wheels)"
  say "downloaded $downloaded; installing into $venv"
  cuda_pip install -q --no-index --find-links "$wheels" "${packages[@]}" || die "pip install from $wheels failed"
  venv_ready || die "$venv has no CUDA build of torch $torch_version with nvcc after the install: $("$py" -W ignore \
    -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda)' 2>&1 | tail -1)"
  echo "$downloaded" >"$venv/.superconv-downloaded"
  rm -rf "$wheels"
fi
cuda=$("$py" -W ignore -c 'import torch; print(torch.version.cuda)' 2>/dev/null)
toolkit="$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/nvidia/cu${cuda%%.*}"

# ---- 3. the toolkit links a CUDA toolkit's -dev packages would provide (see the header)
phase "toolkit links"
[ -e "$toolkit/lib64" ] || ln -s lib "$toolkit/lib64"
for lib in cudart nvrtc; do
  so=$(cd "$toolkit/lib" && ls "lib$lib.so."[0-9]* 2>/dev/null | head -1) || true
  [ -n "$so" ] || die "$toolkit/lib has no lib$lib.so.<version>: is the cuda-toolkit wheel for CUDA $cuda installed?"
  [ -e "$toolkit/lib/lib$lib.so" ] || ln -s "$so" "$toolkit/lib/lib$lib.so"
done
"$toolkit/bin/nvcc" --version | tail -2 | head -1 | sed 's/^/[superconv] nvcc: /' || die "$toolkit/bin/nvcc does not run"

# ---- 4. configure, and check that the build sees CUDA and NCCL
phase "configure"
say "LibTorch's CMake config enables CUDA: its warnings about CMAKE_CUDA_ARCHITECTURES and libraries it does not"
say "need (kineto) are expected; no GPU code is compiled"
configure "$build" "-DCMAKE_CUDA_COMPILER=$toolkit/bin/nvcc" "-DCUDA_TOOLKIT_ROOT_DIR=$toolkit" \
  "-DSUPERCONV_PYTHON=$py" "-DSUPERCONV_TORCHRUN=$venv/bin/torchrun" -DSUPERCONV_FUZZ=ON -DSUPERCONV_FUZZ_RUNS=10000 \
  || die "configuring $build against $(torch_prefix) failed (see above)"
ninja -C "$build" build.ninja >/dev/null || die "regenerating $build failed"  # a configured tree, up to date
"$py" - "$build/compile_commands.json" <<'EOF' || die "$build does not build against the CUDA LibTorch as it should (see above)"
import json, sys
entries = [e for e in json.load(open(sys.argv[1])) if e["file"].endswith("tests/distributed/test_distributed.cpp")]
if not entries:
    sys.exit("no compile command for tests/distributed/test_distributed.cpp")
cmd = entries[0].get("command") or " ".join(entries[0]["arguments"])
missing = [w for w in ("-DSUPERCONV_WITH_CUDA", "-DUSE_C10D_NCCL", "nvidia/nccl/include") if w not in cmd]
if missing:
    sys.exit("superconv::distributed is compiled without " + ", ".join(missing) + ": " + cmd)
print("\033[1m[superconv]\033[0m the distributed tests compile with SUPERCONV_WITH_CUDA, USE_C10D_NCCL and nccl.h")
EOF

# ---- 5. build every target; with -k 0 every error shows in one run
phase "build (all targets)"
say "building $build with $jobs jobs (a first build compiles ~90 translation units: tens of minutes on 2 cores)"
set +e
cmake --build "$build" -j"$jobs" -- -k 0 2>&1 | tee "$build/build.log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  say "the build failed; what failed:"
  grep -E '^FAILED: |error:' "$build/build.log" | sort -u | head -40 >&2
  die "building against the CUDA LibTorch failed (full log: $build/build.log)"
fi

# ---- 6. the test suite, on this machine's CPU (and its GPU if it has one)
phase "tests (ctest)"
gpu=$("$py" -W ignore -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 0)
if [ "$gpu" = "0" ]; then
  say "no GPU here: the CUDA LibTorch runs on the CPU and the CUDA test cases skip"
else
  say "$gpu GPU(s) here: the CUDA test cases run on them"
fi
set +e
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 1500 ${SUPERCONV_CTEST_ARGS:-} 2>&1 |
  tee "$build/ctest.log"
rc=${PIPESTATUS[0]}
set -e
# Each skipped test (ctest's "(Skipped)" list) and the reason it printed ("SKIPPED: ..."), from ctest's log.
"$py" - "$build/ctest.log" "$build/Testing/Temporary/LastTest.log" <<'EOF' || true
import re, sys
names = re.findall(r"^\s*\d+ - (.*) \(Skipped\)\s*$", open(sys.argv[1], errors="replace").read(), re.M)
log = open(sys.argv[2], errors="replace").read()
print(f"\033[1m[superconv]\033[0m {len(names)} tests skipped, each with the reason it gave:")
for name in names:
    start = log.find(f" Testing: {name}\n")
    block = log[start:log.find("time elapsed", start)] if start >= 0 else ""
    # The first "SKIPPED: <why>" (Catch wraps long lines; ctest's own "Regex=[SKIPPED:]" comes later).
    why = [" ".join(w.split()) for w in re.findall(r"SKIPPED:[ \t]*(\S.*(?:\n[ \t]+\S.*)*)", block)]
    print(f"\033[1m[superconv]\033[0m   {name}: {why[0] if why else '(no reason printed)'}")
EOF
[ "$rc" -eq 0 ] || die "tests failed against the CUDA LibTorch (log: $build/ctest.log)"
