# Two-layer networks (network.hpp): the network field against the wpme field (f* = 0, nu = 1/rhobar), the closed
# form, and an independent quadrature of the risk with finite differences; bad parameters of f* and nu.
blobflow_add_test(test_network
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_network.cpp
  LIBS blobflow::solvers
  LABELS unit)
# SGD beside the flow (network_sgd.hpp): data samplers, bad batch sizes and steps, the SGD-to-flow distance.
blobflow_add_test(test_network_sgd
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_network_sgd.cpp
  LIBS blobflow::solvers
  LABELS unit)
