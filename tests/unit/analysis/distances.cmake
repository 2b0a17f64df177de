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
