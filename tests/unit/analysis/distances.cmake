# Particle-vs-particle Wasserstein distances and the automatic rate fits (wasserstein1d.hpp, rate_fit.hpp).
blobflow_add_test(test_distances
  SOURCES test_distances.cpp
  LIBS blobflow::analysis
  LABELS unit)
# Discrete and semi-discrete W2 in 2D/3D, the Barenblatt trajectory bound, sliced W2 (wasserstein2d.hpp), and the blob
# density's distances and divergences (divergences.hpp).
blobflow_add_test(test_distances_nd
  SOURCES test_wasserstein2d.cpp test_divergences.cpp
  LIBS blobflow::analysis
  LABELS unit)
# Metric properties of the 1D and 2D distances (RapidCheck) and the 2D discrete W2 against POT; their sources live
# with the other property and reference tests.
blobflow_add_test(test_distance_properties
  SOURCES ${PROJECT_SOURCE_DIR}/tests/property/test_distance_properties.cpp
  LIBS blobflow::analysis
  LABELS property)
blobflow_add_test(test_wasserstein2d_pot
  SOURCES ${PROJECT_SOURCE_DIR}/tests/reference/test_wasserstein2d_pot.cpp
  LIBS blobflow::analysis
  LABELS reference)
# `blobflow distance` end to end (the command lives in studies/src/distance_command.cpp).
blobflow_add_test(test_cli_distance SOURCES ${PROJECT_SOURCE_DIR}/tests/cli/test_cli_distance.cpp LABELS cli)
target_compile_definitions(test_cli_distance PRIVATE BLOBFLOW_EXE="$<TARGET_FILE:blobflow>")
add_dependencies(test_cli_distance blobflow)
