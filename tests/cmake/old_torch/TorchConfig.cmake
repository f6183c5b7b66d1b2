# A stand-in for a LibTorch package too old for superconv (Debian 12's libtorch-dev is 1.13.1): found, no targets.
set(TORCH_FOUND TRUE)
set(TORCH_INCLUDE_DIRS "")
set(TORCH_LIBRARIES torch)
