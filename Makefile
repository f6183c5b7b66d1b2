# Two commands for a fresh Debian/Ubuntu machine (each installs what is missing, then skips it next time):
#   make demo [ARGS="--epochs 2"]   the CIFAR-10 super-convergence recipe (cifar10_resnet)
#   make test                       build and pass the test suite
ARGS ?=
.PHONY: demo test build bench format clean
demo:
	@bash scripts/bootstrap.sh demo $(ARGS)
test:
	@bash scripts/bootstrap.sh test
build:
	@bash scripts/bootstrap.sh build
bench: build
	@./build/bin/bench_pipeline && ./build/bin/bench_train_step
format: build
	@cmake --build build --target format
clean:
	rm -rf build build-asan build-fuzz
