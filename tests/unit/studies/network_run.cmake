# Networks at the level of a run: the minimizer rho_inf and R_inf against closed forms, W2 to rho_inf on constructed
# cases, SGD from a configuration beside the flow.
blobflow_add_test(test_network_run
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_network_run.cpp
  LIBS blobflow::studies
  LABELS unit)
