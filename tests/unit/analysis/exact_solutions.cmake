# Exact solutions beyond the Barenblatt profile (analysis/include/blobflow/analysis/exact_solutions.hpp): heat kernel,
# linear Fokker-Planck Gaussians and the confined porous-medium solution, docs/math.md §4.5-4.6.
blobflow_add_test(test_exact_solutions
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_exact_solutions.cpp
  LIBS blobflow::analysis
  LABELS unit)
