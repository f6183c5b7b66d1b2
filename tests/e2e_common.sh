# Shared by the example's end-to-end shell tests: where the real CIFAR-10 is (exit 77, skipped, when it is not), and
# how a check fails. Source it: `. "$(dirname "$0")/e2e_common.sh"`.
data=${SUPERCONV_DATA:-$(dirname "$0")/../../shared/data/cifar-10-batches-bin}
if [ ! -f "$data/data_batch_1.bin" ]; then
  echo "SKIPPED: real CIFAR-10 not found (set SUPERCONV_DATA or put it at ../shared/data/cifar-10-batches-bin)"
  exit 77
fi
fail() { echo "FAILED: $*"; exit 1; }
