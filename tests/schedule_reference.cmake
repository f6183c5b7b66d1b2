# `cifar10_resnet --schedule-only` must print exactly PyTorch's OneCycleLR values (tests/golden/*.csv, written by
# tests/golden/make_schedule_golden.py): per epoch with the reference run's LRs and momenta, and per batch.
file(MAKE_DIRECTORY "${OUT}")
function(check name)
  execute_process(COMMAND "${EXE}" --schedule-only ${ARGN} OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "--schedule-only ${ARGN} exited ${rc}: ${err}")
  endif()
  string(FIND "${out}" "\n" nl)  # drop the version line
  math(EXPR nl "${nl} + 1")
  string(SUBSTRING "${out}" ${nl} -1 csv)
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
