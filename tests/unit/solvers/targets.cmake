# wpme with a general target rhobar: the target kinds and the grid reader, the closed-form y-integral against brute
# force, the box identity, the quadrature's order across jumps (test_targets.cpp); the exact gradient identity by
# finite differences (test_target_properties.cpp); energy decay and the long-time state (test_target_dynamics.cpp).
blobflow_add_test(test_targets
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_targets.cpp
  LIBS blobflow::solvers
  LABELS unit)
blobflow_add_test(test_target_properties
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_target_properties.cpp
  LIBS blobflow::solvers
  LABELS property)
blobflow_add_test(test_target_dynamics
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_target_dynamics.cpp
  LIBS blobflow::solvers
  LABELS unit)
# The samplers (samplers.hpp): target scores, ULA's stationary variance, MALA's unbiasedness, SVGD against its formula
# and with one particle, the random batches' partition and unbiasedness.
blobflow_add_test(test_samplers
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_samplers.cpp
  LIBS blobflow::solvers
  LABELS unit)
