# Unit tests of the grid/FFT summation engine against DirectSum (included from CMakeLists.txt here).
blobflow_add_test(test_fft_sum
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_fft_sum.cpp
  LIBS blobflow::solvers
  LABELS unit)
