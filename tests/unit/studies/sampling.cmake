# The samplers at the level of a run: [sampling] validation, the exact samplers, costs and sampling metrics.
blobflow_add_test(test_sampling
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sampling.cpp
  LIBS blobflow::studies
  LABELS unit)
