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
