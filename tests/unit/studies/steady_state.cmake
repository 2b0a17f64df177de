# The wpme steady-state metrics of a run (w1_steady, w2_steady, quantization_floor_w2) against their closed forms.
blobflow_add_test(test_steady_state
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_steady_state.cpp
  LIBS blobflow::studies blobflow::analysis
  LABELS unit)
