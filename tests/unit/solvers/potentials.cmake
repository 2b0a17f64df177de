# Tests of the external potentials V and interaction kernels W (potentials.hpp, drifted_field.hpp), included from
# CMakeLists.txt here: unit tests of the kernels and the factory, RapidCheck properties of the drifted fields, and
# a linear Fokker-Planck run against the exact moments of analysis::LinearFokkerPlanck (docs/math.md §4.6).
blobflow_add_test(test_potentials
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_potentials.cpp
  LIBS blobflow::solvers
  LABELS unit)
blobflow_add_test(test_potentials_properties
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_potentials_properties.cpp
  LIBS blobflow::solvers
  LABELS property)
blobflow_add_test(test_potentials_fokker_planck
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_potentials_fokker_planck.cpp
  LIBS blobflow::solvers blobflow::analysis
  LABELS convergence)
