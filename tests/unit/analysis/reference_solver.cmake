# The 1D Lagrangian reference solver and its piecewise-constant law (reference_solver1d.hpp, piecewise_law1d.hpp):
# unit tests against exact solutions, and the orders of accuracy as K doubles (slow).
blobflow_add_test(test_reference_solver
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_reference_solver.cpp
  LIBS blobflow::analysis
  LABELS unit)
blobflow_add_test(test_reference_convergence
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_reference_convergence.cpp
  LIBS blobflow::analysis
  LABELS convergence slow
  WHOLE)
