# The in-house implicit Euler (minimizing-movement) integrator: energy never increases at any dt, first order,
# the implicit Euler equation holds to the stated tolerance, failure is a status (test_implicit_euler.cpp).
blobflow_add_test(test_implicit_euler
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_implicit_euler.cpp
  LIBS blobflow::solvers
  LABELS unit)
