# Unit tests of the summation engines beyond DirectSum, each against DirectSum (included from CMakeLists.txt here).
blobflow_add_test(test_truncated_sum
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_truncated_sum.cpp
  LIBS blobflow::solvers
  LABELS unit)
blobflow_add_test(test_simd_sum
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_simd_sum.cpp
  LIBS blobflow::solvers
  LABELS unit)
blobflow_add_test(test_truncated_simd_sum
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_truncated_simd_sum.cpp
  LIBS blobflow::solvers
  LABELS unit)
blobflow_add_test(test_engine_agreement
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_engine_agreement.cpp
  LIBS blobflow::solvers
  LABELS unit)
