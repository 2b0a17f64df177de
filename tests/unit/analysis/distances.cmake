# Particle-vs-particle Wasserstein distances and the automatic rate fits (wasserstein1d.hpp, rate_fit.hpp).
blobflow_add_test(test_distances
  SOURCES test_distances.cpp
  LIBS blobflow::analysis
  LABELS unit)
