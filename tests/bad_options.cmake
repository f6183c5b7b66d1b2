# Bad options: exit code 2 and a message that names the option and the value.
function(expect_usage_error needle)
  execute_process(COMMAND "${EXE}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "${ARGN}: expected exit code 2, got ${rc}\n${out}${err}")
  endif()
  string(FIND "${err}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${ARGN}: the message does not mention '${needle}':\n${err}")
  endif()
endfunction()
expect_usage_error("--lr-min (0.5) must be below --lr-max (0.1)" --schedule-only --lr-min 0.5 --lr-max 0.1)
expect_usage_error("--peak-epoch (30) must be below --epochs (24)" --schedule-only --peak-epoch 30)
expect_usage_error("--epochs 2, --peak-epoch 1" --schedule-only --epochs 2 --peak-epoch 1 --schedule-step epoch)
expect_usage_error("--bogus" --bogus)
expect_usage_error("--momentum-min (0.99) must not exceed --momentum-max (0.95)" --schedule-only --momentum-min 0.99)
expect_usage_error("/nonexistent/run is neither a run folder" --schedule-only --resume /nonexistent/run)

# Every option's bad values, one row each: exit code 2 and a message that names the option and the value (as a word of
# its own). --schedule-only needs no data, and a value that got through would print the schedule and exit 0, failing
# its row. A value written "=v" goes with the option as one argument (--amp=v).
function(expect_bad_value option value)
  set(arg ${option} ${value})
  if(value MATCHES "^=(.*)")
    set(arg "${option}${value}")
    set(value "${CMAKE_MATCH_1}")
  endif()
  execute_process(COMMAND "${EXE}" --schedule-only ${arg} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "([][.*+?^$(){}|\\])" "\\\\\\1" v "${value}")
  list(JOIN arg " " shown)
  if(NOT rc EQUAL 2)
    message(SEND_ERROR "${shown}: expected exit code 2, got ${rc}\n${err}")
  elseif(NOT err MATCHES "${option}" OR NOT err MATCHES "[ (=:]${v}([^0-9A-Za-z_.]|$)")
    message(SEND_ERROR "${shown}: the message does not name both the option and the value:\n${err}")
  endif()
endfunction()
foreach(row
    "--epochs 0" "--epochs -3" "--epochs nan" "--epochs 2.5" "--epochs inf"
    "--peak-epoch 0" "--peak-epoch -1" "--peak-epoch nan" "--peak-epoch inf" "--peak-epoch 30"
    "--batch-size 0" "--batch-size -512" "--batch-size nan" "--batch-size 1.5"
    "--lr-max 0" "--lr-max -1" "--lr-max nan" "--lr-max inf"
    "--lr-min 0" "--lr-min -0.01" "--lr-min nan"
    "--div-factor 0.5" "--div-factor 0" "--div-factor nan" "--div-factor 2e6"
    "--lr-suggestion foo" "--lr-suggestion MIN_LOSS"
    "--finder-iters 5" "--finder-iters -1" "--finder-iters nan" "--finder-iters 1e9"
    "--finder-start 0" "--finder-start -1" "--finder-start nan" "--finder-start inf" "--finder-start 20"
    "--finder-end 0" "--finder-end nan" "--finder-end inf"
    "--momentum-min 1.5" "--momentum-min -0.1" "--momentum-min nan"
    "--momentum-max 1.5" "--momentum-max nan"
    "--schedule-step hourly" "--anneal square"
    "--weight-decay -1" "--weight-decay 2" "--weight-decay nan"
    "--label-smoothing 1" "--label-smoothing -0.1" "--label-smoothing nan"
    "--logit-scale 0" "--logit-scale -1" "--logit-scale nan"
    "--width 0" "--width -8" "--width nan"
    "--train-limit -1" "--train-limit nan" "--test-limit -1"
    "--device tpu" "--device CUDA"
    "--amp =maybe" "--amp =2" "--channels-last =maybe" "--tta =maybe" "--retain-heap =2"
    "--schedule-only =maybe" "--find-lr-only =maybe"
    "--seed -1" "--seed nan" "--seed 1.5"
    "--runs 0" "--runs -1"
    "--threads -1" "--threads nan")
  separate_arguments(row)
  expect_bad_value(${row})
endforeach()
# A missing data folder is not a usage error: exit 1, naming the folder and how to get the data.
execute_process(COMMAND "${EXE}" --data /nonexistent/cifar --epochs 1 --peak-epoch 0.5 RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
if(NOT rc EQUAL 1 OR NOT err MATCHES "/nonexistent/cifar does not exist" OR NOT err MATCHES "FetchCIFAR10")
  message(FATAL_ERROR "missing data: expected exit 1 naming the folder, got ${rc}: ${err}")
endif()
