# `cifar10_resnet --schedule-only` must print exactly PyTorch's OneCycleLR values (tests/golden/*.csv, written by
# tests/golden/make_schedule_golden.py): per epoch with the reference run's LRs and momenta, and per batch.
file(MAKE_DIRECTORY "${OUT}")
function(check name)
  execute_process(COMMAND "${EXE}" --schedule-only ${ARGN} OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "--schedule-only ${ARGN} exited ${rc}: ${err}")
  endif()
  set(csv "${out}")  # the whole of stdout is the CSV (`> schedule.csv` gives a valid file)
  file(WRITE "${OUT}/${name}.csv" "${csv}")
  file(READ "${SRC}/tests/golden/reference_schedule_${name}.csv" expected)
  if(NOT csv STREQUAL expected)
    message(FATAL_ERROR "schedule ${name} differs from PyTorch's: compare ${OUT}/${name}.csv with "
                        "${SRC}/tests/golden/reference_schedule_${name}.csv")
  endif()
  message(STATUS "${name}: identical to PyTorch's OneCycleLR")
endfunction()
check(per_epoch --schedule-step epoch --lr-max 0.157 --lr-min 0.0157 --momentum-min 0.8 --momentum-max 0.95)
check(per_batch --lr-max 0.157)
# PyTorch skips a warm-up shorter than one step (pct_start x total_steps < 1); so must superconv.
check(short --epochs 2 --train-limit 1024 --lr-max 0.05)
# Without --peak-epoch the peak is 5/24 of the epochs: --epochs 2 works (it used to fail: "--peak-epoch (5) must be
# below --epochs (2)") and peaks 5/12 into the first epoch (98 x 2 batches).
execute_process(COMMAND "${EXE}" --schedule-only --epochs 2 --lr-max 0.1 OUTPUT_VARIABLE out
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^step,epoch,lr,momentum\n0,1,0.01,0.95\n1,1,0.01225941422594142[0-9]*,0.947489539748953[0-9]*\n.*\n195,2,")
  message(FATAL_ERROR "--schedule-only --epochs 2: exit ${rc}, stdout:\n${out}\nstderr:\n${err}")
endif()
