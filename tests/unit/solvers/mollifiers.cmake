# Unit tests of the high-order and compactly supported mollifiers (mollifiers.hpp, src/mollifiers.cpp): moments,
# gradients, self-convolutions against independent quadratures, supports and truncation radii, in d = 1, 2, 3.
blobflow_add_test(test_mollifiers
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_mollifiers.cpp
  LIBS blobflow::solvers
  LABELS unit)
