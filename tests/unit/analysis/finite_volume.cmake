# The 1D finite-volume reference solver for wpme with piecewise-constant targets (finite_volume1d.hpp): exact
# solutions, conservation, positivity, energy, the piecewise-constant example, agreement with the Lagrangian solver.
blobflow_add_test(test_finite_volume
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_finite_volume.cpp
  LIBS blobflow::analysis
  LABELS unit)
blobflow_add_test(test_finite_volume_convergence
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_finite_volume_convergence.cpp
  LIBS blobflow::analysis
  LABELS convergence slow
  WHOLE)
