# Two commands for a fresh Debian/Ubuntu machine (each installs what is missing, then skips it next time):
#   make demo [ARGS="--epochs 2"]   the CIFAR-10 super-convergence recipe (cifar10_resnet)
#   make test                       build and pass the test suite
# and: make speedrun [ARGS="--runs 5"]  the 94 %-in-minutes recipe (cifar10_speedrun)
#      make cuda-check [TORCH=2.15.0]  build everything against the CUDA build of LibTorch (2.13.0, or 2.11.0 / 2.15.0)
#                                      and pass the tests with it (no GPU needed; ~2.8 GB download; by hand in
#                                      changes that touch CUDA code or an API that differs between LibTorch versions)
ARGS ?=
TORCH ?= 2.13.0
.PHONY: demo speedrun test build bench format clean cuda-check
demo:
	@bash scripts/bootstrap.sh demo $(ARGS)
speedrun:
	@bash scripts/bootstrap.sh speedrun $(ARGS)
test:
	@bash scripts/bootstrap.sh test
build:
	@bash scripts/bootstrap.sh build
cuda-check:
	@SUPERCONV_TORCH_VERSION=$(TORCH) bash scripts/cuda_check.sh
bench: build
	@./build/bin/bench_pipeline && ./build/bin/bench_train_step
format: build
	@cmake --build build --target format
clean:
	rm -rf build build-asan build-fuzz
